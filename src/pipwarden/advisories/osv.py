"""Parse OSV records (https://ossf.github.io/osv-schema/) into pipwarden values.

Only what matching and reporting need is kept. A record that does not follow the schema
raises :class:`RecordError`; the importer skips and counts it.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from packaging.version import Version

from pipwarden.models import Advisory, AdvisoryId, PackageName, Severity
from pipwarden.names import canonicalize_name, parse_version, version_key

__all__ = ["Affected", "CompiledRange", "Range", "RecordError", "parse_record", "parse_version", "version_key"]

EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class RecordError(ValueError):
    """A record is not valid OSV; the message names the bad field."""


@dataclass(frozen=True)
class Range:
    type: str  # ECOSYSTEM, SEMVER or GIT
    events: tuple[tuple[str, str], ...]  # (kind, version) in record order


@dataclass(frozen=True)
class CompiledRange:
    """One range ready for evaluation: ``introduced: "0"`` is recorded as ``zero`` (it means
    "every version", pre-releases of 0 included, which no PEP 440 version expresses)."""

    zero: bool
    events: tuple[tuple[str, Version], ...]  # sorted by version
    limits: tuple[Version, ...]


def compile_range(rng: Range) -> CompiledRange:
    """Parse and sort one range's events. Events whose version is not PEP 440 are dropped."""
    zero = False
    events: list[tuple[str, Version]] = []
    limits: list[Version] = []
    for kind, value in rng.events:
        if kind == "introduced" and value == "0":
            zero = True
            continue
        parsed = parse_version(value)
        if parsed is None:
            continue
        if kind == "limit":
            limits.append(parsed)
        else:
            events.append((kind, parsed))
    events.sort(key=lambda e: e[1])
    return CompiledRange(zero, tuple(events), tuple(limits))


@dataclass(frozen=True)
class Affected:
    package: PackageName
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    # " k1 k2 ... ": version_key() of each listed version, space-separated (versions hold no
    # white space), precomputed by the importer; None: computed from ``versions``.
    keys: str | None = None

    def to_json(self) -> tuple[str, str, str]:
        """(ranges JSON, versions JSON, version-key string) for the store."""
        ranges = [{"type": r.type, "events": [list(e) for e in r.events]} for r in self.ranges]
        compact = (",", ":")
        return (
            json.dumps(ranges, separators=compact),
            json.dumps(list(self.versions), separators=compact),
            self.key_string,
        )

    @classmethod
    def from_json(cls, package: str, ranges_json: str, keys: str) -> Affected:
        """Rebuild from the store. Only the version keys are loaded: matching needs no more
        (and a membership test on one string needs no parsing of long versions lists)."""
        ranges = tuple(
            Range(r["type"], tuple((k, v) for k, v in r["events"])) for r in json.loads(ranges_json)
        )
        return cls(PackageName(package), ranges, (), keys)

    @functools.cached_property
    def key_string(self) -> str:
        if self.keys is not None:
            return self.keys
        keys = sorted({version_key(v) for v in self.versions if v.strip()})
        return f" {' '.join(keys)} " if keys else ""

    def lists(self, key: str) -> bool:
        """Whether the ``versions`` list holds a version with this :func:`version_key`."""
        return bool(key) and f" {key} " in self.key_string

    @functools.cached_property
    def ecosystem_ranges(self) -> tuple[CompiledRange, ...]:
        """ECOSYSTEM ranges with parsed, sorted events (GIT ranges are left out)."""
        return tuple(compile_range(r) for r in self.ranges if r.type == "ECOSYSTEM")

    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(
            v for r in self.ranges if r.type == "ECOSYSTEM" for k, v in r.events if k == "fixed"
        )


def _str(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise RecordError(f"{field} must be a string")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise RecordError(f"{field} must be a list")
    return value


def is_malicious(doc: dict[str, Any]) -> bool:
    """MAL- ids, and records whose database-specific data marks them as malware."""
    ident = str(doc.get("id", ""))
    if ident.startswith("MAL-"):
        return True
    specific = doc.get("database_specific")
    if isinstance(specific, dict) and any("malicious" in str(k).lower() for k in specific):
        return True
    return any(str(alias).startswith("MAL-") for alias in doc.get("aliases") or [])


def severity_of(doc: dict[str, Any]) -> tuple[Severity, float | None, str | None]:
    """Severity from CVSS vectors (highest version wins), else the record's own rating."""
    best: tuple[int, float, str] | None = None
    for index, entry in enumerate(_list(doc.get("severity"), "severity")):
        if not isinstance(entry, dict):
            raise RecordError(f"severity[{index}] must be an object")
        kind = str(entry.get("type", ""))
        vector = entry.get("score")
        if not isinstance(vector, str):
            continue
        score = cvss_score(kind, vector)
        if score is None:
            continue
        order = {"CVSS_V4": 4, "CVSS_V3": 3, "CVSS_V2": 2}.get(kind, 0)
        if best is None or order > best[0]:
            best = (order, score, vector)
    if best is not None:
        return Severity.from_score(best[1]), best[1], best[2]
    for holder in [doc.get("database_specific"), *_affected_specific(doc)]:
        if isinstance(holder, dict) and isinstance(holder.get("severity"), str):
            return Severity.parse(holder["severity"]), None, None
    if is_malicious(doc):
        return Severity.CRITICAL, None, None
    return Severity.UNKNOWN, None, None


def _affected_specific(doc: dict[str, Any]) -> list[Any]:
    out = []
    for entry in doc.get("affected") or []:
        if isinstance(entry, dict):
            out.append(entry.get("database_specific"))
            out.append(entry.get("ecosystem_specific"))
    return out


def cvss_score(kind: str, vector: str) -> float | None:
    """Base score of a CVSS v2/v3.x/v4 vector (RedHat's ``cvss`` library), None if invalid."""
    try:
        import cvss  # type: ignore[import-untyped,unused-ignore]

        if vector.startswith("CVSS:4") or kind == "CVSS_V4":
            return float(cvss.CVSS4(vector).base_score)
        if vector.startswith("CVSS:3") or kind == "CVSS_V3":
            return float(cvss.CVSS3(vector).base_score)
        if kind == "CVSS_V2":
            return float(cvss.CVSS2(vector).base_score)
    except Exception:  # noqa: BLE001 - the library raises many types for bad vectors
        return None
    return None


def _url(doc: dict[str, Any]) -> str | None:
    refs = [r for r in doc.get("references") or [] if isinstance(r, dict)]
    for kind in ("ADVISORY", "WEB", "REPORT", "ARTICLE"):
        for ref in refs:
            if ref.get("type") == kind and isinstance(ref.get("url"), str):
                return str(ref["url"])
    return None


def parse_record(doc: Any) -> tuple[Advisory, list[Affected]]:
    """One OSV JSON object -> (Advisory, PyPI affected entries)."""
    if not isinstance(doc, dict):
        raise RecordError("record is not a JSON object")
    ident = _str(doc.get("id"), "id")
    if not ident:
        raise RecordError("id is empty")
    modified = doc.get("modified")
    if modified is not None:
        _str(modified, "modified")
    aliases = tuple(sorted({_str(a, "aliases[]") for a in _list(doc.get("aliases"), "aliases")}))
    affected: list[Affected] = []
    fixed: list[str] = []
    for index, entry in enumerate(_list(doc.get("affected"), "affected")):
        where = f"affected[{index}]"
        if not isinstance(entry, dict):
            raise RecordError(f"{where} must be an object")
        package = entry.get("package")
        if not isinstance(package, dict):
            continue  # OSV allows affected entries without a package (for GIT-only data)
        if str(package.get("ecosystem", "")).split(":")[0] != "PyPI":
            continue
        name = _str(package.get("name"), f"{where}.package.name")
        ranges: list[Range] = []
        for r_index, raw in enumerate(_list(entry.get("ranges"), f"{where}.ranges")):
            r_where = f"{where}.ranges[{r_index}]"
            if not isinstance(raw, dict):
                raise RecordError(f"{r_where} must be an object")
            rtype = _str(raw.get("type"), f"{r_where}.type")
            events: list[tuple[str, str]] = []
            for e_index, event in enumerate(_list(raw.get("events"), f"{r_where}.events")):
                if not isinstance(event, dict) or len(event) != 1:
                    raise RecordError(f"{r_where}.events[{e_index}] must have exactly one key")
                ((kind, value),) = event.items()
                if kind not in EVENT_KINDS:
                    raise RecordError(f"{r_where}.events[{e_index}]: unknown event {kind!r}")
                events.append((kind, _str(value, f"{r_where}.events[{e_index}].{kind}")))
            ranges.append(Range(rtype, tuple(events)))
        versions = tuple(
            _str(v, f"{where}.versions[]") for v in _list(entry.get("versions"), f"{where}.versions")
        )
        item = Affected(PackageName(canonicalize_name(name)), tuple(ranges), versions)
        fixed.extend(item.fixed_versions())
        affected.append(item)
    severity, score, vector = severity_of(doc)
    summary = doc.get("summary")
    details = doc.get("details")
    advisory = Advisory(
        id=AdvisoryId(ident),
        aliases=aliases,
        summary=summary if isinstance(summary, str) else "",
        details=details if isinstance(details, str) else "",
        severity=severity,
        score=score,
        vector=vector,
        published=doc.get("published") if isinstance(doc.get("published"), str) else None,
        modified=modified,
        withdrawn=doc.get("withdrawn") if isinstance(doc.get("withdrawn"), str) else None,
        malicious=is_malicious(doc),
        url=_url(doc),
        fixed_in=tuple(dict.fromkeys(fixed)),
    )
    return advisory, affected
