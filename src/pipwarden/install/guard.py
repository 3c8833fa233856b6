"""One verdict per planned package and one for the plan: OK, REVIEW or BLOCK.

BLOCK: a malicious-package record for that name and version, a high-confidence typosquat of a
name the user asked for, a ``.pth`` file that runs code at start-up (or an archive member that
escapes the install directory), an index signal judged BLOCK (quarantined project). REVIEW:
vulnerabilities rated high, critical or not rated at all, low-confidence typosquats, sdists
and VCS sources (building them runs their code), files overwriting another distribution,
console scripts shadowing common commands, native executables among scripts, yanked
releases, index reputation signals (cool-down, young project...), and a missing advisory
store. Everything else is OK.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TextIO

from packaging.version import InvalidVersion, Version

from pipwarden.install.plan import PlannedItem
from pipwarden.install.snapshot import Snapshot
from pipwarden.install.wheels import WheelContents
from pipwarden.models import (
    AnyFinding,
    Dependency,
    MaliciousFinding,
    PackageName,
    Severity,
    TyposquatFinding,
    VulnerabilityFinding,
)

VERDICTS = ("OK", "REVIEW", "BLOCK")


def worse(a: str, b: str) -> str:
    return a if VERDICTS.index(a) >= VERDICTS.index(b) else b


@dataclass(frozen=True)
class PackageVerdict:
    item: PlannedItem
    action: str  # add, upgrade, downgrade, reinstall
    previous: str | None
    verdict: str
    reasons: tuple[str, ...]
    findings: tuple[AnyFinding, ...] = ()

    @property
    def change(self) -> str:
        if self.previous is None:
            return f"{self.item.version}"
        return f"{self.previous} -> {self.item.version}"


@dataclass(frozen=True)
class GuardResult:
    packages: tuple[PackageVerdict, ...]
    verdict: str
    warnings: tuple[str, ...] = ()
    findings: tuple[AnyFinding, ...] = field(default=(), hash=False, compare=False)
    overwritten: tuple[str, ...] = ()  # installed, unchanged distributions whose files it replaces

    def count(self, verdict: str) -> int:
        return sum(1 for p in self.packages if p.verdict == verdict)

    def actions(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for p in self.packages:
            out[p.action] = out.get(p.action, 0) + 1
        return out

    def headline(self) -> str:
        actions = self.actions()
        words = ("add", "upgrade", "downgrade", "reinstall")
        parts = [f"{word} {actions[word]}" for word in words if actions.get(word)]
        plan = ", ".join(parts) or "nothing to install"
        verdicts = [f"{self.count(v)} {v}" for v in ("BLOCK", "REVIEW") if self.count(v)]
        if not verdicts:
            verdicts = ["REVIEW"] if self.verdict == "REVIEW" else ["all OK"]
        return f"plan: {plan} — {', '.join(verdicts)}"

    def lines(self, verbose: bool = False) -> list[str]:
        out = [self.headline()]
        width = max((len(p.item.name) for p in self.packages), default=0)
        cwidth = max((len(p.change) for p in self.packages), default=0)
        for p in self.packages:
            reasons = list(p.reasons) if verbose else list(p.reasons[:3])
            if not verbose and len(p.reasons) > 3:
                reasons.append(f"and {len(p.reasons) - 3} more (-v)")
            why = "; ".join(reasons) if reasons else "no known problems"
            out.append(
                f"  {p.verdict:<6}  {p.item.name:<{width}}  {p.change:<{cwidth}}  {p.action}: {why}"
            )
        out += [f"warning: {w}" for w in self.warnings]
        return out


def classify(item: PlannedItem, before: Snapshot) -> tuple[str, str | None]:
    """(action, previous version) of one planned item against the environment."""
    current = before.dists.get(item.key)
    if current is None:
        return "add", None
    try:
        old, new = Version(current.version), Version(item.version)
    except InvalidVersion:
        return ("reinstall" if current.version == item.version else "upgrade"), current.version
    if new > old:
        return "upgrade", current.version
    if new < old:
        return "downgrade", current.version
    return "reinstall", current.version


def plan_dependencies(items: Sequence[PlannedItem]) -> list[Dependency]:
    return [
        Dependency(
            name=PackageName(i.key),
            version=i.version,
            source="install plan",
            format="plan",
            direct=i.requested,
            url=i.url,
            hashes=(f"sha256:{i.sha256}",) if i.sha256 else (),
        )
        for i in items
    ]


def _version_key(text: str) -> tuple[int, Version | str]:
    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def _vuln_reason(findings: Sequence[VulnerabilityFinding]) -> str:
    worst = max((f.severity for f in findings), key=lambda s: s.rank)
    ids = ", ".join(f.id for f in findings[:3]) + (" ..." if len(findings) > 3 else "")
    fixes = [v for f in findings for v in f.fixed_in]
    if len(fixes) < len(findings):
        fix = "; not all are fixed in any release"
    else:
        fix = f"; fixed in {max(fixes, key=_version_key)}"
    noun = "vulnerability" if len(findings) == 1 else "vulnerabilities"
    return f"{len(findings)} known {noun} (worst {worst.value}): {ids}{fix}"


def evaluate(
    items: Sequence[PlannedItem],
    before: Snapshot,
    *,
    advisories: Sequence[VulnerabilityFinding | MaliciousFinding] | None,
    typosquats: Sequence[TyposquatFinding] = (),
    contents: Mapping[str, WheelContents] | None = None,
    warnings: Sequence[str] = (),
    reputation: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> GuardResult:
    """Combine the checks into verdicts. ``advisories`` None means no store was available;
    ``reputation`` maps names to the index's (verdict, reason) signals."""
    contents = contents or {}
    reputation = reputation or {}
    by_package: dict[str, list[AnyFinding]] = {}
    for finding in [*(advisories or ()), *typosquats]:
        by_package.setdefault(str(finding.package), []).append(finding)
    verdicts: list[PackageVerdict] = []
    overall = "OK"
    for item in items:
        action, previous = classify(item, before)
        verdict = "OK"
        reasons: list[str] = []
        found = by_package.get(item.key, [])
        for f in found:
            if isinstance(f, MaliciousFinding):
                verdict = "BLOCK"
                reasons.append(f"known malicious ({f.id}): {f.summary}".rstrip(": "))
        for f in found:
            if isinstance(f, TyposquatFinding):
                level = "BLOCK" if f.confidence == "high" else "REVIEW"
                verdict = worse(verdict, level)
                reasons.append(f"typosquat? {f.summary.split(': ', 1)[-1]}")
        vulns = [f for f in found if isinstance(f, VulnerabilityFinding)]
        if vulns:
            reasons.append(_vuln_reason(vulns))
            if any(
                f.severity.rank >= Severity.HIGH.rank or f.severity is Severity.UNKNOWN
                for f in vulns
            ):
                verdict = worse(verdict, "REVIEW")  # unknown severity is not taken as harmless
        if item.yanked:
            verdict = worse(verdict, "REVIEW")
            reasons.append("this release was yanked")
        if item.kind == "sdist":
            verdict = worse(verdict, "REVIEW")
            reasons.append("source distribution: building it runs its code")
        elif item.kind == "vcs":
            verdict = worse(verdict, "REVIEW")
            reasons.append("from version control: not hash-checked, building it runs its code")
        elif item.kind in ("dir", "editable"):
            reasons.append("local source tree: built from your files, not hash-checked")
        for level, text in reputation.get(item.key, ()):
            verdict = worse(verdict, level)
            reasons.append(text)
        wheel = contents.get(item.key)
        if wheel is not None:
            for issue in wheel.issues:
                verdict = worse(verdict, issue.verdict)
                reasons.append(issue.reason)
        verdicts.append(
            PackageVerdict(item, action, previous, verdict, tuple(reasons), tuple(found))
        )
        overall = worse(overall, verdict)
    notes = list(warnings)
    if advisories is None:
        overall = worse(overall, "REVIEW")
        notes.append(
            "no usable advisory store: malicious-package and vulnerability checks were not run "
            "(run pipwarden db update)"
        )
    all_findings = tuple(f for v in verdicts for f in v.findings)
    return GuardResult(tuple(verdicts), overall, tuple(notes), all_findings)


def confirm(
    result: GuardResult,
    *,
    yes: bool,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> tuple[bool, str]:
    """May the install go ahead? Returns (proceed, message when it may not)."""
    if result.verdict == "BLOCK":
        return False, "refused: the plan has BLOCK verdicts; nothing was installed"
    if result.verdict == "OK" or yes:
        return True, ""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if not (stdin.isatty() and stdout.isatty()):
        return False, "refused: the plan needs review; re-run with --yes to accept it"
    stdout.write("Proceed? [y/N] ")
    stdout.flush()
    answer = stdin.readline().strip().lower()
    if answer in ("y", "yes"):
        return True, ""
    return False, "refused: nothing was installed"
