"""The install, rollback and history workflows (called by :mod:`pipwarden.app`).

install: snapshot + plan (pip dry-run report) -> fetch and inspect the planned archives ->
checks (store, typosquats, wheel contents) -> verdict -> journal (snapshot, kept wheels) ->
hash-pinned install -> npm-style summary. A pip failure during the install is rolled back from
the journal at once (exit 2); a failed rollback exits 3 with the manual steps.
"""

from __future__ import annotations

import dataclasses
import shlex
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pipwarden.errors import InstallError, RollbackError
from pipwarden.install import apply as apply_mod
from pipwarden.install import guard, plan, snapshot, wheels
from pipwarden.install.driver import Driver, resolve_python, start_install
from pipwarden.install.journal import Change, Journal, Transaction
from pipwarden.models import (
    AnyFinding,
    Dependency,
    MaliciousFinding,
    PackageName,
    TyposquatFinding,
    VulnerabilityFinding,
)
from pipwarden.names import canonicalize_name
from pipwarden.report.summary import plural, severity_words
from pipwarden.settings import store_path

if TYPE_CHECKING:
    from pipwarden.advisories.store import Store
    from pipwarden.checks.typosquat import TyposquatIndex

TOP_LEVEL_PROJECTS = 1000  # popular projects whose import names a wheel must not ship


@dataclass(frozen=True)
class InstallOutcome:
    exit_code: int
    transaction: int | None = None
    result: guard.GuardResult | None = None


def _open_store(warnings: list[str] | None = None) -> Store | None:
    """The advisory store, or None (missing or unusable: the reason goes to ``warnings``)."""
    from pipwarden.advisories.store import Store
    from pipwarden.errors import StoreError

    path = store_path()
    if not path.is_file():
        return None
    try:
        return Store.open(path)
    except StoreError as exc:
        if warnings is not None:
            warnings.append(f"{exc}" + (f" ({exc.hint})" if exc.hint else ""))
        return None


def _python(python: str | None) -> str:
    return resolve_python(python)


@dataclass
class Checks:
    """What the checks need before any plan exists: the open store, its popular projects (and
    their import names), the typosquat index, the imported check modules. Prepared while pip
    resolves, so that the plan is judged as soon as it arrives."""

    store: Store | None
    warnings: list[str]
    popular: dict[str, int]
    popular_modules: dict[str, tuple[str, int]]
    typosquat_index: TyposquatIndex | None = None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


def prepare_checks() -> Checks:
    """Open the store and load what :func:`check_plan` needs (see :class:`Checks`)."""
    warnings: list[str] = []
    store = _open_store(warnings)
    popular: dict[str, int] = {}  # the most downloaded projects (TOP_LEVEL_PROJECTS of them)
    index = None
    if store is not None:
        from pipwarden.checks import matching  # noqa: F401 - loaded now, used with the plan
        from pipwarden.checks.typosquat import store_index

        stale = store.staleness_warning()
        if stale:
            warnings.append(stale)
        popular = store.top(TOP_LEVEL_PROJECTS)
        index = store_index(store)
    popular_modules: dict[str, tuple[str, int]] = {}
    for name, downloads in popular.items():
        popular_modules.setdefault(name.replace("-", "_"), (name, downloads))
    return Checks(store, warnings, popular, popular_modules, index)


def check_plan(
    items: Sequence[plan.PlannedItem],
    before: snapshot.Snapshot | Callable[[], snapshot.Snapshot],
    wheelhouse: Path,
    *,
    offline: bool = False,
    checks: Checks | None = None,
) -> tuple[guard.GuardResult, dict[str, Path], snapshot.Snapshot]:
    """Fetch, inspect and judge the planned items: verdicts, fetched files, the snapshot.

    ``before`` may be a callable: it is called only once the work that does not need the
    environment's snapshot (fetching, reading wheels, advisories) is done.
    ``offline`` skips the index reputation look-ups only: pip downloads the planned files
    anyway, and pipwarden must read the very files that will be installed.
    ``checks``: prepared by :func:`prepare_checks` (and closed by the caller), else made here.
    """

    files: dict[str, Path] = {}
    fetchable = [i for i in items if i.hashable]
    local = [i for i in fetchable if i.local_path is not None or i.url.startswith("file:")]
    remote = [i for i in fetchable if i not in local]
    for item in local:  # a copy on this disk: threads would cost more than they save
        files[item.key] = plan.fetch(item, wheelhouse)
    if remote:
        with ThreadPoolExecutor(max_workers=8) as pool:
            fetched = list(pool.map(lambda i: plan.fetch(i, wheelhouse), remote))
        for item, path in zip(remote, fetched, strict=True):
            files[item.key] = path
    own = checks is None
    prepared = checks if checks is not None else prepare_checks()
    try:
        return _judge(items, before, files, prepared, offline)
    finally:
        if own:
            prepared.close()


def _judge(
    items: Sequence[plan.PlannedItem],
    before: snapshot.Snapshot | Callable[[], snapshot.Snapshot],
    files: dict[str, Path],
    checks: Checks,
    offline: bool,
) -> tuple[guard.GuardResult, dict[str, Path], snapshot.Snapshot]:
    store, popular, popular_modules = checks.store, checks.popular, checks.popular_modules
    warnings = list(checks.warnings)
    advisories: list[VulnerabilityFinding | MaliciousFinding] | None = None
    typosquats: list[TyposquatFinding] = []
    if store is not None:
        from pipwarden.checks.matching import match

        result = match(guard.plan_dependencies(items), store)
        advisories = list(result.findings)
        warnings += list(result.warnings)
    contents: dict[str, wheels.WheelContents] = {}
    for item in items:
        found = files.get(item.key)
        if found is None or item.kind != "wheel":
            continue
        contents[item.key] = wheels.inspect_wheel(
            found,
            item.name,
            other_projects=popular_modules,
            own_downloads=(store.downloads(item.key) or 0) if store is not None else 0,
        )
    snap = before() if callable(before) else before
    owners = snap.owners()
    site = snap.paths.get("purelib")
    for key, found_contents in list(contents.items()):
        extra = wheels.collisions(
            list(found_contents.files), key, owners, site, snap.paths.get("data")
        )
        if extra:
            contents[key] = dataclasses.replace(
                found_contents, issues=found_contents.issues + tuple(extra)
            )
    contents = _planned_collisions(contents)
    typed = [i.key for i in items if i.requested and i.key not in snap.dists]
    if typed and popular and checks.typosquat_index is not None:
        typosquats = checks.typosquat_index.check(typed)
    signals: dict[str, list[tuple[str, str]]] = {}
    if not offline:
        signals = reputation_signals(items, warnings)
    if typed and store is not None:
        from pipwarden.checks.namemodel import malware_like

        squatted = {f.package for f in typosquats}
        for key, text in malware_like(store, [k for k in typed if k not in squatted]).items():
            signals.setdefault(key, []).append(("REVIEW", text))
    planned_keys = {i.key for i in items}
    overwritten = sorted(
        {
            issue.owner
            for found_contents in contents.values()
            for issue in found_contents.issues
            if issue.check == "overwrite" and issue.owner and issue.owner not in planned_keys
        }
    )
    verdict = guard.evaluate(
        items,
        snap,
        advisories=advisories,
        typosquats=typosquats,
        contents=contents,
        warnings=warnings,
        reputation=signals,
    )
    return dataclasses.replace(verdict, overwritten=tuple(overwritten)), files, snap


def _planned_collisions(
    contents: dict[str, wheels.WheelContents],
) -> dict[str, wheels.WheelContents]:
    """Two planned wheels that install the same file overwrite each other: REVIEW both."""
    owners: dict[str, list[str]] = {}
    for key, found in contents.items():
        for name in found.files:
            if name.endswith("/__init__.py") and name.count("/") == 1:
                continue  # namespace packages share their top-level __init__.py
            owners.setdefault(name, []).append(key)
    shared: dict[str, dict[str, int]] = {}
    for keys in owners.values():
        for key in keys:
            for other in keys:
                if other != key:
                    shared.setdefault(key, {}).setdefault(other, 0)
                    shared[key][other] += 1
    out = dict(contents)
    for key, others in shared.items():
        extra = tuple(
            wheels.Issue("REVIEW", "overwrite", f"{count} file(s) also installed by {other}")
            for other, count in sorted(others.items())
        )
        out[key] = dataclasses.replace(contents[key], issues=contents[key].issues + extra)
    return out


def reputation_signals(
    items: Sequence[plan.PlannedItem], warnings: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """Index reputation (REVIEW/BLOCK signals) of the requested packages served by an index.

    Only what the user asked for, and only files fetched over HTTP(S): local find-links and
    direct URLs have no project page to judge.
    """
    wanted = [i for i in items if i.requested and not i.is_direct and i.url.startswith("http")]
    if not wanted:
        return {}
    import datetime

    from pipwarden import net
    from pipwarden.cache import Cache
    from pipwarden.checks import reputation as rep
    from pipwarden.errors import NetworkError
    from pipwarden.settings import cache_path

    try:
        index = net.index_config()
    except NetworkError as exc:
        warnings.append(f"reputation not checked: {exc}")
        return {}
    now = datetime.datetime.now(datetime.timezone.utc)
    out: dict[str, list[tuple[str, str]]] = {}

    def one(item: plan.PlannedItem) -> tuple[str, list[tuple[str, str]] | str]:
        with Cache(cache_path()) as cache:  # one connection per thread
            try:
                info = rep.fetch_project(item.key, index=index, cache=cache, version=item.version)
            except NetworkError as exc:
                return item.key, str(exc)
        found = rep.signals(info, item.version, now=now)
        return item.key, [(s.level, s.text) for s in found if s.level != "OK"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        for key, result in pool.map(one, wanted):
            if isinstance(result, str):
                warnings.append(f"{key}: reputation not checked: {result}")
            else:
                out[key] = result
    return out


def env_summary(after_versions: dict[str, str]) -> tuple[str, int]:
    """``audited 58 packages: 2 vulnerabilities (1 high, 1 moderate)`` and the count."""
    from pipwarden.advisories.store import Store

    store = _open_store()
    total = len(after_versions)
    if not isinstance(store, Store):
        return f"audited {plural(total, 'package')}: no usable advisory store", 0
    from pipwarden.checks.matching import match

    deps = [
        Dependency(name=PackageName(k), version=v, source="environment", format="environment")
        for k, v in sorted(after_versions.items())
    ]
    with store:
        findings = match(deps, store).findings
    vulns: list[AnyFinding] = [f for f in findings if isinstance(f, VulnerabilityFinding)]
    bad = [f for f in findings if isinstance(f, MaliciousFinding)]
    parts = []
    if vulns:
        parts.append(
            f"{plural(len(vulns), 'vulnerability', 'vulnerabilities')} ({severity_words(vulns)})"
        )
    if bad:
        parts.append(f"{len(bad)} malicious")
    text = f"audited {plural(total, 'package')}: " + (
        ", ".join(parts) or "no known vulnerabilities"
    )
    return text, len(vulns) + len(bad)


def change_summary(changes: Sequence[Change]) -> str:
    counts = {k: 0 for k in ("added", "upgraded", "downgraded", "reinstalled", "removed")}
    for c in changes:
        counts[c.kind] += 1
    parts = [f"added {counts['added']}", f"upgraded {counts['upgraded']}"]
    for extra in ("downgraded", "reinstalled"):
        if counts[extra]:
            parts.append(f"{extra} {counts[extra]}")
    parts.append(f"removed {counts['removed']} packages")
    return ", ".join(parts)


def describe(changes: Sequence[Change]) -> str:
    return ", ".join(f"{c.name} {c.before or '-'} -> {c.after or 'removed'}" for c in changes)


def _python_flag(python: str | None) -> str:
    return f" --python {shlex.quote(python)}" if python else ""


def install(
    pip_args: Sequence[str],
    *,
    python: str | None = None,
    yes: bool = False,
    dry_run: bool = False,
    offline: bool = False,
    verbose: bool = False,
    kind: str = "install",
    command: str | None = None,
    out: TextIO | None = None,
    started: Driver | None = None,
    allow_build: bool = False,
) -> InstallOutcome:
    """The guarded install. ``started``: a driver already running, from
    :func:`~pipwarden.install.driver.start_install`. Without ``allow_build`` pip plans with
    wheels only: preparing an sdist's metadata runs its build code, before any verdict could
    stop it."""
    out = out or sys.stdout
    driver = started
    checks: Checks | None = None
    try:
        args = plan.split_pip_args(pip_args)
        if driver is None:
            driver = start_install(python, pip_args, allow_build=allow_build, dry_run=dry_run)
        checks = prepare_checks()  # while pip resolves
        return _install(
            driver,
            checks,
            args,
            pip_args,
            python=python,
            yes=yes,
            dry_run=dry_run,
            offline=offline,
            verbose=verbose,
            kind=kind,
            command=command,
            out=out,
        )
    finally:
        if checks is not None:
            checks.close()
        if driver is not None:
            driver.close()


def _with_local_files(
    items: Sequence[plan.PlannedItem], local: dict[str, str]
) -> tuple[plan.PlannedItem, ...]:
    """Point each archive at the copy pip downloaded (same file name only: an sdist pip
    already built once is installed from pip's wheel cache, and is read from its URL)."""
    out = []
    for item in items:
        path = local.get(item.key)
        if path and item.kind in ("wheel", "sdist") and Path(path).name == item.filename:
            item = replace(item, local_path=path)
        out.append(item)
    return tuple(out)


def _approval(items: Sequence[plan.PlannedItem]) -> dict[str, dict[str, str] | None]:
    """What the gated driver must find before pip installs: every checked archive by name."""
    return {
        i.key: (
            {"file": i.filename, "sha256": i.sha256 or "", "kind": i.kind} if i.hashable else None
        )
        for i in items
    }


def _install(
    driver: Driver,
    checks: Checks,
    args: plan.PipArgs,
    pip_args: Sequence[str],
    *,
    python: str | None,
    yes: bool,
    dry_run: bool,
    offline: bool,
    verbose: bool,
    kind: str,
    command: str | None,
    out: TextIO,
) -> InstallOutcome:
    target = driver.python
    _code, report = driver.plan()
    if report is None:
        raise InstallError(
            "pip could not plan the install:\n" + driver.output_tail(),
            hint="nothing was installed; pip's own message is above. If a package has no "
            "wheel, pip would have to build it, which runs its code: vet it "
            "(pipwarden vet NAME), then rerun with --allow-build",
        )
    planned = plan.parse_report(report, target)
    if driver.gated:
        planned = replace(planned, items=_with_local_files(planned.items, driver.local_files))
    if not planned.items:
        out.write("plan: nothing to install (everything requested is already satisfied)\n")
        return InstallOutcome(0)
    with tempfile.TemporaryDirectory(prefix="pipwarden-wheelhouse-") as tmp:
        wheelhouse = Path(tmp) / "wheels"
        planned = replace(planned, items=plan.pin_unhashed(planned.items, wheelhouse))
        result, _files, before = check_plan(
            planned.items,
            lambda: snapshot.Snapshot.from_json(driver.snapshot()),
            wheelhouse,
            offline=offline,
            checks=checks,
        )
        out.write("\n".join(result.lines(verbose)) + "\n")
        out.flush()
        if dry_run:
            return InstallOutcome(1 if result.verdict == "BLOCK" else 0, None, result)
        proceed, message = guard.confirm(result, yes=yes, stdout=out)
        if not proceed:
            sys.stderr.write(message + "\n")
            return InstallOutcome(1, None, result)
        journal = Journal.for_prefix(before.prefix)
        text = command or "install " + " ".join(shlex.quote(a) for a in pip_args)
        with journal.lock():
            tx = journal.begin(command=text, kind=kind, before=before, python=target)
            replaced = [p.item.key for p in result.packages if p.action != "add"]
            tx, notes = journal.keep_wheels(tx, before, [*replaced, *result.overwritten])
            tx = replace(tx, overwritten=result.overwritten)
            for note in notes:
                sys.stderr.write(f"warning: {note}\n")
            changes = tuple(
                Change(p.item.name, p.previous, p.item.version) for p in result.packages
            )
            tx = replace(tx, changes=changes)
            journal.save(tx)
            try:
                if driver.gated:
                    ok, output = driver.approve(_approval(planned.items))
                    if verbose and output.strip():
                        out.write(output.rstrip("\n") + "\n")
                    applied = apply_mod.ApplyResult(ok, output, ("pip", "install", *pip_args))
                elif all(i.hashable for i in planned.items):
                    pip_command = apply_mod.hashed_args(
                        planned.items, wheelhouse, args, Path(tmp) / "planned.txt", verbose=verbose
                    )
                    ok, output = driver.install(pip_command)
                    if verbose and output.strip():
                        out.write(output.rstrip("\n") + "\n")
                    applied = apply_mod.ApplyResult(ok, output, ("pip", *pip_command))
                else:
                    driver.close()
                    applied = apply_mod.install_items(
                        target, planned.items, wheelhouse, args, verbose=verbose
                    )
            except KeyboardInterrupt:
                driver.close()
                applied = apply_mod.ApplyResult(False, "interrupted (Ctrl-C)")
            if not applied.ok:
                touched = [i.key for i in planned.items] + list(result.overwritten)
                _recover(journal, tx, before, target, touched, applied, out)
            tx = replace(tx, status="applied", changes=changes)
            journal.save(tx)
    after = before.versions()
    for p in result.packages:
        after[p.item.key] = p.item.version
    audit_line, problems = env_summary(after)
    out.write(f"{change_summary(changes)}; {audit_line}\n")
    undo = f"undo with pipwarden rollback {tx.id}{_python_flag(python)}"
    out.write((f"run pipwarden fix to upgrade; {undo}" if problems else undo) + "\n")
    return InstallOutcome(0, tx.id, result)


def _recover(
    journal: Journal,
    tx: Transaction,
    before: snapshot.Snapshot,
    python: str,
    touched: list[str],
    applied: apply_mod.ApplyResult,
    out: TextIO,
) -> None:
    """pip failed part-way: restore the snapshot, then raise (exit 2, or 3 if that fails)."""
    tail = "\n".join(applied.output.strip().splitlines()[-6:])
    sys.stderr.write(f"pip failed:\n{tail}\nrolling back to the state before the install...\n")
    try:
        from pipwarden.install import rollback

        restored = rollback.restore(python, journal, before, prefer=tx.id, touched=touched)
    except (RollbackError, InstallError) as exc:  # InstallError: pip or the interpreter gone
        journal.save(replace(tx, status="rollback-failed", notes=(*tx.notes, exc.message)))
        raise RollbackError(
            f"pip failed and the automatic rollback failed too: {exc.message}",
            hint=exc.hint,
        ) from None
    if restored.differences:
        journal.save(replace(tx, status="rollback-failed", notes=restored.differences))
        raise RollbackError(
            "pip failed and the environment could not be fully restored: "
            + "; ".join(restored.differences[:5]),
            hint=f"see pipwarden history; kept wheels are in {journal.path(tx.id) / 'wheels'}",
        )
    journal.save(replace(tx, status="failed", notes=(*tx.notes, "rolled back automatically")))
    if restored.changes:
        out.write(f"rolled back: {describe(restored.changes)}\n")
    raise InstallError(
        "pip failed during the install; the environment was rolled back to its previous state",
        hint="the pip error is shown above",
    )


# --- rollback and history -----------------------------------------------------------------------


def rollback_transaction(
    ident: int | None, *, python: str | None = None, out: TextIO | None = None
) -> int:
    from pipwarden.install import rollback

    out = out or sys.stdout
    target = _python(python)
    current = snapshot.take(target)
    journal = Journal.for_prefix(current.prefix)
    ids = journal.ids()
    if not ids:
        raise InstallError(
            "no install transactions recorded for this environment",
            location=current.prefix,
            hint="pipwarden records transactions made with pipwarden install",
        )
    ident = ids[-1] if ident is None else ident
    tx = journal.load(ident)
    goal = journal.before(ident)
    # Rolling back to the state before ``ident`` undoes it and every later transaction.
    touched = [
        key
        for later in ids
        if later >= ident
        for undone in [journal.load(later)]
        for key in [*(canonicalize_name(c.name) for c in undone.changes), *undone.overwritten]
    ]
    remove, restore_keys = rollback.plan_restore(current, goal, touched)
    if not remove and not restore_keys:
        out.write(
            f"nothing to roll back: the environment already matches the state before {ident}\n"
        )
        return 0
    with journal.lock():
        rtx = journal.begin(
            command=f"rollback {ident}",
            kind="rollback",
            before=current,
            python=target,
            rollback_of=ident,
        )
        replaced = [k for k in remove + restore_keys if k in current.dists]
        rtx, notes = journal.keep_wheels(rtx, current, replaced)
        for note in notes:
            sys.stderr.write(f"warning: {note}\n")
        try:
            result = rollback.restore(
                target, journal, goal, prefer=ident, touched=touched, current=current
            )
        except RollbackError:
            journal.save(replace(rtx, status="rollback-failed"))
            raise
        except InstallError as exc:  # pip or the interpreter could not be run part-way
            journal.save(replace(rtx, status="rollback-failed"))
            raise RollbackError(f"the rollback failed: {exc.message}", hint=exc.hint) from None
        status = "applied" if not result.differences else "rollback-failed"
        journal.save(replace(rtx, status=status, changes=result.changes, notes=result.differences))
        journal.save(replace(tx, status="rolled-back", rolled_back_by=rtx.id))
        for later in ids:  # the state before ``ident`` undoes every later transaction too
            if later > ident:
                undone = journal.load(later)
                if undone.status == "applied" and undone.rolled_back_by is None:
                    journal.save(replace(undone, status="rolled-back", rolled_back_by=rtx.id))
    out.write(f"rolled back transaction {ident}: {change_summary(result.changes)}\n")
    if result.differences:
        for line in result.differences:
            out.write(f"  differs: {line}\n")
        raise RollbackError(
            f"the environment differs from the journal in {plural(len(result.differences), 'place')}",
            hint=f"inspect with pip list; kept wheels: {journal.root}",
        )
    out.write(
        f"verified: the environment ({plural(len(result.after.dists), 'package')}) matches "
        "the journal's record of it; "
        f"undo with pipwarden rollback {rtx.id}{_python_flag(python)}\n"
    )
    return 0


def history(*, python: str | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    target = _python(python)
    prefix = snapshot.prefix_of(target)
    journal = Journal.for_prefix(prefix)
    txs = journal.transactions()
    if not txs:
        out.write(f"no transactions recorded for {prefix}\n")
        return 0
    for tx in txs:
        when = tx.time.replace("T", " ")[:19]
        status = tx.status
        if tx.rolled_back_by is not None:
            status = f"rolled back by {tx.rolled_back_by}"
        elif tx.status == "failed":
            status = "failed, rolled back automatically"
        command = tx.command if len(tx.command) <= 60 else tx.command[:59] + "…"
        out.write(f"{tx.id:>4}  {when}  {command}  [{status}]  {tx.describe(most=3)}\n")
    return 0
