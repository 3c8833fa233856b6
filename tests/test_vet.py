"""``pipwarden vet`` end to end: a store built from test OSV records and a small popular list,
and a local index on 127.0.0.1 serving recorded JSON (PIP_INDEX_URL points at it)."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from conftest import ASSETS
from pipwarden.advisories.importer import update
from pipwarden.cli import main

VET = ASSETS / "vet"


def _load_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vet_index_server", VET / "index_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["vet_index_server"] = module
    spec.loader.exec_module(module)
    return module


server_mod = _load_server()


@pytest.fixture(scope="module")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("vet-home")
    update(home / "advisories.sqlite", osv=str(VET / "osv"), popular=str(VET / "popular.json"))
    return home


@pytest.fixture
def vet_home(built_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("PIPWARDEN_HOME", str(built_home))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)  # no pip.conf of this machine
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    (built_home / "cache.sqlite").unlink(missing_ok=True)
    return built_home


@pytest.fixture
def index(vet_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    with server_mod.serve() as server:
        monkeypatch.setenv("PIP_INDEX_URL", server_mod.simple_url(server))
        yield server


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["vet", *args])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(capsys, *args, "--format", "json")
    return code, json.loads(out)


def verdicts(report: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: p["verdict"] for p in report["extra"]["packages"]}


def test_table_one_line_per_package(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "requests==2.32.3", "reqeusts")
    lines = out.splitlines()
    assert lines[0].split() == ["requests", "2.32.3", "OK"]
    name, version, verdict, reasons = lines[1].split(maxsplit=3)
    assert (name, version, verdict) == ("reqeusts", "1.0.0", "BLOCK")
    assert reasons.startswith("looks like requests (letters swapped); ")
    assert "first release 2 days ago" in lines[1]
    assert "no source repository" in lines[1]
    assert code == 1


def test_verbose_shows_every_signal(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "requests==2.32.3", "-v")
    assert code == 0
    for signal in ("popularity", "age", "releases", "cooldown", "maintainers", "repository"):
        assert f" {signal}: " in out, signal
    assert "1.3B downloads/month (rank 3)" in out


def test_json_contract(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = as_json(capsys, "reqeusts", "requests==2.32.3", "no-such-project")
    assert code == 1
    assert report["command"] == "vet" and report["schema_version"] == 1
    assert verdicts(report) == {
        "reqeusts": "BLOCK",
        "requests": "OK",
        "no-such-project": "BLOCK",
    }
    kinds = {(f["kind"], f["package"]) for f in report["findings"]}
    assert ("typosquat", "reqeusts") in kinds
    assert ("reputation", "reqeusts") in kinds
    assert ("reputation", "no-such-project") in kinds
    squat = next(f for f in report["findings"] if f["kind"] == "typosquat")
    assert squat["imitates"] == "requests" and squat["severity"] == "high"
    assert squat["version"] == "1.0.0"
    missing = next(p for p in report["extra"]["packages"] if p["name"] == "no-such-project")
    assert missing["reasons"] == ["no such project on the index"]
    assert report["extra"]["reputation_checked"] is True


def test_offline_uses_the_store_only(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "requests==2.32.3", "reqeusts", "--offline")
    assert index.requests == []
    assert "reputation not checked" in out
    assert "reputation was not checked" in err
    assert code == 1  # the typosquat alone blocks
    code, out, _ = run(capsys, "requests==2.32.3", "--offline")
    assert code == 0 and out.splitlines()[0].split() == ["requests", "2.32.3", "OK"]


def test_malicious_project(vet_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = as_json(capsys, "evilpkg", "--offline")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["kind"], finding["id"], finding["severity"]) == (
        "malicious", "MAL-2099-0001", "critical"
    )
    assert verdicts(report) == {"evilpkg": "BLOCK"}


def test_compromised_release_matches_only_its_versions(
    vet_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = as_json(capsys, "ultralytics==8.3.41", "ultralytics==8.3.40", "--offline")
    bad = [f for f in report["findings"] if f["kind"] == "malicious"]
    assert [(f["package"], f["version"]) for f in bad] == [("ultralytics", "8.3.41")]
    assert code == 1
    # no version: the name is not malicious, but the user is told to pin one
    code, report = as_json(capsys, "ultralytics", "--offline")
    assert report["findings"] == []
    [package] = report["extra"]["packages"]
    assert package["verdict"] == "REVIEW"
    assert "some releases were malicious (MAL-2099-0002)" in package["reasons"][0]


def test_latest_release_checked_online(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # online, a bare name is judged at the index's latest version (8.3.41: compromised)
    code, report = as_json(capsys, "ultralytics")
    bad = [f for f in report["findings"] if f["kind"] == "malicious"]
    assert [(f["package"], f["version"]) for f in bad] == [("ultralytics", "8.3.41")]
    assert verdicts(report) == {"ultralytics": "BLOCK"} and code == 1


def test_fail_on_and_review(index: Any, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = as_json(capsys, "oldlib")
    [package] = report["extra"]["packages"]
    assert package["verdict"] == "REVIEW"
    assert "project is archived: no longer maintained" in package["reasons"]
    assert "only an sdist (installing it runs its build code)" in package["reasons"]
    assert code == 1  # REVIEW findings are low: the default --fail-on low trips
    code, _ = as_json(capsys, "oldlib", "--fail-on", "moderate")
    assert code == 0


def test_usage_errors(vet_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "requests>=2", "--offline")
    assert code == 2
    assert "argument 1 ('requests>=2'): only NAME or NAME==VERSION can be vetted" in err
    code, _, err = run(capsys, "not a name!", "--offline")
    assert code == 2 and "argument 1" in err and "Traceback" not in err
    assert len([line for line in err.splitlines() if not line.startswith("hint:")]) == 1, err


def test_unreachable_index_is_an_error(
    vet_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{port}/simple/")
    code, report = as_json(capsys, "requests==2.32.3")
    assert code == 2
    assert report["unchecked"] and "reputation not checked" in report["warnings"][0]
    assert report["summary"]["partial"] is True


def test_missing_store(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "requests", "--offline")
    assert code == 2 and "no advisory store" in err


def test_known_vulnerabilities_of_a_pinned_version(
    vet_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = as_json(capsys, "leakyparser==1.0", "leakyparser==1.5", "--offline")
    assert code == 1
    [finding] = report["findings"]
    assert (finding["kind"], finding["id"], finding["version"], finding["severity"]) == (
        "vulnerability", "PYSEC-2099-1", "1.0", "high"
    )
    first, second = report["extra"]["packages"]
    assert first["verdict"] == "REVIEW"
    assert "1 known vulnerability (worst: high); fixed in 1.5" in first["reasons"]
    assert second["verdict"] == "OK"


def test_project_on_an_extra_index_exists(
    index: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """pip looks at every configured index: a project served only by the extra index (a
    private mirror, say) is not 'no such project'."""
    import http.server
    import threading

    class Empty(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_error(404)

        def log_message(self, *args: object) -> None:
            pass

    empty = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Empty)
    threading.Thread(target=empty.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("PIP_EXTRA_INDEX_URL", server_mod.simple_url(index))
        monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{empty.server_address[1]}/simple/")
        code, report = as_json(capsys, "requests==2.32.3", "no-such-project")
    finally:
        empty.shutdown()
        empty.server_close()
    assert verdicts(report) == {"requests": "OK", "no-such-project": "BLOCK"}
    assert code == 1
