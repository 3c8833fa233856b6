"""One function per command. Each takes frozen Settings and returns a Report (or an exit code
for the interactive commands); none of them parses argv or prints the report."""

from __future__ import annotations

import sys

from pipwarden.errors import UsageError
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


def _not_yet(command: str) -> UsageError:
    return UsageError(f"'pipwarden {command}' is not available in this build yet")


# --- db -----------------------------------------------------------------------------------------


def db_update(settings: DbUpdateSettings) -> str:
    from pipwarden.advisories.importer import update

    result = update(store_path(), osv=settings.osv, popular=settings.popular, force=settings.force)
    return result.describe()


def db_status() -> tuple[str, int]:
    from pipwarden.advisories.store import Store

    with Store.open(store_path()) as store:
        info = store.info()
        counts = store.counts()
        meta = store.meta
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


# --- vet (issue 5) ------------------------------------------------------------------------------


def vet(settings: VetSettings) -> Report:
    raise _not_yet("vet")


# --- install, rollback, history, fix, outdated (issue 6) ----------------------------------------


def install(settings: InstallSettings) -> int:
    from pipwarden.install.command import install as run_install

    if not settings.pip_args:
        raise UsageError("nothing to install", hint="pipwarden install NAME ... (pip's arguments)")
    return run_install(
        settings.pip_args,
        python=settings.python,
        yes=settings.yes,
        dry_run=settings.dry_run,
        offline=settings.offline,
        verbose=settings.verbose,
    ).exit_code


def rollback(settings: RollbackSettings) -> int:
    from pipwarden.install.command import rollback_transaction

    return rollback_transaction(settings.transaction, python=settings.python)


def history(settings: RollbackSettings) -> int:
    from pipwarden.install.command import history as show_history

    return show_history(python=settings.python)


def fix(settings: FixSettings) -> int:
    raise _not_yet("fix")


def outdated(settings: AuditSettings) -> Report:
    raise _not_yet("outdated")


# --- verify (issue 8) ---------------------------------------------------------------------------


def verify(settings: VerifySettings) -> Report:
    from pipwarden import verify_app

    return verify_app.run(settings)


# --- scan (issue 7) -----------------------------------------------------------------------------


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
