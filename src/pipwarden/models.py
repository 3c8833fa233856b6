"""Core values shared by every layer: dependencies, advisories, findings and the Report.

Everything here is a frozen dataclass; layers exchange values, never mutable state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NewType

PackageName = NewType("PackageName", str)  # PEP 503 canonical name
AdvisoryId = NewType("AdvisoryId", str)


class Severity(enum.Enum):
    """npm's words. Ordered by :attr:`rank`; ``unknown`` ranks lowest."""

    UNKNOWN = "unknown"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        key = text.strip().lower()
        key = {"medium": "moderate", "important": "high", "none": "unknown"}.get(key, key)
        for member in cls:
            if member.value == key:
                return member
        return cls.UNKNOWN

    @classmethod
    def from_score(cls, score: float | None) -> Severity:
        """CVSS base score to severity (CVSS v3/v4 qualitative scale)."""
        if score is None:
            return cls.UNKNOWN
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MODERATE
        if score > 0.0:
            return cls.LOW
        return cls.UNKNOWN


_RANK = {
    Severity.UNKNOWN: 0,
    Severity.LOW: 1,
    Severity.MODERATE: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}

SEVERITY_ORDER: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MODERATE,
    Severity.LOW,
    Severity.UNKNOWN,
)


@dataclass(frozen=True)
class Dependency:
    """One package at one exact version, and where it was declared."""

    name: PackageName
    version: str
    source: str  # file path, "<stdin>", or "environment:<python>"
    format: str = "requirements"  # requirements, pyproject, poetry.lock, uv.lock, ...
    line: int | None = None
    key_path: str | None = None  # for TOML sources: packages[3].name
    group: str = "main"
    direct: bool = True
    parents: tuple[str, ...] = ()
    hashes: tuple[str, ...] = ()  # "sha256:<hex>"
    markers: str | None = None
    extras: tuple[str, ...] = ()
    specifier: str | None = None  # the original requirement text, when there is one
    index_urls: tuple[str, ...] = ()
    editable: bool = False
    url: str | None = None

    @property
    def location(self) -> str:
        if self.line is not None:
            return f"{self.source}:{self.line}"
        if self.key_path:
            return f"{self.source}:{self.key_path}"
        return self.source


@dataclass(frozen=True)
class Skipped:
    """A declared requirement that could not be checked, and why."""

    name: str
    reason: str
    source: str = ""
    line: int | None = None
    group: str = "main"


@dataclass(frozen=True)
class Advisory:
    """One OSV record, reduced to what matching and reporting need."""

    id: AdvisoryId
    aliases: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: Severity = Severity.UNKNOWN
    score: float | None = None
    vector: str | None = None
    published: str | None = None
    modified: str | None = None
    withdrawn: str | None = None
    malicious: bool = False
    url: str | None = None
    fixed_in: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    """Fields every finding has; the ``kind`` names the variant."""

    id: str
    severity: Severity
    summary: str
    package: str | None = None
    version: str | None = None
    aliases: tuple[str, ...] = ()
    fixed_in: tuple[str, ...] = ()
    ignored: bool = False
    ignore_reason: str | None = None
    source: str | None = None  # where the package was declared (file path)
    line: int | None = None

    kind = "finding"


@dataclass(frozen=True)
class VulnerabilityFinding(Finding):
    kind = "vulnerability"
    score: float | None = None
    vector: str | None = None
    published: str | None = None
    url: str | None = None
    details: str = ""


@dataclass(frozen=True)
class MaliciousFinding(Finding):
    kind = "malicious"
    url: str | None = None


@dataclass(frozen=True)
class TyposquatFinding(Finding):
    kind = "typosquat"
    imitates: str = ""
    rule: str = ""
    downloads: int | None = None  # of the candidate, when it is popular itself
    imitates_downloads: int | None = None
    confidence: str = "high"  # high or low


@dataclass(frozen=True)
class ReputationFinding(Finding):
    kind = "reputation"
    signal: str = ""
    verdict: str = "REVIEW"  # OK, REVIEW or BLOCK


@dataclass(frozen=True)
class IntegrityFinding(Finding):
    kind = "integrity"
    file: str | None = None
    check: str = ""  # hash, confusion, provenance, record, pth, ...


@dataclass(frozen=True)
class CodeFinding(Finding):
    kind = "code"
    file: str = ""
    column: int = 1
    end_line: int | None = None
    end_column: int | None = None
    source_line: int | None = None  # where the untrusted value came from (PW1xx)
    rule_name: str = ""


AnyFinding = (
    VulnerabilityFinding
    | MaliciousFinding
    | TyposquatFinding
    | ReputationFinding
    | IntegrityFinding
    | CodeFinding
)

FINDING_KINDS: tuple[str, ...] = (
    "vulnerability",
    "malicious",
    "typosquat",
    "reputation",
    "integrity",
    "code",
)


@dataclass(frozen=True)
class StoreInfo:
    path: str
    built: str | None = None  # ISO timestamp of the import
    age_days: float | None = None
    stale: bool = False


@dataclass(frozen=True)
class Report:
    """The one value every command returns and every reporter renders."""

    command: str
    dependencies: tuple[Dependency, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    findings: tuple[AnyFinding, ...] = ()
    warnings: tuple[str, ...] = ()
    unchecked: tuple[str, ...] = ()  # what could not be checked (fail-closed)
    partial: bool = False
    exit_code: int = 0
    fail_on: str = "low"
    # Command-specific extra data for reporters (plain JSON-able values only).
    extra: dict[str, object] = field(default_factory=dict, hash=False, compare=False)

    @property
    def active_findings(self) -> tuple[AnyFinding, ...]:
        return tuple(f for f in self.findings if not f.ignored)
