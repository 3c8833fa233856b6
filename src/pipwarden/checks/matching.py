"""Match dependencies against OSV advisories, exactly as the OSV schema defines it for PyPI.

- Names are PEP 503 canonical; versions are PEP 440 (``packaging``): epochs, pre/post/dev
  and local segments compare as PEP 440 says.
- An affected entry matches when the version is in its ``versions`` list, or inside one of
  its ``ECOSYSTEM`` ranges (``introduced``/``fixed``/``last_affected``/``limit`` events).
  ``GIT`` ranges are ignored: the ``versions`` list stands for them.
- Withdrawn records never match.
- A version that is not PEP 440 only matches literal ``versions`` entries, and is reported.
- One flaw known under several ids (PYSEC-, GHSA-, CVE-...) is one finding: records are
  grouped by shared ids/aliases; the displayed id is chosen by :func:`display_id`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from packaging.version import Version

from pipwarden.advisories.osv import Affected, CompiledRange, parse_version, version_key
from pipwarden.advisories.store import Store
from pipwarden.models import (
    Advisory,
    Dependency,
    MaliciousFinding,
    Severity,
    VulnerabilityFinding,
)

# Order of preference for the displayed id of a merged finding (lower wins).
ID_PREFERENCE = ("PYSEC-", "GHSA-", "MAL-", "CVE-")


def in_range(version: Version, rng: CompiledRange) -> bool:
    """The OSV evaluation of one ECOSYSTEM range (spec: 'Evaluation').

    Events are sorted by version; walking them in order, ``introduced`` <= v sets affected,
    ``fixed`` <= v clears it, ``last_affected`` < v clears it. ``limit`` events bound the
    range from above (v must be below one of them).
    """
    if rng.limits and not any(version < limit for limit in rng.limits):
        return False
    affected = rng.zero
    for kind, bound in rng.events:
        if bound > version:
            break
        if kind == "introduced":
            affected = True
        elif kind == "fixed" or (kind == "last_affected" and version > bound):
            affected = False
    return affected


def is_affected(version_text: str, affected: Affected) -> bool:
    """Whether ``version_text`` is affected according to one OSV ``affected`` entry."""
    return _affected(parse_version(version_text), version_key(version_text), affected)


def _affected(version: Version | None, key: str, affected: Affected) -> bool:
    if affected.lists(key):
        return True
    if version is None:
        return False
    return any(in_range(version, r) for r in affected.ecosystem_ranges)


def display_id(ids: Iterable[str]) -> str:
    """The id shown for a merged finding: PYSEC, then GHSA, MAL, CVE, then any other; ties
    broken by the smallest string (so the choice never depends on input order)."""

    def key(ident: str) -> tuple[int, str]:
        for rank, prefix in enumerate(ID_PREFERENCE):
            if ident.startswith(prefix):
                return (rank, ident)
        return (len(ID_PREFERENCE), ident)

    return min(ids, key=key)


@dataclass(frozen=True)
class MatchResult:
    findings: tuple[VulnerabilityFinding | MaliciousFinding, ...] = ()
    warnings: tuple[str, ...] = ()
    # canonical name -> smallest fix (the last version of the name seen wins)
    fixes: dict[str, str | None] = field(default_factory=dict, hash=False, compare=False)
    # (canonical name, version) -> smallest fix: exact when a name is pinned at two versions
    fixes_by_version: dict[tuple[str, str], str | None] = field(
        default_factory=dict, hash=False, compare=False
    )


def _merge(advisories: list[Advisory]) -> list[list[Advisory]]:
    """Group advisories that share an id or alias (connected components)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for adv in advisories:
        for alias in adv.aliases:
            parent[find(alias)] = find(adv.id)
    groups: dict[str, list[Advisory]] = {}
    for adv in advisories:
        groups.setdefault(find(adv.id), []).append(adv)
    return sorted(groups.values(), key=lambda g: display_id(a.id for a in g))


def candidate_versions(entries: Iterable[Affected], extra: Iterable[str] = ()) -> list[Version]:
    """Versions worth trying as fixes: ``fixed`` events, plus known releases (``extra``)."""
    found: set[Version] = set()
    for entry in entries:
        for rng in entry.ecosystem_ranges:
            found.update(bound for kind, bound in rng.events if kind == "fixed")
    for text in extra:
        parsed = parse_version(text)
        if parsed is not None:
            found.add(parsed)
    return sorted(found)


def smallest_fix(
    version_text: str,
    matched: Sequence[Affected],
    all_entries: Sequence[Affected] = (),
    extra_versions: Iterable[str] = (),
    releases: Sequence[str] | None = None,
) -> str | None:
    """The smallest version above ``version_text`` that none of ``matched`` affects.

    Candidates are the advisories' ``fixed`` versions (plus ``extra_versions``), or, when the
    index's list of (non-yanked) ``releases`` is known, exactly those releases. Among the
    candidates that clear ``matched``, one that no other advisory of the package affects is
    preferred; pre-releases are only chosen when the current version is one.
    """
    current = parse_version(version_text)
    pool = [*matched, *all_entries]
    if releases is not None:
        candidates = sorted({v for v in map(parse_version, releases) if v is not None})
    else:
        candidates = candidate_versions(pool, extra_versions)
    if current is not None:
        candidates = [v for v in candidates if v > current]
        if not current.is_prerelease:
            candidates = [v for v in candidates if not v.is_prerelease]
    else:
        candidates = [v for v in candidates if not v.is_prerelease]
    others = [e for e in all_entries if not any(e is m for m in matched)]
    first_clearing: Version | None = None
    for version in candidates:
        key = version_key(str(version))
        if any(_affected(version, key, e) for e in matched):
            continue
        if not any(_affected(version, key, e) for e in others):
            return str(version)
        if first_clearing is None:
            first_clearing = version
    return str(first_clearing) if first_clearing is not None else None


def match(
    deps: Sequence[Dependency],
    store: Store,
    releases: Mapping[str, Sequence[str]] | None = None,
) -> MatchResult:
    """All advisories affecting ``deps``: one finding per (dependency, flaw).

    ``releases`` (canonical name -> the index's non-yanked releases) makes fixing versions
    real releases; without it they come from the advisories' ``fixed`` events.
    """
    releases = releases or {}
    findings: list[VulnerabilityFinding | MaliciousFinding] = []
    warnings: list[str] = []
    fixes: dict[str, str | None] = {}
    by_version: dict[tuple[str, str], str | None] = {}
    known = store.packages()
    cache: dict[str, list[tuple[str, Affected]]] = {}
    for dep in deps:
        if dep.name not in known:
            continue
        if dep.name not in cache:
            cache[dep.name] = store.affected_for(dep.name)
        pairs = cache[dep.name]
        if parse_version(dep.version) is None:
            warnings.append(
                f"{dep.name} {dep.version}: not a PEP 440 version; matched against listed "
                f"versions only ({dep.location})"
            )
        hit_pairs = [(ident, aff) for ident, aff in pairs if is_affected(dep.version, aff)]
        if not hit_pairs:
            continue
        records = store.advisories(ident for ident, _ in hit_pairs)
        hits = [(records[ident], aff) for ident, aff in hit_pairs if ident in records]
        known_releases = releases.get(dep.name)
        fix = smallest_fix(
            dep.version,
            [aff for _, aff in hits],
            [aff for _, aff in pairs],
            releases=known_releases,
        )
        fixes[dep.name] = fix
        by_version[(dep.name, dep.version)] = fix
        by_id = {adv.id: (adv, aff) for adv, aff in hits}
        for group in _merge([adv for adv, _ in hits]):
            ident = display_id(a.id for a in group)
            ids = {a.id for a in group} | {al for a in group for al in a.aliases}
            aliases = tuple(sorted(ids - {ident}))
            lead = next(a for a in group if a.id == ident) if ident in by_id else group[0]
            severity = max((a.severity for a in group), key=lambda s: s.rank)
            scored = [a for a in group if a.score is not None]
            best = max(scored, key=lambda a: a.score or 0.0) if scored else None
            group_fix = smallest_fix(
                dep.version, [by_id[a.id][1] for a in group], releases=known_releases
            )
            summary = next((a.summary for a in group if a.summary), "")
            if any(a.malicious for a in group):
                findings.append(
                    MaliciousFinding(
                        id=ident,
                        severity=Severity.CRITICAL,
                        summary=summary or f"malicious release of {dep.name}",
                        package=dep.name,
                        version=dep.version,
                        aliases=aliases,
                        source=dep.source,
                        line=dep.line,
                        url=lead.url,
                    )
                )
                continue
            findings.append(
                VulnerabilityFinding(
                    id=ident,
                    severity=severity,
                    summary=summary,
                    package=dep.name,
                    version=dep.version,
                    aliases=aliases,
                    fixed_in=(group_fix,) if group_fix else (),
                    source=dep.source,
                    line=dep.line,
                    score=best.score if best else None,
                    vector=best.vector if best else None,
                    published=min((a.published for a in group if a.published), default=None),
                    url=lead.url,
                )
            )
    return MatchResult(tuple(_with_details(findings, store)), tuple(warnings), fixes, by_version)


def _with_details(
    findings: list[VulnerabilityFinding | MaliciousFinding], store: Store
) -> list[VulnerabilityFinding | MaliciousFinding]:
    """Fill ``details`` (and summaries taken from it) with one query for all findings."""
    texts = store.details(f.id for f in findings)
    out: list[VulnerabilityFinding | MaliciousFinding] = []
    for finding in findings:
        text = texts.get(finding.id, "")
        summary = finding.summary or _first_sentence(text)
        if isinstance(finding, VulnerabilityFinding):
            out.append(dataclasses.replace(finding, details=text, summary=summary))
        else:
            out.append(dataclasses.replace(finding, summary=summary or finding.summary))
    return out


def _first_sentence(text: str, limit: int = 200) -> str:
    """A short summary from ``details``: whole sentences up to ``limit`` characters, at least
    one sentence of substance (a first sentence such as "Requests is a HTTP library." says
    nothing about the flaw, so the next one is added)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for sentence in text.replace(". ", ".\n").split("\n"):
        candidate = f"{out} {sentence}".strip()
        if len(candidate) > limit:
            break
        out = candidate
        if len(out) >= 80:
            return out
    return out if len(out) >= 80 else text[: limit - 1].rstrip() + "…"
