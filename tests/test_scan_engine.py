"""The scan command end to end: discovery, selection, suppression, config, exit codes,
crash isolation and the reporters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.scan import Scanner, run
from pipwarden.scan.engine import discover
from pipwarden.scan.rule import Rule
from pipwarden.scan.rules import select_rules

LEAK = "def f(p):\n    fh = open(p)\n    return fh.read()\n"
EVAL = "import sys\nprint(eval(sys.argv[1]))\n"


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_discovery_skips_venvs_build_and_caches(tmp_path: Path) -> None:
    write(tmp_path, "app/main.py", LEAK)
    write(tmp_path, "env/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "env/lib/x.py", LEAK)
    for skipped in ("build", "dist", ".git", "__pycache__", ".tox", ".nox", "node_modules",
                    "pkg.egg-info", "lib/site-packages"):
        write(tmp_path, f"{skipped}/x.py", LEAK)
    write(tmp_path, "app/notes.txt", "x")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([str(tmp_path)])]
    assert found == ["app/main.py"]


def test_exclude_patterns(tmp_path: Path) -> None:
    write(tmp_path, "app/main.py", LEAK)
    write(tmp_path, "app/migrations/0001.py", LEAK)
    write(tmp_path, "tests/test_x.py", LEAK)
    found = discover([str(tmp_path)], exclude=["tests/", "*/migrations/*"])
    assert [p.relative_to(tmp_path).as_posix() for p in found] == ["app/main.py"]


def test_missing_path_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scan", str(tmp_path / "nope")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_exit_codes_and_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = write(tmp_path, "clean.py", "def f(p):\n    with open(p) as fh:\n        return fh.read()\n")
    leak = write(tmp_path, "leak.py", LEAK)
    assert main(["scan", str(clean)]) == 0
    assert main(["scan", str(leak)]) == 1
    assert main(["scan", str(leak), "--fail-on", "high"]) == 0  # PW201 is moderate
    assert main(["scan", str(leak), "--fail-on", "none"]) == 0
    out = capsys.readouterr().out
    assert "PW201" in out and "scanned 1 file" in out


def test_syntax_error_is_a_warning_and_unchecked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "bad.py", "def (:\n")
    write(tmp_path, "good.py", "x = 1\n")
    assert main(["scan", str(tmp_path), "--format", "json"]) == 2
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["unchecked"] == [str(tmp_path / "bad.py")]
    assert data["extra"]["files_scanned"] == 1
    assert "syntax error" in captured.err
    # findings at or above --fail-on take precedence over exit 2
    write(tmp_path, "leak.py", LEAK)
    assert main(["scan", str(tmp_path)]) == 1


def test_select_and_ignore_by_code_and_prefix(tmp_path: Path) -> None:
    path = write(tmp_path, "both.py", EVAL + LEAK)
    codes = lambda **kw: sorted({f.id for f in run([str(path)], **kw).findings})  # noqa: E731
    assert codes() == ["PW101", "PW201"]
    assert codes(select=("PW1",)) == ["PW101"]
    assert codes(ignore=("PW2",)) == ["PW101"]
    assert codes(select=("PW201",)) == ["PW201"]
    with pytest.raises(Exception, match="unknown rule code"):
        run([str(path)], select=("PW999",))


def test_suppression_comments() -> None:
    scanner = Scanner(select_rules())
    source = (
        "import sys\n"
        "eval(sys.argv[1])  # pipwarden: ignore[PW101]\n"
        "eval(sys.argv[2])  # pipwarden: ignore[PW2]\n"
        "eval(sys.argv[3])  # pipwarden: ignore\n"
        "eval(sys.argv[4])  # pipwarden: ignore[PW1]\n"
    )
    found = scanner.scan_source(source)
    assert [(f.id, f.line) for f in found if not f.ignored] == [("PW101", 3)]
    assert [f.line for f in found if f.ignored] == [2, 4, 5]
    assert {f.ignore_reason for f in found if f.ignored} == {"# pipwarden: ignore comment"}


def test_suppressed_findings_do_not_fail_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "s.py", "import sys\neval(sys.argv[1])  # pipwarden: ignore[PW101]\n")
    report = run([str(path)])
    assert report.exit_code == 0
    assert len(report.findings) == 1 and report.active_findings == ()


def test_config_table_select_and_exclude(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "pyproject.toml", '[tool.pipwarden.scan]\nignore = ["PW201"]\nexclude = ["vendored"]\n')
    write(tmp_path, "app.py", LEAK)
    write(tmp_path, "vendored/x.py", EVAL)
    monkeypatch.chdir(tmp_path)
    assert main(["scan"]) == 0
    assert "scanned 1 file: 0 findings" in capsys.readouterr().out
    write(tmp_path, "pyproject.toml", '[tool.pipwarden.scan]\nexclude = "nope"\n')
    assert main(["scan", "--format", "json"]) == 1
    write(tmp_path, "pyproject.toml", "[tool.pipwarden.scan]\nexclude = 3\n")
    assert main(["scan"]) == 2
    capsys.readouterr()
    for bad, field in (("select = 5", "tool.pipwarden.scan.select"), ('fail-on = "bogus"', "tool.pipwarden.scan")):
        write(tmp_path, "pyproject.toml", f"[tool.pipwarden.scan]\n{bad}\n")
        assert main(["scan"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "pyproject.toml" in err and field in err


def test_crashing_rule_becomes_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    class Boom(Rule):
        code = "PW999"
        name = "boom"
        node_types = (__import__("ast").Call,)

        def check(self, node, parent, ctx):  # type: ignore[no-untyped-def]
            raise ValueError("kaput")

    scanner = Scanner([Boom(), *select_rules(("PW101",))])
    warnings: list[str] = []
    import ast

    findings = scanner.scan_tree("x.py", EVAL, ast.parse(EVAL), warnings)
    assert [f.id for f in findings] == ["PW101"]
    assert len(warnings) == 1 and "PW999 crashed" in warnings[0] and "kaput" in warnings[0]


def test_json_finding_fields(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "e.py", EVAL)
    assert main(["scan", str(path), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    [finding] = data["findings"]
    assert finding["kind"] == "code"
    assert (finding["id"], finding["line"], finding["column"]) == ("PW101", 2, 7)
    assert finding["source_line"] == 2
    assert finding["severity"] == "critical"
    assert data["command"] == "scan"


def test_unreadable_file_is_unchecked(tmp_path: Path) -> None:
    path = tmp_path / "latin.py"
    path.write_bytes(b"# -*- coding: nope -*-\nx = 1\n")
    report = run([str(path)])
    assert report.unchecked == (str(path),)
    assert report.exit_code == 2


def test_parallel_scan_matches_serial(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipwarden.scan import engine

    for index in range(6):
        write(tmp_path, f"m{index}.py", LEAK if index % 2 else EVAL)
    write(tmp_path, "bad.py", "def (:\n")
    serial = engine.scan_paths([str(tmp_path)])
    monkeypatch.setattr(engine, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(engine.os, "cpu_count", lambda: 2)
    parallel = engine.scan_paths([str(tmp_path)])
    assert parallel.findings == serial.findings
    assert parallel.unchecked == serial.unchecked
    assert parallel.files_scanned == serial.files_scanned == 6


def test_tmp_rule_skips_secure_dir_arguments() -> None:
    scanner = Scanner(select_rules(("PW206",)))
    source = (
        "import tempfile\n"
        "fd, p = tempfile.mkstemp(dir='/tmp')\n"
        "LOG = '/tmp/app.log'\n"
        "SKIP = ['/tmp', '/var/tmp']\n"
        "CMD = ['cp', 'a', '/tmp/b']\n"
    )
    assert sorted((f.line, f.column) for f in scanner.scan_source(source)) == [(3, 7), (5, 19)]


def test_report_carries_rule_descriptions(tmp_path: Path) -> None:
    path = write(tmp_path, "e.py", EVAL)
    report = run([str(path)], select=("PW1",))
    rules = report.extra["rules"]
    assert isinstance(rules, dict)
    assert set(rules) == {f"PW1{n:02d}" for n in range(1, 11)}
    assert rules["PW101"]["name"] == "eval-of-untrusted-input"
    assert "## Use instead" in rules["PW101"]["help"]


def test_symlinked_file_out_of_the_tree_is_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path, "outside/secret.py", EVAL)
    tree = tmp_path / "tree"
    write(tree, "ok.py", "x = 1\n")
    (tree / "link.py").symlink_to(outside)
    (tree / "dirlink").symlink_to(outside.parent, target_is_directory=True)
    found = [p.relative_to(tree).as_posix() for p in discover([str(tree)])]
    assert found == ["ok.py"]
    assert run([str(tree)]).exit_code == 0


def test_fifo_and_oversized_files_are_unchecked_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from pipwarden.scan import engine

    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)  # reading it would block forever
    report = run([str(fifo)])
    assert report.unchecked == (str(fifo),) and report.exit_code == 2
    big = write(tmp_path, "tree/big.py", EVAL)
    monkeypatch.setattr(engine, "MAX_FILE_BYTES", 10)
    report = run([str(big.parent)])
    assert report.unchecked == (str(big),) and report.exit_code == 2


def test_a_crashed_rule_leaves_the_file_unchecked(tmp_path: Path) -> None:
    from pipwarden.scan.engine import ScanResult

    class Boom(Rule):
        code = "PW999"
        name = "boom"
        node_types = (__import__("ast").Call,)

        def check(self, node, parent, ctx):  # type: ignore[no-untyped-def]
            raise ValueError("kaput")

    path = write(tmp_path, "x.py", "print(1)\n")
    result = ScanResult()
    Scanner([Boom()]).scan_file(path, str(path), result)
    assert result.unchecked == [str(path)]  # not reported as clean


def test_a_non_table_tool_key_in_pyproject_is_an_error_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, "app.py", "x = 1\n")
    write(tmp_path, "pyproject.toml", 'tool = "x"\n')  # valid TOML, a broken project
    monkeypatch.chdir(tmp_path)
    assert main(["scan"]) == 2
    err = capsys.readouterr().err
    assert "pyproject.toml" in err and "[tool] must be a table" in err
    write(tmp_path, ".pipwarden.toml", "tool = 5\n")
    assert main(["scan"]) == 2
    assert ".pipwarden.toml" in capsys.readouterr().err
