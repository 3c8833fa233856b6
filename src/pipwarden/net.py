"""The only module that opens network connections.

It knows timeouts, retries, ``--offline``, size limits and the user's pip index
configuration (index URLs are never hard-coded: they come from pip's configuration and pip's
own default at run time).
"""

from __future__ import annotations

import configparser
import hashlib
import os
import socket
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from pipwarden.errors import NetworkError
from pipwarden.urls import redact as redact
from pipwarden.urls import split_auth

DEFAULT_TIMEOUT = 30.0
USER_AGENT = "pipwarden (+supply-chain audit)"
MAX_DOWNLOAD = 512 * 1024 * 1024

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class Response:
    url: str  # final URL after redirects
    status: int
    headers: dict[str, str]
    body: bytes


def _request(url: str, auth: str | None, headers: dict[str, str]) -> urllib.request.Request:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - scheme checked
    if auth:
        # not copied onto a redirect: another host never sees the credentials
        request.add_unredirected_header("Authorization", auth)
    return request


def _check_scheme(url: str) -> None:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in {"http", "https"}:
        raise NetworkError(f"unsupported URL scheme {scheme!r}", location=url)


def get(
    url: str,
    *,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = 2,
    accept: str | None = None,
    max_bytes: int = 64 * 1024 * 1024,
    allow_status: tuple[int, ...] = (),
) -> Response:
    """GET ``url`` into memory, with retries on connection errors and 5xx answers.

    An HTTP error whose code is in ``allow_status`` (e.g. 404) is returned as a Response
    instead of raised.
    """
    url, auth = split_auth(url)
    if offline:
        raise NetworkError("network access needed but --offline was given", location=url)
    _check_scheme(url)
    headers = {"User-Agent": USER_AGENT}
    if accept:
        headers["Accept"] = accept
    last: Exception | None = None
    for attempt in range(retries + 1):
        request = _request(url, auth, headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
                body = resp.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise NetworkError(f"response larger than {max_bytes} bytes", location=url)
                return Response(resp.geturl(), resp.status, dict(resp.headers.items()), body)
        except urllib.error.HTTPError as exc:
            if exc.code in allow_status:
                body = exc.read(max_bytes)
                return Response(exc.geturl() or url, exc.code, dict(exc.headers.items()), body)
            if exc.code < 500 or attempt == retries:
                raise NetworkError(f"HTTP {exc.code} {exc.reason}", location=url) from None
            last = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
            reason = getattr(exc, "reason", exc)
            # A refused connection or an unknown host will not heal in a second: fail now.
            if attempt == retries or isinstance(reason, (ConnectionRefusedError, socket.gaierror)):
                break
        time.sleep(0.2 * (attempt + 1))
    reason = getattr(last, "reason", last)
    raise NetworkError(f"cannot connect: {reason}", location=url)


def download(
    url: str,
    dest: IO[bytes],
    *,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = MAX_DOWNLOAD,
    progress: ProgressCallback | None = None,
    expected_sha256: str | None = None,
) -> str:
    """Stream ``url`` into ``dest``; return the sha256 hex digest of what was written.

    A short read (fewer bytes than Content-Length) and a digest that differs from
    ``expected_sha256`` are errors.
    """
    url, auth = split_auth(url)
    if offline:
        raise NetworkError("network access needed but --offline was given", location=url)
    _check_scheme(url)
    request = _request(url, auth, {"User-Agent": USER_AGENT})
    digest = hashlib.sha256()
    received = 0
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            length_text = resp.headers.get("Content-Length")
            total = int(length_text) if length_text and length_text.isdigit() else None
            if total is not None and total > max_bytes:
                raise NetworkError(f"download of {total} bytes exceeds the limit", location=url)
            while True:
                chunk = resp.read(256 * 1024)
                if not chunk:
                    break
                received += len(chunk)
                if received > max_bytes:
                    raise NetworkError("download exceeds the size limit", location=url)
                digest.update(chunk)
                dest.write(chunk)
                if progress:
                    progress(received, total)
    except urllib.error.HTTPError as exc:
        raise NetworkError(f"HTTP {exc.code} {exc.reason}", location=url) from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise NetworkError(f"download failed: {getattr(exc, 'reason', exc)}", location=url) from None
    except OSError as exc:  # http.client.IncompleteRead is an OSError subclass in practice
        raise NetworkError(f"download failed: {exc}", location=url) from None
    if total is not None and received != total:
        raise NetworkError(
            f"download truncated: got {received} of {total} bytes", location=url
        )
    hexdigest = digest.hexdigest()
    if expected_sha256 and hexdigest != expected_sha256.lower():
        raise NetworkError(
            f"sha256 mismatch: expected {expected_sha256}, got {hexdigest}", location=url
        )
    return hexdigest


# --- pip's index configuration ---------------------------------------------------------------


def _pip_config_files() -> list[Path]:
    """pip's configuration files, lowest priority first (global, user, site).

    As in pip, ``PIP_CONFIG_FILE`` set to the null device means: no configuration files.
    """
    env_file = os.environ.get("PIP_CONFIG_FILE")
    if env_file == os.devnull:
        return []
    files: list[Path] = []
    xdg_dirs = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(os.pathsep)
    files += [Path(d) / "pip" / "pip.conf" for d in xdg_dirs if d]
    files.append(Path("/etc/pip.conf"))
    home = Path.home()
    files.append(home / ".pip" / "pip.conf")
    xdg_home = Path(os.environ.get("XDG_CONFIG_HOME", home / ".config"))
    files.append(xdg_home / "pip" / "pip.conf")
    files.append(Path(sys.prefix) / "pip.conf")
    if env_file:
        files.append(Path(env_file))
    return files


def _pip_default_index() -> str:
    """pip's built-in default index URL, read from pip itself at run time."""
    try:
        from pip._internal.models.index import PyPI  # type: ignore[import-not-found,unused-ignore]

        return str(PyPI.simple_url)
    except Exception:  # noqa: BLE001 - pip missing or changed; fall back to asking pip
        import subprocess

        code = "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"
        try:
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
            )
        except (OSError, subprocess.SubprocessError):
            raise NetworkError(
                "no package index configured and pip's default could not be read",
                hint="set PIP_INDEX_URL or index-url in pip.conf",
            ) from None
        return out.stdout.strip()


@dataclass(frozen=True)
class IndexConfig:
    index_url: str
    extra_index_urls: tuple[str, ...] = ()

    @property
    def all(self) -> tuple[str, ...]:
        return (self.index_url, *self.extra_index_urls)


def index_config() -> IndexConfig:
    """The index URLs pip would use: env vars > config files > pip's default."""
    index: str | None = None
    extra: list[str] = []
    parser = configparser.RawConfigParser()
    for path in _pip_config_files():
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
    for section in ("global", "install"):
        if parser.has_section(section):
            if parser.has_option(section, "index-url"):
                index = parser.get(section, "index-url").strip()
            if parser.has_option(section, "extra-index-url"):
                extra = parser.get(section, "extra-index-url").split()
    if os.environ.get("PIP_INDEX_URL"):
        index = os.environ["PIP_INDEX_URL"].strip()
    if os.environ.get("PIP_EXTRA_INDEX_URL"):
        extra = os.environ["PIP_EXTRA_INDEX_URL"].split()
    if not index:
        index = _pip_default_index()
    return IndexConfig(index, tuple(extra))


def json_api_base(simple_url: str) -> str:
    """The project JSON API root that belongs to a simple index URL (``.../simple/`` -> ``.../pypi/``)."""
    parts = urllib.parse.urlsplit(simple_url)
    path = parts.path.rstrip("/")
    if path.endswith("/simple"):
        path = path[: -len("/simple")]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path + "/pypi/", "", ""))
