"""pipwarden outdated: newer releases from the index's JSON API (127.0.0.1), cached, with the
updates that fix a vulnerability marked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipwarden.cli import main
from pipwarden.outdated import ReleaseIndex, latest
from test_install_support import (  # noqa: F401 - local_index is a fixture
    build_store,
    local_index_fixture,
    make_wheel,
    vuln_record,
)


def test_latest_skips_prereleases_unless_current_is_one() -> None:
    assert latest(["1.0", "1.1", "2.0b1"], "1.0") == "1.1"
    assert latest(["1.0", "2.0b1"], "1.0") is None
    assert latest(["2.0b1", "2.0b2"], "2.0b1") == "2.0b2"
    assert latest(["0.9"], "1.0") is None


def test_outdated_requirements_json_and_table(
    tmp_path: Path,
    local_index: tuple[Path, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index_dir, url = local_index
    for name, version in [
        ("beta", "1.0"),
        ("beta", "1.5"),
        ("beta", "2.0"),
        ("fresh", "3.0"),
        ("stuck", "1.0"),
        ("stuck", "1.1"),
    ]:
        make_wheel(index_dir, name, version)
    home = tmp_path / "home"
    osv = tmp_path / "osv"
    vuln_record(osv, "PYSEC-2026-1", "beta", fixed="1.5", severity="HIGH")
    vuln_record(osv, "PYSEC-2026-2", "stuck", fixed="9.0")
    build_store(home, osv)
    monkeypatch.setenv("PIPWARDEN_HOME", str(home))
    monkeypatch.setenv("PIP_INDEX_URL", url)
    req = tmp_path / "requirements.txt"
    req.write_text("beta==1.0\nfresh==3.0\nstuck==1.0\n")

    assert main(["outdated", str(req)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "outdated: 2 of 3 packages have newer releases; 1 of these updates fix known vulnerabilities"
    )
    assert out[1].split() == ["beta", "1.0", "->", "2.0", "fixes", "PYSEC-2026-1"]
    assert out[2].split()[:4] == ["stuck", "1.0", "->", "1.1"]
    assert "still affected: PYSEC-2026-2" in out[2]

    assert main(["outdated", str(req), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    rows = {r["name"]: r for r in data["extra"]["outdated"]}
    assert rows["beta"]["fixes_vulnerabilities"] == ["PYSEC-2026-1"]
    assert set(rows) == {"beta", "stuck"}

    # The release lists are cached: offline, with the index emptied, the answer is the same.
    for wheel in index_dir.iterdir():
        wheel.unlink()
    assert main(["outdated", str(req), "--offline"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:4] == ["beta", "1.0", "->", "2.0"]


def test_offline_without_cache_warns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIPWARDEN_HOME", str(tmp_path))
    index = ReleaseIndex(offline=True, base="http://index.invalid/pypi/")
    assert index.versions("anything") is None
    assert index.errors == ["anything: no cached release list (--offline)"]


def test_unreachable_index_is_not_reported_as_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PIPWARDEN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PIP_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # nothing listens
    req = tmp_path / "requirements.txt"
    req.write_text("beta==1.0\ngamma==2.0\n")
    assert main(["outdated", str(req)]) == 2
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0] == (
        "outdated: 0 of 2 packages have newer releases; 2 could not be checked"
    )
    errors = [line for line in captured.err.splitlines() if "cannot connect" in line]
    assert len(errors) == 2  # one per package, asked once
