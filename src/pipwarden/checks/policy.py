"""Policy: ignore lists and the exit code for ``--fail-on``. Pure functions over findings."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Sequence

from pipwarden.models import AnyFinding, Severity
from pipwarden.settings import IgnoreRule

FAIL_ON_RANK = {"critical": 4, "high": 3, "moderate": 2, "low": 1}


@dataclasses.dataclass(frozen=True)
class IgnoreOutcome:
    findings: tuple[AnyFinding, ...]
    warnings: tuple[str, ...]  # expired and unused ignores


def _ids(finding: AnyFinding) -> set[str]:
    return {finding.id.upper(), *(a.upper() for a in finding.aliases)}


def apply_ignores(
    findings: Sequence[AnyFinding],
    rules: Sequence[IgnoreRule],
    today: datetime.date | None = None,
) -> IgnoreOutcome:
    """Mark findings matched by an ignore rule (by id or any alias) as ignored.

    An expired rule (``until`` in the past) does not apply and is reported; a rule with
    ``while_no_fix`` applies only while the finding has no fixing version; a rule that matched
    nothing is reported.
    """
    today = today or datetime.date.today()
    warnings: list[str] = []
    active: list[IgnoreRule] = []
    for rule in rules:
        if rule.until and datetime.date.fromisoformat(rule.until[:10]) < today:
            warnings.append(f"ignore {rule.id} expired on {rule.until[:10]} ({rule.origin})")
        else:
            active.append(rule)
    used: set[int] = set()
    out: list[AnyFinding] = []
    for finding in findings:
        ids = _ids(finding)
        chosen = None
        for index, rule in enumerate(active):
            if rule.id.upper() not in ids:
                continue
            if rule.while_no_fix and finding.fixed_in:
                continue
            chosen = (index, rule)
            break
        if chosen is None:
            out.append(finding)
            continue
        used.add(chosen[0])
        out.append(dataclasses.replace(finding, ignored=True, ignore_reason=chosen[1].reason))
    for index, rule in enumerate(active):
        if index not in used:
            if rule.while_no_fix and any(rule.id.upper() in _ids(f) for f in findings):
                warnings.append(
                    f"ignore {rule.id} no longer applies: a fix is available ({rule.origin})"
                )
            else:
                warnings.append(f"ignore {rule.id} matched nothing ({rule.origin})")
    return IgnoreOutcome(tuple(out), tuple(warnings))


def fails(findings: Sequence[AnyFinding], fail_on: str) -> bool:
    """Whether any active finding is at or above ``fail_on``.

    ``unknown`` severity fails at the default threshold (``low``) only: a finding whose
    severity nobody rated is still a finding, but it does not trip a ``high`` gate.
    """
    if fail_on == "none":
        return False
    threshold = FAIL_ON_RANK[fail_on]
    for finding in findings:
        if finding.ignored:
            continue
        if finding.severity is Severity.UNKNOWN:
            if threshold <= FAIL_ON_RANK["low"]:
                return True
            continue
        if finding.severity.rank >= threshold:
            return True
    return False


def exit_code(findings: Sequence[AnyFinding], fail_on: str) -> int:
    return 1 if fails(findings, fail_on) else 0
