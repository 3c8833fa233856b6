"""PEP 740 provenance: verify attestations offline and remember publishers per project.

Verification uses ``pypi-attestations`` (the optional ``pipwarden[attestations]`` extra,
imported lazily) with Sigstore's embedded trust root and ``offline=True``: no network is used
for verification. Each attestation must be signed by a certificate that matches the bundle's
Trusted Publisher (repository and workflow) and bind exactly the file's name and sha256.

Without the extra, what can be checked offline without cryptography is checked -- each
statement's subject must name the file and its digest -- and the signature is reported as
unchecked.

The publisher identities seen per project are kept in ``provenance.sqlite`` under
``PIPWARDEN_HOME`` (not the advisory store, which only ``db update`` writes). A release signed
by another publisher, or a release without attestations after attested ones, is a high
``provenance-changed`` finding; a changed identity is not remembered, so it keeps being reported.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

from pipwarden.errors import PipwardenError
from pipwarden.models import IntegrityFinding, Severity

SCHEMA = """
CREATE TABLE IF NOT EXISTS publishers (
    project   TEXT NOT NULL,
    version   TEXT NOT NULL,
    filename  TEXT NOT NULL,
    identity  TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (project, version, filename, identity)
);
"""


class ProvenanceError(PipwardenError):
    """The provenance memory could not be read or written."""


def identity_of(publisher: object) -> str:
    """A stable text for a Trusted Publisher: ``GitHub trailofbits/x @ release.yml``."""
    data: dict[str, object]
    if isinstance(publisher, dict):
        data = publisher
    elif hasattr(publisher, "model_dump"):
        data = publisher.model_dump()
    else:
        data = {}
    kind = str(data.get("kind", "?"))
    repo = str(data.get("repository") or data.get("email") or data.get("project") or "?")
    workflow = data.get("workflow") or data.get("workflow_filepath")
    text = f"{kind} {repo.lower() if kind in ('GitHub', 'GitLab') else repo}"
    if workflow:
        text += f" @ {workflow}"
    return text


@dataclass(frozen=True)
class FileProvenance:
    """The outcome for one distribution file."""

    filename: str
    identities: tuple[str, ...] = ()  # verified publishers
    error: str | None = None  # verification failed: a finding
    unchecked: str | None = None  # could not be verified: fail-closed


@contextmanager
def _quiet_sigstore() -> Iterator[None]:
    loggers = [logging.getLogger(n) for n in ("sigstore", "tuf", "pypi_attestations")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _check_binding_only(provenance: dict[str, object], filename: str, sha256: str) -> FileProvenance:
    """Digest binding without cryptography (the extra is missing)."""
    bundles = provenance.get("attestation_bundles")
    if not isinstance(bundles, list) or not bundles:
        return FileProvenance(filename, error="provenance has no attestation bundles")
    identities: list[str] = []
    for bundle in bundles:
        if not isinstance(bundle, dict):
            return FileProvenance(filename, error="malformed attestation bundle")
        for att in bundle.get("attestations") or []:
            try:
                statement = json.loads(base64.b64decode(att["envelope"]["statement"]))
                subject = statement["subject"][0]
                name, digest = subject["name"], subject["digest"]["sha256"]
            except (KeyError, IndexError, TypeError, ValueError, binascii.Error):
                return FileProvenance(filename, error="malformed attestation statement")
            if name != filename:
                return FileProvenance(filename, error=f"attestation is for {name}, not {filename}")
            if digest != sha256:
                return FileProvenance(filename, error="subject does not match distribution digest")
        identities.append(identity_of(bundle.get("publisher")))
    return FileProvenance(
        filename, tuple(identities),
        unchecked=f"{filename}: attestation signatures not verified: pypi-attestations is not "
                  "installed (pip install 'pipwarden[attestations]')",
    )


def verify_file(provenance: dict[str, object], filename: str, sha256: str) -> FileProvenance:
    """Verify every attestation in a provenance object against ``filename`` and ``sha256``."""
    try:
        import pypi_attestations as pa
    except ImportError:
        return _check_binding_only(provenance, filename, sha256)
    try:
        parsed = pa.Provenance.model_validate(provenance)
        dist = pa.Distribution(name=filename, digest=sha256)
    except ValueError as exc:
        first = str(exc).splitlines()[0]
        return FileProvenance(filename, error=f"malformed provenance: {first}")
    identities: list[str] = []
    with _quiet_sigstore():
        for bundle in parsed.attestation_bundles:
            if not bundle.attestations:
                continue
            for attestation in bundle.attestations:
                try:
                    attestation.verify(bundle.publisher, dist, offline=True)
                except (pa.AttestationError, ValueError) as exc:
                    return FileProvenance(filename, error=_one_line(str(exc)))
                except Exception as exc:  # noqa: BLE001 - sigstore internals; fail closed
                    return FileProvenance(
                        filename, unchecked=f"{filename}: attestation could not be verified: "
                                            f"{_one_line(str(exc))}")
            identities.append(identity_of(bundle.publisher))
    if not identities:
        return FileProvenance(filename, error="provenance holds no attestations")
    return FileProvenance(filename, tuple(dict.fromkeys(identities)))


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- memory ------------------------------------------------------------------------------------


class Memory:
    """Publisher identities seen per project (SQLite under PIPWARDEN_HOME)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30)
            with self._db:
                self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ProvenanceError(f"cannot open the provenance memory: {exc}",
                                  location=str(path)) from None

    def close(self) -> None:
        self._db.close()

    def seen(self, project: str) -> dict[str, list[str]]:
        """identity -> versions it signed, for ``project``."""
        rows = self._db.execute(
            "SELECT identity, version FROM publishers WHERE project = ?", (project,)
        ).fetchall()
        out: dict[str, list[str]] = {}
        for identity, version in rows:
            versions = out.setdefault(identity, [])
            if version not in versions:
                versions.append(version)
        return out

    def remember(self, project: str, version: str, filename: str, identities: tuple[str, ...]) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        try:
            with self._db:
                self._db.executemany(
                    "INSERT OR IGNORE INTO publishers VALUES (?, ?, ?, ?, ?)",
                    [(project, version, filename, i, now) for i in identities],
                )
        except sqlite3.Error as exc:
            raise ProvenanceError(f"cannot write the provenance memory: {exc}",
                                  location=str(self.path)) from None


def _vkey(version: str) -> Version | None:
    try:
        return Version(version)
    except InvalidVersion:
        return None


def judge(
    memory: Memory,
    project: str,
    version: str,
    files: list[FileProvenance],
    *,
    source: str | None = None,
    line: int | None = None,
) -> tuple[list[IntegrityFinding], bool]:
    """Findings for one release, and whether it is unattested (for the summary).

    ``files`` are the outcomes of the release's files that could be fetched; files whose
    provenance could not be checked are the caller's ``unchecked`` entries.
    """
    findings: list[IntegrityFinding] = []

    def finding(ident: str, summary: str, file: str | None) -> IntegrityFinding:
        return IntegrityFinding(
            id=ident, check="provenance", severity=Severity.HIGH, summary=summary,
            package=project, version=version, file=file, source=source, line=line,
        )

    for item in files:
        if item.error:
            findings.append(finding(
                "provenance-invalid", f"{item.filename}: attestation does not verify: "
                f"{item.error}", item.filename))
    if findings:
        return findings, False
    seen = memory.seen(project)
    attested = [f for f in files if f.identities]
    if not attested:
        current = _vkey(version)
        earlier = sorted(
            {(v, i) for i, versions in seen.items() for v in versions
             if current is not None and (vk := _vkey(v)) is not None and vk <= current},
            key=lambda pair: _vkey(pair[0]) or Version("0"),
        )
        if earlier and files:
            last_version, last_identity = earlier[-1]
            findings.append(finding(
                "provenance-changed",
                f"{project} {version} has no attestations, but {last_version} was attested "
                f"by {last_identity}: a release published outside the trusted workflow?",
                files[0].filename))
            return findings, False
        return findings, bool(files)
    identities = tuple(dict.fromkeys(i for f in attested for i in f.identities))
    new = [i for i in identities if i not in seen]
    if seen and new:
        before = "; ".join(f"{i} ({', '.join(sorted(v)[:3])})" for i, v in seen.items())
        findings.append(finding(
            "provenance-changed",
            f"{project} {version} is signed by {', '.join(new)}; earlier releases by {before}",
            attested[0].filename))
        return findings, False
    for item in attested:
        memory.remember(project, version, item.filename, item.identities)
    return findings, False
