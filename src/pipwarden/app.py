"""One function per command. Each takes frozen Settings and returns a Report (or an exit code
for the interactive commands); none of them parses argv or prints the report."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipwarden.errors import SourceError, UsageError
from pipwarden.models import Report
from pipwarden.settings import (
    AuditSettings,
    DbUpdateSettings,
    FixSettings,
    InstallSettings,
    RollbackSettings,
    ScanSettings,
    VerifySettings,
    VetSettings,
    store_path,
)

if TYPE_CHECKING:
    from pipwarden.install.driver import Driver


def _fail_closed(errors: Sequence[str]) -> None:
    """Input that could not be read stops the command: nothing is reported as fine."""
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SourceError(f"{errors[0]}{more}", hint="fix the input and run the command again")


# --- db -----------------------------------------------------------------------------------------


def db_update(settings: DbUpdateSettings) -> str:
    from pipwarden.advisories.importer import update

    result = update(store_path(), osv=settings.osv, popular=settings.popular, force=settings.force)
    return result.describe()


def db_status() -> tuple[str, int]:
    from pipwarden.advisories.store import Store
    from pipwarden.checks.namemodel import MIN_MALICIOUS
    from pipwarden.checks.typosquat import DEFAULT_THRESHOLDS

    with Store.open(store_path()) as store:
        info = store.info()
        counts = store.counts()
        meta = store.meta
        attacked = store.attacked()
    age = f"{info.age_days:.1f} days" if info.age_days is not None else "unknown"
    lines = [
        f"store:       {info.path}",
        f"built:       {info.built} ({age} ago)",
        f"osv source:  {meta.get('osv_source') or '-'}",
        f"popular:     {meta.get('popular_source') or '-'}",
        f"advisories:  {counts.advisories} ({counts.withdrawn} withdrawn, "
        f"{counts.malicious} malicious-package records, {meta.get('malformed', '0')} malformed skipped)",
        f"packages:    {counts.packages} with advisories",
        f"popular:     {counts.popular} names",
        "learned:     "
        + (
            f"names like known malware (from {meta['name_model_malicious']} malicious names); "
            if "name_model_malicious" in meta
            else f"no model of malware names (fewer than {MIN_MALICIOUS} malicious records); "
        )
        + f"{sum(1 for c in attacked.values() if c >= DEFAULT_THRESHOLDS.attacked_min)}"
        " popular names under attack",
    ]
    if info.stale:
        sys.stderr.write(
            f"warning: the advisory store is {int(info.age_days or 0)} days old; "
            "run pipwarden db update for current advisories\n"
        )
    return "\n".join(lines), 0


# --- audit --------------------------------------------------------------------------------------


def audit(settings: AuditSettings) -> Report:
    from pipwarden import audit as audit_mod

    return audit_mod.run(settings)


# --- vet ------------------------------------------------------------------------------


def vet(settings: VetSettings) -> Report:
    from pipwarden import vet as vet_mod

    return vet_mod.run(settings)


# --- install, rollback, history, fix, outdated ----------------------------------------


def install(settings: InstallSettings, started: Driver | None = None) -> int:
    """``started``: the driver the command line already started (with the same arguments)."""
    from pipwarden.install.driver import start_install

    if not settings.pip_args:
        raise UsageError("nothing to install", hint="pipwarden install NAME ... (pip's arguments)")
    # Start pip's planning first, so that it overlaps with loading the checks.
    driver = started or start_install(
        settings.python,
        settings.pip_args,
        allow_build=settings.allow_build,
        dry_run=settings.dry_run,
    )
    try:
        from pipwarden.install.command import install as run_install
    except BaseException:
        driver.close()
        raise
    return run_install(
        settings.pip_args,
        python=settings.python,
        yes=settings.yes,
        dry_run=settings.dry_run,
        offline=settings.offline,
        verbose=settings.verbose,
        started=driver,
        allow_build=settings.allow_build,
    ).exit_code


def rollback(settings: RollbackSettings) -> int:
    from pipwarden.install.command import rollback_transaction

    return rollback_transaction(settings.transaction, python=settings.python)


def history(settings: RollbackSettings) -> int:
    from pipwarden.install.command import history as show_history

    return show_history(python=settings.python)


def fix(settings: FixSettings) -> int:
    from pathlib import Path

    from pipwarden import fix as fixing
    from pipwarden.advisories.store import Store
    from pipwarden.install.command import install as guarded_install
    from pipwarden.outdated import ReleaseIndex
    from pipwarden.sources import collect, collect_environment, detect

    index = ReleaseIndex(offline=settings.offline)

    def hashes(name: str, version: str) -> list[str] | None:
        found = [r for r in index.releases(name) or [] if r.version == version]
        return list(found[0].sha256) if found and found[0].sha256 else None

    def write(line: str) -> None:
        sys.stdout.write(line + "\n")

    paths = [settings.path] if settings.path else []
    if not paths and not settings.python:
        paths = [str(p) for p in detect(Path.cwd())]
    options = fixing.FixOptions(
        python=settings.python or sys.executable,
        dry_run=settings.dry_run,
        allow_major=settings.allow_major,
        offline=settings.offline,
    )
    with Store.open(store_path()) as store:
        if not paths:

            def install_pins(pins: Sequence[str]) -> int:
                return guarded_install(
                    list(pins),
                    python=settings.python,
                    yes=settings.yes,
                    offline=settings.offline,
                    kind="fix",
                    command="fix: install " + " ".join(pins),
                ).exit_code

            env = collect_environment(settings.python)
            return fixing.fix_environment(
                env.dependencies, store, options, versions=index.versions,
                install=install_pins, write=write,
            )
        result = collect(paths, python=settings.python, offline=settings.offline)
        _fail_closed(result.errors)
        return fixing.fix_files(
            paths, result.dependencies, result.formats, store, options,
            versions=index.versions, hashes=hashes, write=write,
            run=fixing.run_lock_command,
        )


def outdated(settings: AuditSettings) -> Report:
    from pipwarden.advisories.store import Store
    from pipwarden.checks.matching import is_affected, match
    from pipwarden.models import VulnerabilityFinding
    from pipwarden.outdated import ReleaseIndex, find_outdated
    from pipwarden.sources import collect, collect_environment

    if settings.paths:
        source = collect(list(settings.paths), python=settings.python, offline=settings.offline)
    else:
        source = collect_environment(settings.python)
    _fail_closed(source.errors)
    warnings: list[str] = []
    vulns: list[VulnerabilityFinding] = []
    store = Store.open(store_path()) if store_path().is_file() else None
    if store is None:
        warnings.append("no advisory store: updates that fix vulnerabilities are not marked")

    def affected_by(name: str, version: str) -> set[str]:
        if store is None:
            return set()
        return {
            i
            for adv, aff in store.advisories_for(name)
            if adv.withdrawn is None and is_affected(version, aff)
            for i in (adv.id, *adv.aliases)
        }

    index = ReleaseIndex(offline=settings.offline)
    try:
        if store is not None:
            found = match(source.dependencies, store).findings
            vulns = [f for f in found if isinstance(f, VulnerabilityFinding)]
        rows = find_outdated(source.dependencies, index, vulns, affected_by)
    finally:
        if store is not None:
            store.close()
    warnings += index.errors
    return Report(
        command="outdated",
        dependencies=source.dependencies,
        skipped=source.skipped,
        warnings=tuple(warnings),
        unchecked=tuple(index.errors),  # never counted as up to date
        partial=bool(index.errors),
        exit_code=2 if index.errors else 0,
        extra={"outdated": [row.to_json() for row in rows]},
    )


# --- verify ---------------------------------------------------------------------------


def verify(settings: VerifySettings) -> Report:
    from pipwarden import verify_app

    return verify_app.run(settings)


# --- scan -----------------------------------------------------------------------------


def scan(settings: ScanSettings) -> Report:
    from pipwarden import scan as scan_mod

    exclude = settings.extra.get("exclude", [])
    if isinstance(exclude, str):
        exclude = [exclude]
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise UsageError(
            "'exclude' must be a list of glob patterns", location="[tool.pipwarden.scan]"
        )
    return scan_mod.run(
        settings.paths or (".",),
        select=settings.select,
        ignore=settings.ignore,
        exclude=tuple(exclude),
        fail_on=settings.fail_on,
    )
