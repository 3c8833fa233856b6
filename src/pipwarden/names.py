"""Canonical forms of project names and versions, without importing ``packaging.utils``.

``packaging.utils`` pulls in ``packaging.tags`` (logging, platform, subprocess, sysconfig),
which costs more than the whole of a small audit; these two functions are all the audit
path needs from it. Both give exactly ``packaging``'s results (tests compare them).
"""

from __future__ import annotations

import functools
import re

from packaging.version import InvalidVersion, Version

_SEPARATORS = re.compile(r"[-_.]+")
_TRAILING_ZEROS = re.compile(r"(\.0)+$")


@functools.lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None for a string that is not one (cached: versions repeat)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def canonicalize_name(name: str) -> str:
    """The PEP 503 normalised name: runs of ``-``, ``_`` and ``.`` become ``-``, lower case."""
    return _SEPARATORS.sub("-", name).lower()


@functools.lru_cache(maxsize=65536)
def version_key(text: str) -> str:
    """A string equal for versions PEP 440 calls equal (``1.0`` == ``1.0.0`` == ``v1``), as
    ``packaging.utils.canonicalize_version(text, strip_trailing_zero=True)``; a string that
    is not PEP 440 is its own key (white space inside it replaced by ``_``)."""
    stripped = text.strip()
    version = parse_version(stripped)
    if version is None:
        return "_".join(stripped.split())
    parts = []
    if version.epoch:
        parts.append(f"{version.epoch}!")
    parts.append(_TRAILING_ZEROS.sub("", ".".join(str(x) for x in version.release)) or "0")
    if version.pre is not None:
        parts.append("".join(str(x) for x in version.pre))
    if version.post is not None:
        parts.append(f".post{version.post}")
    if version.dev is not None:
        parts.append(f".dev{version.dev}")
    if version.local is not None:
        parts.append(f"+{version.local}")
    return "".join(parts)
