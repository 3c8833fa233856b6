"""The ``verify`` workflow: files and/or an installed environment -> integrity checks -> Report.

- With PATHs: lock and requirements files (through :mod:`pipwarden.sources`): hashes present
  and served by the index, dependency confusion across indexes, PEP 740 provenance.
- With ``--python`` or without PATH: the installed environment against its RECORD files,
  ``.pth`` and ``sitecustomize`` hooks.

Fail-closed: what could not be checked goes to ``Report.unchecked`` (exit 2) and is never
counted as ok.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from pipwarden.checks.policy import fails
from pipwarden.models import AnyFinding, Report
from pipwarden.settings import VerifySettings
from pipwarden.verify.workflow import Collected, check_dependencies, check_installed

# finding ids in the order the summary line lists them
PROBLEM_ORDER: tuple[str, ...] = (
    "hash-mismatch", "missing-hash", "dependency-confusion", "provenance-invalid",
    "provenance-changed", "record-modified", "record-missing", "record-unclaimed", "pth-exec",
    "customize",
)


def _key(name: str | None, version: str | None) -> tuple[str, str]:
    return (str(name or ""), str(version or ""))


def counts(findings: Iterable[AnyFinding], acc: Collected) -> dict[str, int]:
    tally: Counter[str] = Counter(f.id for f in findings if not f.ignored)
    out = {ident: tally[ident] for ident in PROBLEM_ORDER if tally[ident]}
    for ident, n in tally.items():
        if ident not in out:
            out[ident] = n
    if acc.unattested:
        out["unattested"] = len(acc.unattested)
    if acc.unverifiable:
        out["unverifiable"] = len(acc.unverifiable)
    if acc.unchecked:
        out["unchecked"] = len(acc.unchecked)
    return out


def build_report(settings: VerifySettings, acc: Collected) -> Report:
    findings = tuple(acc.findings)
    problem_keys = {_key(f.package, f.version) for f in findings if f.package and not f.ignored}
    problem_keys |= acc.unchecked_keys | acc.unverifiable
    problem_keys |= {tuple(u.split(" ", 1)) for u in acc.unattested}  # type: ignore[misc]
    seen: set[tuple[str, str]] = set()
    ok = 0
    for dep in acc.dependencies:
        key = _key(dep.name, dep.version)
        if key in seen:
            continue
        seen.add(key)
        if key not in problem_keys:
            ok += 1
    if acc.unchecked:
        code = 2
    elif fails(findings, settings.fail_on):
        code = 1
    else:
        code = 0
    extra: dict[str, object] = {
        "distributions": len(seen),
        "ok": ok,
        "counts": counts(findings, acc),
        "files_checked": acc.files_checked,
        "unattested": list(acc.unattested),
        "unverifiable": sorted(f"{n} {v}" for n, v in acc.unverifiable),
        "publishers": dict(acc.publishers),
    }
    return Report(
        command="verify",
        dependencies=tuple(acc.dependencies),
        skipped=tuple(acc.skipped),
        findings=findings,
        warnings=tuple(acc.warnings),
        unchecked=tuple(acc.unchecked),
        partial=bool(acc.unchecked),
        exit_code=code,
        fail_on=settings.fail_on,
        extra=extra,
    )


def run(settings: VerifySettings) -> Report:
    acc = Collected()
    if settings.paths:
        verify_files(settings, acc)
    if settings.python is not None or not settings.paths:
        check_installed(settings.python, acc)
    return build_report(settings, acc)


def verify_files(settings: VerifySettings, acc: Collected) -> None:
    from pipwarden import sources

    result = sources.collect(settings.paths, python=settings.python, offline=settings.offline)
    acc.dependencies.extend(result.dependencies)
    acc.skipped.extend(result.skipped)
    for error in result.errors:
        acc.add_unchecked(error)
    check_dependencies(result.dependencies, acc, offline=settings.offline)


__all__ = ["PROBLEM_ORDER", "build_report", "run", "verify_files"]
