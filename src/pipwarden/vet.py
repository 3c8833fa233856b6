"""The ``vet`` workflow: is this name a trap, and does the project look trustworthy?

For each ``NAME[==VERSION]``: known malicious records (store), typosquat checks against the
popular list (store), popularity, and -- unless offline -- reputation signals from the index's
JSON API (cached for a day). Each package gets a verdict, OK, REVIEW or BLOCK, with the short
reasons behind it. ``install`` and ``audit`` reuse :func:`vet_packages`.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

from pipwarden import net
from pipwarden.advisories.store import Store
from pipwarden.cache import Cache
from pipwarden.checks import reputation as rep
from pipwarden.checks.matching import is_affected, match
from pipwarden.checks.namemodel import SIGNAL, malware_like
from pipwarden.checks.policy import fails
from pipwarden.checks.popularity import popularity
from pipwarden.checks.typosquat import finding as squat_finding
from pipwarden.checks.typosquat import store_index
from pipwarden.errors import NetworkError, UsageError
from pipwarden.models import (
    AnyFinding,
    Dependency,
    MaliciousFinding,
    PackageName,
    Report,
    Severity,
    VulnerabilityFinding,
)
from pipwarden.names import canonicalize_name
from pipwarden.settings import VetSettings, cache_path, store_path

OK, REVIEW, BLOCK = rep.OK, rep.REVIEW, rep.BLOCK
_LEVEL = {OK: 0, REVIEW: 1, BLOCK: 2}


@dataclass(frozen=True)
class Spec:
    raw: str
    name: str  # canonical (non-ASCII names are kept as given: no project can have one)
    version: str | None


@dataclass(frozen=True)
class PackageVerdict:
    name: str
    version: str | None
    verdict: str
    reasons: tuple[str, ...]  # why the verdict is not OK (empty for OK)
    signals: tuple[rep.Signal, ...]  # every signal, for -v

    def as_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.version,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "signals": [
                {"name": s.name, "level": s.level, "text": s.text} for s in self.signals
            ],
        }


@dataclass(frozen=True)
class VetResult:
    packages: tuple[PackageVerdict, ...]
    findings: tuple[AnyFinding, ...]
    warnings: tuple[str, ...]
    unchecked: tuple[str, ...]
    reputation_checked: bool


def parse_specs(args: Sequence[str]) -> list[Spec]:
    """``NAME`` or ``NAME==VERSION``; anything else is a usage error naming the argument."""
    out: list[Spec] = []
    for index, arg in enumerate(args, start=1):
        text = arg.strip()
        where = f"argument {index} ({arg!r})"
        if not text:
            raise UsageError("empty package name", location=where)
        if not text.isascii():
            name, _, pinned = text.partition("==")
            out.append(Spec(text, name.strip(), pinned.strip() or None))
            continue
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise UsageError(
                f"not NAME or NAME==VERSION: {str(exc).splitlines()[0]}", location=where,
                hint="e.g. requests==2.32.3",
            ) from None
        specs = list(req.specifier)
        if req.url or req.marker or len(specs) > 1 or (specs and specs[0].operator != "=="):
            raise UsageError(
                "only NAME or NAME==VERSION can be vetted",
                location=where,
                hint="e.g. requests==2.32.3",
            )
        version = specs[0].version if specs else None
        if version and "*" in version:
            raise UsageError("a wildcard version cannot be vetted", location=where)
        out.append(Spec(text, str(canonicalize_name(req.name)), version))
    return out


# --- malicious records -----------------------------------------------------------------------


def _whole_project(store: Store, name: str) -> tuple[list[MaliciousFinding], list[str]]:
    """Malicious records for a name without a version: a record for every version makes the
    project malicious; a record for some versions only (a compromised release of a real
    project) is a reason to pin, not a verdict on the name."""
    found: list[MaliciousFinding] = []
    partial: list[str] = []
    for advisory, affected in store.advisories_for(name):
        if not advisory.malicious or advisory.withdrawn:
            continue
        every = any(r.zero and not r.events for r in affected.ecosystem_ranges)
        if every:
            found.append(
                MaliciousFinding(
                    id=advisory.id,
                    severity=Severity.CRITICAL,
                    summary=advisory.summary or f"malicious code in {name}",
                    package=name,
                    aliases=advisory.aliases,
                    url=advisory.url,
                )
            )
        else:
            partial.append(advisory.id)
    return found, partial


def _malicious(store: Store, name: str, version: str) -> list[MaliciousFinding]:
    return [f for f in _known(store, name, version)[0] if isinstance(f, MaliciousFinding)]


def _known(store: Store, name: str, version: str) -> tuple[list[AnyFinding], str | None]:
    """Every store record that affects ``name==version`` (malicious and vulnerabilities), and
    the smallest version that clears the vulnerabilities."""
    dep = Dependency(PackageName(name), version, source="vet", format="vet")
    result = match([dep], store)
    return list(result.findings), result.fixes.get(name)


def _vulnerability_reason(found: Sequence[AnyFinding], fix: str | None) -> str | None:
    vulns = [f for f in found if isinstance(f, VulnerabilityFinding)]
    if not vulns:
        return None
    worst = max((f.severity for f in vulns), key=lambda s: s.rank)
    count = f"{len(vulns)} known vulnerabilit{'y' if len(vulns) == 1 else 'ies'}"
    return f"{count} (worst: {worst.value}); " + (f"fixed in {fix}" if fix else "no fix known")


def _affected_by(store: Store, name: str, version: str, ids: Sequence[str]) -> bool:
    return any(
        adv.id in ids and is_affected(version, aff) for adv, aff in store.advisories_for(name)
    )


# --- the workflow --------------------------------------------------------------------------


def vet_packages(
    specs: Sequence[Spec],
    store: Store,
    *,
    offline: bool = False,
    cooldown_days: int = 7,
    cache: Cache | None = None,
    index: net.IndexConfig | None = None,
    now: datetime.datetime | None = None,
) -> VetResult:
    """Judge each spec. Network failures leave that package unchecked (and say so)."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    findings: list[AnyFinding] = []
    warnings: list[str] = []
    unchecked: list[str] = []
    packages: list[PackageVerdict] = []
    squats = store_index(store).matches([s.name for s in specs])
    named_like_malware = malware_like(store, [canonicalize_name(s.name) for s in specs])
    popular = store.popular()
    if not offline and index is None:
        index = net.index_config()
    for spec, squat in zip(specs, squats, strict=True):
        level = OK
        reasons: list[str] = []
        sigs: list[rep.Signal] = []
        own: list[AnyFinding] = []

        def raise_to(new: str) -> None:
            nonlocal level
            if _LEVEL[new] > _LEVEL[level]:
                level = new

        version = spec.version
        info: rep.ProjectInfo | None = None
        if not offline and index is not None and spec.name.isascii():
            try:
                info = rep.fetch_project(
                    spec.name, index=index, cache=cache, offline=offline, version=version
                )
            except NetworkError as exc:
                warnings.append(f"{spec.name}: reputation not checked: {exc}")
                unchecked.append(f"{spec.name}: {exc}")
        # malicious records and known vulnerabilities of the version
        if version:
            known, fix = _known(store, spec.name, version)
            own += [f for f in known if isinstance(f, MaliciousFinding)]
            vulnerable = _vulnerability_reason(known, fix)
            if vulnerable:
                own += [f for f in known if isinstance(f, VulnerabilityFinding)]
                sigs.append(rep.Signal("vulnerabilities", REVIEW, vulnerable))
        else:
            whole, partial = _whole_project(store, spec.name)
            own += whole
            latest = rep.latest_version(info) if info and info.exists else None
            if partial and latest and _affected_by(store, spec.name, latest, partial):
                own += _malicious(store, spec.name, latest)
            elif partial:
                text = f"some releases were malicious ({', '.join(partial)}): pin a version"
                sigs.append(rep.Signal("malicious", REVIEW, text))
        for item in own:
            if isinstance(item, MaliciousFinding):
                reasons.append(f"malicious ({item.id}): {item.summary}")
                raise_to(BLOCK)
        # typosquat
        if squat is not None:
            finding = dataclasses.replace(squat_finding(squat), version=version)
            own.append(finding)
            if squat.imitates:
                reasons.append(f"looks like {squat.imitates} ({squat.rule_text})")
            else:
                reasons.append("non-ASCII letters in the name")
            raise_to(BLOCK if finding.confidence == "high" else REVIEW)
        else:
            like = named_like_malware.get(canonicalize_name(spec.name))
            if like:
                sigs.append(rep.Signal(SIGNAL, REVIEW, like))
                own += rep.findings(spec.name, version, [sigs[-1]])
        # popularity
        pop = popularity(spec.name, popular)
        sigs.append(rep.Signal("popularity", OK, pop.text))
        # reputation
        if info is not None:
            rep_signals = rep.signals(info, version, now=now, cooldown_days=cooldown_days)
            sigs += rep_signals
            if version is None and info.exists:
                version = rep.latest_version(info)
            own += rep.findings(spec.name, version, rep_signals)
        for sig in sigs:
            if sig.level != OK:
                reasons.append(sig.text)
                raise_to(sig.level)
        own = [dataclasses.replace(f, version=f.version or version) for f in own]
        findings += own
        packages.append(PackageVerdict(spec.name, version, level, tuple(reasons), tuple(sigs)))
    if offline:
        warnings.append("reputation was not checked (--offline): only the local store was used")
    return VetResult(
        tuple(packages), tuple(findings), tuple(warnings), tuple(unchecked), not offline
    )


def run(settings: VetSettings) -> Report:
    specs = parse_specs(settings.packages)
    with Store.open(store_path()) as store:
        stale = store.staleness_warning()
        with Cache(cache_path()) as cache:
            result = vet_packages(
                specs,
                store,
                offline=settings.offline,
                cooldown_days=settings.cooldown_days,
                cache=cache,
            )
    warnings = ((stale,) if stale else ()) + result.warnings
    blocked = any(p.verdict == BLOCK for p in result.packages)
    if result.unchecked:
        code = 2
    elif blocked or fails(result.findings, settings.fail_on):
        code = 1
    else:
        code = 0
    deps = tuple(
        Dependency(PackageName(p.name), p.version, source="vet", format="vet")
        for p in result.packages
        if p.version
    )
    return Report(
        command="vet",
        dependencies=deps,
        findings=result.findings,
        warnings=warnings,
        unchecked=result.unchecked,
        partial=bool(result.unchecked),
        exit_code=code,
        fail_on=settings.fail_on,
        extra={
            "packages": [p.as_json() for p in result.packages],
            "reputation_checked": result.reputation_checked,
        },
    )
