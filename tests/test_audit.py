"""`pipwarden audit` end to end through the CLI: output, policy, exit codes, formats."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipwarden.advisories.importer import update
from pipwarden.cli import main


def _record(ident: str, name: str, fixed: str, **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "published": "2023-05-01T00:00:00Z",
        "affected": [
            {"package": {"name": name, "ecosystem": "PyPI"},
             "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}]}
        ],
    }
    doc.update(extra)
    return doc


HIGH = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"}]  # 7.5
CRIT = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]  # 9.8
MOD = [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"}]  # 5.3


@pytest.fixture
def project(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    osv = tmp_path / "osv"
    osv.mkdir()
    records = [
        _record("PYSEC-2023-1", "webfw", "2.5.1", aliases=["CVE-2023-1"], severity=CRIT, summary="Remote code execution in templates"),
        _record("PYSEC-2023-2", "webfw", "2.4.0", aliases=["CVE-2023-2"], severity=MOD, summary="Open redirect"),
        _record("PYSEC-2023-3", "parser", "1.3", aliases=["GHSA-aaaa-bbbb-cccc"], severity=HIGH, summary="Header smuggling"),
        _record("PYSEC-2023-4", "nofix", "99", summary="Unfixed"),
    ]
    records[3]["affected"][0]["ranges"][0]["events"] = [{"introduced": "0"}]  # type: ignore[index]
    two_lines = _record("PYSEC-2023-5", "twoline", "1.5", summary="Two release lines")
    two_lines["affected"][0]["ranges"][0]["events"] += [{"introduced": "2.0"}, {"fixed": "2.2"}]  # type: ignore[index]
    records.append(two_lines)
    for doc in records:
        (osv / f"{doc['id']}.json").write_text(json.dumps(doc))
    popular = tmp_path / "popular.json"
    popular.write_text(json.dumps({"rows": [{"project": n, "download_count": d} for n, d in
                                            [("requests", 900_000_000), ("webfw", 5_000_000), ("parser", 1_000_000)]]}))
    update(home / "advisories.sqlite", osv=str(osv), popular=str(popular))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    return work


REQS = "# app\nwebfw==2.3.0\nparser==1.2  # via webfw\nclean==1.0\nloose>=1.0\n"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_table_golden(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text(REQS)
    code, out, err = run(["audit", "requirements.txt", "--offline"], capsys)
    assert code == 1
    assert out == (
        "audited 3 packages: 3 vulnerabilities in 2 packages (1 critical, 1 high, 1 moderate)\n"
        "\n"
        "Package  Version  Severity  Advisories  Fixed in  Via        Fix\n"
        "webfw    2.3.0    critical  2           2.5.1     direct     requirements.txt:2: webfw==2.5.1\n"
        "parser   1.2      high      1           1.3       via webfw  requirements.txt:3: parser==1.3\n"
        "\n"
        "run pipwarden fix to apply these upgrades\n"
        "1 dependency skipped (1 not pinned) — see --verbose\n"
    )
    assert err == ""


def test_verbose_lists_advisories_and_skips(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text(REQS)
    code, out, _ = run(["audit", "requirements.txt", "-v"], capsys)
    assert code == 1
    assert "PYSEC-2023-1 (CVE-2023-1)  critical 9.8" in out
    assert "Remote code execution in templates" in out
    assert "published 2023-05-01  fixed in 2.5.1" in out
    assert "skipped loose: not pinned" in out


def test_json_contract_and_ignores(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text(REQS)
    (project / "pyproject.toml").write_text(
        '[tool.pipwarden]\n[[tool.pipwarden.ignore]]\nid = "GHSA-aaaa-bbbb-cccc"\nreason = "not exposed"\n'
        '[[tool.pipwarden.ignore]]\nid = "PYSEC-0000-0"\nreason = "stale"\n'
    )
    code, out, err = run(["audit", "requirements.txt", "--format", "json"], capsys)
    data = json.loads(out)
    assert code == 1
    assert data["schema_version"] == 1
    assert list(data["summary"]) [:3] == ["dependencies", "findings", "by_severity"]
    assert data["summary"]["by_severity"] == {"critical": 1, "high": 0, "moderate": 1, "low": 0, "unknown": 0}
    ignored = [f for f in data["findings"] if f["ignored"]]
    assert [(f["id"], f["ignore_reason"]) for f in ignored] == [("PYSEC-2023-3", "not exposed")]
    first = data["findings"][0]
    assert {"kind", "package", "version", "id", "aliases", "severity", "fixed_in", "summary"} <= set(first)
    dep = data["dependencies"][0]
    assert {"name", "version", "source", "direct", "group", "parents"} <= set(dep)
    assert [(s["name"], s["reason"], s["line"]) for s in data["skipped"]] == [("loose", "not pinned", 5)]
    assert "ignore PYSEC-0000-0 matched nothing" in err


@pytest.mark.parametrize(
    ("fail_on", "ignore", "expected"),
    [("high", [], 1), ("critical", [], 1), ("critical", ["CVE-2023-1"], 0), ("none", [], 0)],
)
def test_fail_on_and_ignore_flags(project: Path, capsys: pytest.CaptureFixture[str], fail_on: str, ignore: list[str], expected: int) -> None:
    (project / "requirements.txt").write_text("webfw==2.4.5\n")  # only the critical one applies
    argv = ["audit", "requirements.txt", "--fail-on", fail_on]
    for ident in ignore:
        argv += ["--ignore", ident]
    assert run(argv, capsys)[0] == expected


def test_clean_is_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("webfw==2.5.1\n")
    code, out, _ = run(["audit"], capsys)  # detected in the current directory
    assert code == 0
    assert out.startswith("audited 1 package: no known vulnerabilities")


def test_missing_and_malformed_files_exit_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["audit", "nope.txt"], capsys)
    assert code == 2 and out == ""
    assert "nope.txt" in err and "Traceback" not in err
    (project / "poetry.lock").write_text("[[package]\nname = 'x'\n")
    code, out, err = run(["audit", "poetry.lock"], capsys)
    assert code == 2 and out == ""
    assert err.splitlines()[0].startswith("error: ") and "poetry.lock" in err and "Traceback" not in err


def test_partial_is_fail_closed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("webfw==2.5.1\n")
    (project / "broken.lock").write_text("not a lock")
    (project / "uv.lock").write_text("version = 1\n[[package]]\nname = \n")
    code, out, err = run(["audit", "requirements.txt", "uv.lock"], capsys)
    assert code == 2 and out == "" and "nothing was reported as clean" in err
    code, out, err = run(["audit", "requirements.txt", "uv.lock", "--allow-partial"], capsys)
    assert code == 0
    assert out.startswith("audited 1 package (partial: 1 input not checked): no known vulnerabilities")


def test_offline_without_store(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    req = tmp_path / "r.txt"
    req.write_text("a==1\n")
    code, _, err = run(["audit", str(req), "--offline"], capsys)
    assert code == 2
    assert "pipwarden db update --osv PATH" in err


def test_output_file_is_written_whole(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("webfw==2.3.0\n")
    code, out, _ = run(["audit", "requirements.txt", "--format", "json", "--output", "report.json"], capsys)
    assert code == 1 and out == ""
    assert json.loads((project / "report.json").read_text())["summary"]["findings"] == 2
    assert [p.name for p in project.iterdir() if p.name.startswith(".")] == []


def test_lock_file_fix_command_and_via(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "poetry.lock").write_text(
        '[[package]]\nname = "app-lib"\nversion = "1.0"\ncategory = "main"\noptional = false\npython-versions = "*"\n'
        '[package.dependencies]\nwebfw = "*"\n\n'
        '[[package]]\nname = "webfw"\nversion = "2.3.0"\ncategory = "main"\noptional = false\npython-versions = "*"\n'
        '[package.dependencies]\nparser = "*"\n\n'
        '[[package]]\nname = "parser"\nversion = "1.2"\ncategory = "main"\noptional = false\npython-versions = "*"\n\n'
        '[metadata]\nlock-version = "1.1"\npython-versions = "*"\ncontent-hash = "x"\n'
    )
    code, out, _ = run(["audit", "poetry.lock"], capsys)
    assert code == 1
    assert "poetry update parser" in out
    assert "via app-lib > webfw" in out


def test_typosquat_in_audit(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("reqeusts==2.0\n")
    code, out, _ = run(["audit", "requirements.txt"], capsys)
    assert code == 1
    assert "1 possible typosquat" in out and "did you mean requests?" in out


def test_verify_offline_is_fail_closed(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("webfw==2.5.1\n")
    code, out, err = run(["audit", "requirements.txt", "--verify", "--offline"], capsys)
    assert code == 2 and out == ""
    assert "not checked" in err and "--allow-partial" in err
    code, out, err = run(["audit", "requirements.txt", "--verify", "--offline", "--allow-partial"], capsys)
    assert out.startswith("audited 1 package (partial: ")
    assert "no hashes" in out or "hash" in out  # the unpinned-hash finding is listed


def test_stale_store_warns_on_stderr(project: Path, home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import sqlite3

    with sqlite3.connect(home / "advisories.sqlite") as conn:
        conn.execute("UPDATE meta SET value = '2020-01-01T00:00:00+00:00' WHERE key = 'built'")
    conn.close()
    (project / "requirements.txt").write_text("webfw==2.5.1\n")
    code, out, err = run(["audit", "requirements.txt"], capsys)
    assert code == 0 and out.startswith("audited 1 package")
    assert err.startswith("warning: the advisory store is ") and "run pipwarden db update" in err


def test_online_fix_is_a_real_release(project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import http.server
    import threading

    page = {"releases": {
        "2.3.0": [{"filename": "webfw-2.3.0.tar.gz", "yanked": False}],
        "2.5.1": [{"filename": "webfw-2.5.1.tar.gz", "yanked": True}],
        "2.5.3": [{"filename": "webfw-2.5.3.tar.gz", "yanked": False}],
        "3.0.0": [{"filename": "webfw-3.0.0.tar.gz", "yanked": False}],
    }}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path != "/pypi/webfw/json":
                self.send_error(404)
                return
            body = json.dumps(page).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{server.server_address[1]}/simple/")
        (project / "requirements.txt").write_text("webfw==2.3.0\n")
        code, out, err = run(["audit", "requirements.txt", "--format", "json"], capsys)
    finally:
        server.shutdown()
        server.server_close()
    data = json.loads(out)
    assert code == 1 and err == ""
    assert data["extra"]["packages"][0]["fix"] == "2.5.3"  # 2.5.1 is yanked: not advised
    assert sorted(f["fixed_in"][0] for f in data["findings"]) == ["2.5.3", "2.5.3"]
    # The index unreachable and nothing cached: the advisories' own fixed versions, a warning.
    import shutil

    shutil.rmtree(Path(os.environ["PIPWARDEN_HOME"]) / "cache")
    code, out, err = run(["audit", "requirements.txt", "--format", "json"], capsys)
    assert json.loads(out)["extra"]["packages"][0]["fix"] == "2.5.1"
    assert "release lists unavailable" in err


def test_same_package_at_two_versions_gets_its_own_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "a.txt").write_text("twoline==1.0\n")
    (project / "b.txt").write_text("twoline==2.1\n")
    code, out, _ = run(["audit", "a.txt", "b.txt", "--format", "json", "--offline"], capsys)
    rows = {(p["source"].rsplit("/", 1)[-1], p["version"]): p["fix"] for p in json.loads(out)["extra"]["packages"]}
    assert code == 1
    assert rows == {("a.txt", "1.0"): "1.5", ("b.txt", "2.1"): "2.2"}


def test_bad_fail_on_in_config(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "requirements.txt").write_text("webfw==2.5.1\n")
    (project / "pyproject.toml").write_text('[tool.pipwarden]\nfail-on = "severe"\n')
    code, out, err = run(["audit", "requirements.txt", "--offline"], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "pyproject.toml: tool.pipwarden" in err and "'severe'" in err
