"""pipwarden rollback: upgrade then roll back with the index gone; the environment must be
identical (``pip freeze --all`` and every RECORD), and a rollback can itself be undone."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.install import snapshot
from pipwarden.install.journal import Journal, read_mtimes, rebuild_wheel
from test_install_support import (
    build_store,
    freeze,
    host_pip_dir,
    make_venv,
    make_wheel,
    records,
    reset_venv,
    vuln_record,
)


def _rich_wheel(directory: Path, version: str) -> Path:
    return make_wheel(
        directory,
        "rich-demo",
        version,
        files={
            "rich_demo/__init__.py": f"VERSION = {version!r}\n",
            "rich_demo/sub/mod.py": "def main():\n    return 0\n",
            f"rich_demo-{version}.data/scripts/rich-demo-tool": "#!python\nprint('x')\n",
            f"rich_demo-{version}.data/data/share/rich-demo/notes.txt": f"v{version}\n",
        },
        console_scripts={"rich-demo": "rich_demo.sub.mod:main"},
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("rollback-e2e")
    python = make_venv(base / "venv", host_pip_dir(base))
    osv = base / "osv"
    vuln_record(osv, "PYSEC-2026-9", "unrelated", fixed="1.0")
    store_home = base / "store"
    build_store(store_home, osv)
    return {"python": python, "base": base, "store": store_home / "advisories.sqlite"}


@pytest.fixture
def pwhome(env: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "pwhome"
    home.mkdir()
    (home / "advisories.sqlite").symlink_to(env["store"])
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    reset_venv(env["python"])
    return home


def test_upgrade_then_rollback_without_index_is_identical(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    python = str(env["python"])
    wheels = tmp_path / "wheels"
    _rich_wheel(wheels, "1.0")
    _rich_wheel(wheels, "2.0")
    make_wheel(wheels, "helper", "1.0")
    make_wheel(wheels, "helper", "1.5")
    make_wheel(wheels, "newdep", "1.0")
    source = ["--no-index", "--find-links", str(wheels)]
    assert main(["install", "--python", python, *source, "rich-demo==1.0", "helper==1.0"]) == 0
    # Import once so that the interpreter's own .pyc files exist as they would in real use.
    before_freeze, before_records = freeze(env["python"]), records(env["python"])
    assert (
        main(["install", "--python", python, *source, "-U", "rich-demo", "helper", "newdep"]) == 0
    )
    upgraded = freeze(env["python"])
    assert "rich-demo==2.0" in upgraded and "newdep==1.0" in upgraded
    shutil.rmtree(wheels)  # the index is gone
    capsys.readouterr()
    assert main(["rollback", "--python", python]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == (
        "rolled back transaction 2: added 0, upgraded 0, downgraded 2, removed 1 packages"
    )
    assert "verified: " in out
    assert freeze(env["python"]) == before_freeze
    assert records(env["python"]) == before_records
    bindir = Path(python).parent
    assert (bindir / "rich-demo").is_file() and (bindir / "rich-demo-tool").is_file()
    # The rollback is a transaction too: undoing it brings the upgrade back, still offline.
    assert main(["rollback", "--python", python]) == 0
    assert freeze(env["python"]) == upgraded
    capsys.readouterr()
    assert main(["history", "--python", python]) == 0
    history = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in history] == ["1", "2", "3", "4"]
    assert "[rolled back by 3]" in history[1]
    assert "rollback 2" in history[2] and "rolled back by 4" in history[2]


def test_rollback_of_first_install_removes_everything(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    python = str(env["python"])
    wheels = tmp_path / "w"
    make_wheel(wheels, "solo", "1.0")
    make_wheel(wheels, "duo", "1.0")
    assert main(["install", "--python", python, "--no-index", "-f", str(wheels), "solo"]) == 0
    assert main(["install", "--python", python, "--no-index", "-f", str(wheels), "duo"]) == 0
    capsys.readouterr()
    # The state before transaction 1: transaction 2 is undone as well.
    assert main(["rollback", "1", "--python", python]) == 0
    assert freeze(env["python"]).split() == []
    assert "removed 2 packages" in capsys.readouterr().out
    assert main(["history", "--python", python]) == 0
    history = capsys.readouterr().out.splitlines()
    assert "[rolled back by 3]" in history[0] and "[rolled back by 3]" in history[1]
    assert main(["rollback", "1", "--python", python]) == 0
    assert "nothing to roll back" in capsys.readouterr().out


def test_rollback_without_transactions_is_an_error(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rollback", "--python", str(env["python"])]) == 2
    assert "no install transactions" in capsys.readouterr().err


def test_rollback_fails_with_exit_3_when_a_wheel_is_lost(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    python = str(env["python"])
    wheels = tmp_path / "w"
    make_wheel(wheels, "lost", "1.0")
    make_wheel(wheels, "lost", "2.0")
    source = ["--no-index", "-f", str(wheels)]
    assert main(["install", "--python", python, *source, "lost==1.0"]) == 0
    assert main(["install", "--python", python, *source, "lost==2.0"]) == 0
    for kept in (pwhome / "journal").glob("*/2/wheels/*.whl"):
        kept.unlink()
    capsys.readouterr()
    assert main(["rollback", "--python", python]) == 3
    err = capsys.readouterr().err
    assert "no kept wheel for lost==1.0" in err and "hint:" in err
    assert freeze(env["python"]).split() == ["lost==2.0"]  # nothing was changed


def test_rebuilt_wheel_holds_installed_files(
    env: dict[str, Path], pwhome: Path, tmp_path: Path
) -> None:
    python = str(env["python"])
    wheels = tmp_path / "w"
    _rich_wheel(wheels, "1.0")
    assert main(["install", "--python", python, "--no-index", "-f", str(wheels), "rich-demo"]) == 0
    snap = snapshot.take(python)
    built = rebuild_wheel(snap.dists["rich-demo"], snap, tmp_path / "out")
    assert built.name == "rich_demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
    assert "rich_demo/sub/mod.py" in names
    assert "rich_demo-1.0.data/scripts/rich-demo-tool" in names
    assert "rich_demo-1.0.data/data/share/rich-demo/notes.txt" in names
    assert "rich_demo-1.0.dist-info/RECORD" in names
    assert not any(n.endswith(("/INSTALLER", "/REQUESTED")) for n in names)
    assert not any(n.endswith("scripts/rich-demo") for n in names)  # pip writes the wrapper
    assert "rich_demo/__init__.py" in read_mtimes(built)
    journal = Journal.for_prefix(snap.prefix)
    assert journal.ids() == [1]


def test_compare_reports_missing_files_of_untouched_distributions(tmp_path: Path) -> None:
    """A distribution the journal did not touch can still lose files (another package overwrote
    them and was then uninstalled): the rollback must not call that environment identical."""
    from pipwarden.install.rollback import compare

    info = tmp_path / "site" / "good-1.0.dist-info"
    info.mkdir(parents=True)
    record = (
        "good/__init__.py,sha256=abc,3\n"
        "good/__pycache__/__init__.cpython-311.pyc,sha256=def,3\n"
        "good-1.0.dist-info/RECORD,,\n"
    )
    (info / "RECORD").write_text(record)
    dist = snapshot.DistState("good", "good", "1.0", str(info), record=record)
    snap = snapshot.Snapshot("python", "/prefix", "3.11.0", {}, {"good": dist})
    assert compare(snap, snap, []) == ["good: good/__init__.py is missing"]


def test_unusable_journal_directory_is_a_clear_error(tmp_path: Path) -> None:
    from pipwarden.errors import InstallError

    blocker = tmp_path / "home"
    blocker.write_text("a file where PIPWARDEN_HOME should be a directory")
    with (
        pytest.raises(InstallError, match="cannot use the journal"),
        Journal(blocker / "journal" / "abc").lock(),
    ):
        pass
