"""verify of requirements files: hashes against a real local index, dependency confusion,
and PEP 740 provenance with the real attestations in ../shared/data/attestations."""

from __future__ import annotations

import base64
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import data_file
from pipwarden.cli import main
from pipwarden.models import Report, Severity
from pipwarden.report import render
from pipwarden.settings import VerifySettings, home
from pipwarden.verify.index import IndexClient, ProjectPage, parse_html_page, parse_json_page
from pipwarden.verify.provenance import Memory, verify_file
from pipwarden.verify_app import run
from test_verify_helpers import IndexServer

A_WHL = "a" * 64
A_SDIST = "b" * 64
BETA = "c" * 64
WRONG = "f" * 64


@pytest.fixture(autouse=True)
def pip_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's configuration under the test's control (no user or site config files)."""
    monkeypatch.setenv("HOME", str(tmp_path / "userhome"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("XDG_CONFIG_DIRS", str(tmp_path / "xdgdirs"))
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)


@pytest.fixture
def main_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[IndexServer]:
    server = IndexServer()
    server.add("alpha", "alpha-1.0-py3-none-any.whl", A_WHL)
    server.add("alpha", "alpha-1.0.tar.gz", A_SDIST)
    server.add("alpha", "alpha-0.9.tar.gz", WRONG[:-1] + "0")
    server.add("beta", "beta-2.0.tar.gz", BETA)
    server.start()
    monkeypatch.setenv("PIP_INDEX_URL", server.url)
    yield server
    server.stop()


@pytest.fixture
def extra_index() -> Iterator[IndexServer]:
    server = IndexServer()
    server.add("beta", "beta-99.0.tar.gz", "d" * 64)
    server.start()
    yield server
    server.stop()


def _req(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return path


def _found(report: Report) -> set[tuple[str, str | None, Severity]]:
    return {(f.id, f.package, f.severity) for f in report.findings}


# --- hashes and confusion --------------------------------------------------------------------


def test_wrong_hash_and_shared_name_on_extra_index(
    tmp_path: Path, home: Path, main_index: IndexServer, extra_index: IndexServer
) -> None:
    req = _req(tmp_path, (
        f"--extra-index-url {extra_index.url}\n"
        f"alpha==1.0 --hash=sha256:{A_WHL} --hash=sha256:{WRONG}\n"
        f"beta==2.0 --hash=sha256:{BETA}\n"
    ))
    report = run(VerifySettings(paths=(str(req),)))
    assert report.unchecked == ()
    by_id = {f.id: f for f in report.findings}
    assert set(by_id) == {"hash-mismatch", "dependency-confusion"}
    mismatch = by_id["hash-mismatch"]
    assert (mismatch.package, mismatch.version, mismatch.severity) == ("alpha", "1.0", Severity.HIGH)
    assert mismatch.check == "hash" and mismatch.file == str(req) and mismatch.line == 2
    assert f"sha256:{WRONG[:16]}" in mismatch.summary
    assert "matches none of the 2 files" in mismatch.summary
    confusion = by_id["dependency-confusion"]
    assert confusion.package == "beta" and confusion.check == "confusion"
    assert main_index.url in confusion.summary and extra_index.url in confusion.summary
    assert "latest 99.0" in confusion.summary
    # beta's hash matched, so pip cannot be tricked into the other file: low
    assert confusion.severity is Severity.LOW
    assert report.exit_code == 1
    # both indexes were asked in the PEP 691 JSON form
    assert "/simple/alpha/" in main_index.requests and "/simple/beta/" in extra_index.requests
    line = render(report, "table").splitlines()[0]
    assert line == ("verified 2 distributions: 0 ok, 1 hash mismatch, "
                    "1 name on several indexes, 2 unattested")


def test_confusion_without_hashes_is_high_and_missing_hashes_listed(
    tmp_path: Path, home: Path, main_index: IndexServer, extra_index: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", extra_index.url)  # from pip's configuration
    req = _req(tmp_path, "alpha==1.0\nbeta==2.0\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert _found(report) == {
        ("missing-hash", "alpha", Severity.LOW),
        ("missing-hash", "beta", Severity.LOW),
        ("dependency-confusion", "beta", Severity.HIGH),
    }
    hint = next(f for f in report.findings if f.id == "missing-hash").summary
    assert "pip-compile --generate-hashes" in hint and "uv pip compile --generate-hashes" in hint


def test_hash_of_another_version_and_unknown_project(
    tmp_path: Path, home: Path, main_index: IndexServer
) -> None:
    req = _req(tmp_path, (
        f"alpha==1.0 --hash=sha256:{WRONG[:-1]}0\n"
        f"nothere==1.0 --hash=sha256:{A_WHL}\n"
    ))
    report = run(VerifySettings(paths=(str(req),)))
    summaries = {f.package: f.summary for f in report.findings if f.id == "hash-mismatch"}
    assert "it is the hash of alpha-0.9.tar.gz" in summaries["alpha"]
    assert "nothere is not on" in summaries["nothere"]


def test_pin_without_hashes_that_no_index_serves_is_not_ok(
    tmp_path: Path, home: Path, main_index: IndexServer
) -> None:
    """A format without hashes (pyproject.toml): nothing could be verified for a version that
    no index serves, so it is unchecked, never ok."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["nothere==1.0", "alpha==1.0"]\n'
    )
    report = run(VerifySettings(paths=(str(pyproject),)))
    assert any("nothere==1.0" in u for u in report.unchecked)
    assert not any("alpha" in u for u in report.unchecked)
    assert report.extra["ok"] == 0 and report.exit_code == 2


def test_all_hashes_ok_and_html_index(tmp_path: Path, home: Path, main_index: IndexServer) -> None:
    main_index.html_only = True
    req = _req(tmp_path, f"alpha==1.0 --hash=sha256:{A_WHL} --hash=sha256:{A_SDIST}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == ()
    assert report.unchecked == ()
    assert report.extra["unattested"] == ["alpha 1.0"]
    assert report.exit_code == 0


def test_unreachable_index_is_unchecked_exit_2(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{port}/simple/")
    req = _req(tmp_path, f"alpha==1.0 --hash=sha256:{A_WHL}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == ()
    assert report.exit_code == 2
    assert report.extra["ok"] == 0
    assert any("cannot connect" in u for u in report.unchecked)


def test_offline_checks_what_it_can_and_fails_closed(tmp_path: Path, home: Path) -> None:
    req = _req(tmp_path, f"alpha==1.0 --hash=sha256:{A_WHL}\nbeta==2.0\n")
    report = run(VerifySettings(paths=(str(req),), offline=True))
    assert _found(report) == {("missing-hash", "beta", Severity.MODERATE)}
    assert report.exit_code == 2
    assert any("--offline" in u for u in report.unchecked)


def test_local_file_index_hashes_files(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "localindex" / "alpha"
    project.mkdir(parents=True)
    (project / "alpha-1.0.tar.gz").write_bytes(b"sdist bytes")
    (project / "index.html").write_text('<a href="alpha-1.0.tar.gz">alpha-1.0.tar.gz</a>')
    monkeypatch.setenv("PIP_INDEX_URL", (tmp_path / "localindex").as_uri())
    import hashlib

    good = hashlib.sha256(b"sdist bytes").hexdigest()
    req = _req(tmp_path, f"alpha==1.0 --hash=sha256:{good}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == () and report.unchecked == ()
    req.write_text(f"alpha==1.0 --hash=sha256:{WRONG}\n")
    assert {f.id for f in run(VerifySettings(paths=(str(req),))).findings} == {"hash-mismatch"}


def test_no_index_with_local_find_links(
    tmp_path: Path, home: Path, main_index: IndexServer
) -> None:
    """``--no-index --find-links DIR``: pip never asks an index, so the hashes are checked
    against the files in DIR, not reported as tampered because an index lacks them."""
    import hashlib

    links = tmp_path / "wheels"
    links.mkdir()
    (links / "gamma-1.0.tar.gz").write_bytes(b"local sdist")
    good = hashlib.sha256(b"local sdist").hexdigest()
    req = _req(tmp_path, f"--no-index\n--find-links ./wheels\ngamma==1.0 --hash=sha256:{good}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == () and report.unchecked == ()
    assert "/simple/gamma/" not in main_index.requests
    req.write_text(f"--no-index\n--find-links ./wheels\ngamma==1.0 --hash=sha256:{WRONG}\n")
    assert {f.id for f in run(VerifySettings(paths=(str(req),))).findings} == {"hash-mismatch"}


def test_page_parsers() -> None:
    files = parse_json_page(json.dumps({"files": [
        {"filename": "x-1.0-py3-none-any.whl", "url": "../../f/x.whl",
         "hashes": {"sha256": "AB"}, "provenance": None, "yanked": "bad"},
        {"filename": "x-1.1.tar.gz", "url": "https://files.index.invalid/x-1.1.tar.gz",
         "hashes": {}},
    ]}), "https://index.invalid/simple/x/")
    assert files[0].url == "https://index.invalid/f/x.whl"
    assert files[0].hash("sha256") == "ab" and files[0].yanked
    assert files[0].provenance_offered and files[0].provenance_url is None
    assert not files[1].provenance_offered and str(files[1].version) == "1.1"
    html = parse_html_page(
        '<a href="/p/x-1.0.tar.gz#sha256=CD" data-provenance="/prov">x-1.0.tar.gz</a>',
        "https://index.invalid/simple/x/",
    )
    assert html[0].hash("sha256") == "cd"
    assert html[0].url == "https://index.invalid/p/x-1.0.tar.gz"
    assert html[0].provenance_url == "https://index.invalid/prov"
    with pytest.raises(ValueError):
        parse_json_page("[]", "https://index.invalid/simple/x/")
    assert IndexClient.project_url("https://index.invalid/simple", "Foo_Bar") == (
        "https://index.invalid/simple/foo-bar/"
    )


# --- provenance with the real attestations ------------------------------------------------------


def _manifest() -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(data_file("attestations/manifest.json").read_text())
    return data


def _real_provenance() -> dict[str, Any]:
    text = data_file("attestations/pypi_attestations-0.0.19.tar.gz.provenance").read_text()
    data: dict[str, Any] = json.loads(text)
    return data


def _gitlab_provenance(publisher: dict[str, Any] | None = None) -> dict[str, Any]:
    text = data_file("attestations/gitlab_oidc_project-0.0.3.tar.gz.publish.attestation").read_text()
    return {"version": 1, "attestation_bundles": [{
        "publisher": publisher or {"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                                   "workflow_filepath": ".gitlab-ci.yml"},
        "attestations": [json.loads(text)],
    }]}


@pytest.fixture
def attested(monkeypatch: pytest.MonkeyPatch) -> Iterator[IndexServer]:
    gh, gl = _manifest()
    server = IndexServer()
    server.add("pypi-attestations", gh["filename"], gh["sha256"], _real_provenance())
    server.add("gitlab-oidc-project", gl["filename"], gl["sha256"], _gitlab_provenance())
    server.start()
    monkeypatch.setenv("PIP_INDEX_URL", server.url)
    yield server
    server.stop()


def test_valid_attestations_verify_offline_and_are_remembered(
    tmp_path: Path, home: Path, attested: IndexServer
) -> None:
    gh, gl = _manifest()
    req = _req(tmp_path, (
        f"pypi-attestations==0.0.19 --hash=sha256:{gh['sha256']}\n"
        f"gitlab-oidc-project==0.0.3 --hash=sha256:{gl['sha256']}\n"
    ))
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == () and report.unchecked == ()
    assert report.exit_code == 0
    assert report.extra["publishers"] == {
        "pypi-attestations 0.0.19": ["GitHub trailofbits/pypi-attestations @ release.yml"],
        "gitlab-oidc-project 0.0.3": ["GitLab facutuesca/gitlab-oidc-project @ .gitlab-ci.yml"],
    }
    assert render(report, "table").splitlines()[0] == "verified 2 distributions: 2 ok"
    provenance_paths = [p for p in attested.requests if p.startswith("/integrity/")]
    assert len(provenance_paths) == 2
    memory = Memory(home / "provenance.sqlite")
    assert memory.seen("pypi-attestations") == {
        "GitHub trailofbits/pypi-attestations @ release.yml": ["0.0.19"]
    }
    memory.close()


def test_integrity_api_fallback(tmp_path: Path, home: Path, attested: IndexServer) -> None:
    attested.integrity_api_only = True
    gh = _manifest()[0]
    req = _req(tmp_path, f"pypi-attestations==0.0.19 --hash=sha256:{gh['sha256']}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert report.findings == () and report.exit_code == 0
    assert any(p.startswith("/integrity/pypi-attestations/0.0.19/") for p in attested.requests)


def test_wrong_digest(tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    gh = _manifest()[0]
    forged = ("0" if gh["sha256"][0] != "0" else "1") + gh["sha256"][1:]
    server = IndexServer()
    server.add("pypi-attestations", gh["filename"], forged, _real_provenance())
    server.start()
    try:
        monkeypatch.setenv("PIP_INDEX_URL", server.url)
        req = _req(tmp_path, f"pypi-attestations==0.0.19 --hash=sha256:{forged}\n")
        report = run(VerifySettings(paths=(str(req),)))
    finally:
        server.stop()
    assert _found(report) == {("provenance-invalid", "pypi-attestations", Severity.HIGH)}
    finding = report.findings[0]
    assert "subject does not match distribution digest" in finding.summary
    assert finding.file == gh["filename"] and finding.check == "provenance"
    assert report.exit_code == 1


def test_wrong_publisher_in_provenance(
    tmp_path: Path, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gl = _manifest()[1]
    wrong = _gitlab_provenance({"kind": "GitLab", "repository": "facutuesca/gitlab-oidc-project",
                                "workflow_filepath": "release.yml"})
    server = IndexServer()
    server.add("gitlab-oidc-project", gl["filename"], gl["sha256"], wrong)
    server.start()
    try:
        monkeypatch.setenv("PIP_INDEX_URL", server.url)
        req = _req(tmp_path, "gitlab-oidc-project==0.0.3\n")
        report = run(VerifySettings(paths=(str(req),)))
    finally:
        server.stop()
    assert _found(report) == {
        ("missing-hash", "gitlab-oidc-project", Severity.LOW),
        ("provenance-invalid", "gitlab-oidc-project", Severity.HIGH),
    }


def test_publisher_differs_from_remembered_one(
    tmp_path: Path, home: Path, attested: IndexServer
) -> None:
    memory = Memory(home / "provenance.sqlite")
    memory.remember("pypi-attestations", "0.0.18", "pypi_attestations-0.0.18.tar.gz",
                    ("GitHub someone/fork @ release.yml",))
    memory.close()
    gh = _manifest()[0]
    req = _req(tmp_path, f"pypi-attestations==0.0.19 --hash=sha256:{gh['sha256']}\n")
    report = run(VerifySettings(paths=(str(req),)))
    assert _found(report) == {("provenance-changed", "pypi-attestations", Severity.HIGH)}
    summary = report.findings[0].summary
    assert "signed by GitHub trailofbits/pypi-attestations @ release.yml" in summary
    assert "someone/fork" in summary
    # a changed identity is not remembered: it keeps being reported
    assert run(VerifySettings(paths=(str(req),))).findings[0].id == "provenance-changed"


def test_missing_attestation_after_attested_release(
    tmp_path: Path, home: Path, attested: IndexServer
) -> None:
    gh = _manifest()[0]
    first = _req(tmp_path, f"pypi-attestations==0.0.19 --hash=sha256:{gh['sha256']}\n")
    assert run(VerifySettings(paths=(str(first),))).exit_code == 0
    attested.add("pypi-attestations", "pypi_attestations-0.0.20.tar.gz", "e" * 64, None)
    later = _req(tmp_path, f"pypi-attestations==0.0.20 --hash=sha256:{'e' * 64}\n")
    report = run(VerifySettings(paths=(str(later),)))
    assert _found(report) == {("provenance-changed", "pypi-attestations", Severity.HIGH)}
    assert "0.0.20 has no attestations, but 0.0.19 was attested by GitHub trailofbits" in (
        report.findings[0].summary
    )
    # an older, never-attested release is merely unattested
    attested.add("pypi-attestations", "pypi_attestations-0.0.1.tar.gz", "9" * 64, None)
    old = _req(tmp_path, f"pypi-attestations==0.0.1 --hash=sha256:{'9' * 64}\n")
    report = run(VerifySettings(paths=(str(old),)))
    assert report.findings == () and report.extra["unattested"] == ["pypi-attestations 0.0.1"]


def test_cli_json_output(
    tmp_path: Path, home: Path, main_index: IndexServer, capsys: pytest.CaptureFixture[str]
) -> None:
    req = _req(tmp_path, f"alpha==1.0 --hash=sha256:{WRONG}\n")
    assert main(["verify", str(req), "--format", "json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["command"] == "verify"
    finding = data["findings"][0]
    assert (finding["kind"], finding["check"], finding["severity"]) == ("integrity", "hash", "high")
    assert finding["file"] == str(req)
    assert data["extra"]["distributions"] == 1 and data["extra"]["ok"] == 0


def test_binding_check_without_pypi_attestations(monkeypatch: pytest.MonkeyPatch) -> None:
    gh = _manifest()[0]
    monkeypatch.setitem(sys.modules, "pypi_attestations", None)  # import fails
    ok = verify_file(_real_provenance(), gh["filename"], gh["sha256"])
    assert ok.error is None and ok.unchecked and "pipwarden[attestations]" in ok.unchecked
    assert ok.identities == ("GitHub trailofbits/pypi-attestations @ release.yml",)
    bad = verify_file(_real_provenance(), gh["filename"], "0" * 64)
    assert bad.error == "subject does not match distribution digest"


def test_statement_really_binds_the_digest() -> None:
    """Guard for the fixture: the real attestation names the manifest's digest."""
    gh = _manifest()[0]
    att = _real_provenance()["attestation_bundles"][0]["attestations"][0]
    statement = json.loads(base64.b64decode(att["envelope"]["statement"]))
    assert statement["subject"][0]["digest"]["sha256"] == gh["sha256"]
    assert home().name  # PIPWARDEN_HOME resolution works without the fixture too


def test_old_style_file_names_match_their_version() -> None:
    page = ProjectPage("https://index.invalid/simple/", "foo-bar", "u", True, tuple(
        parse_html_page(
            '<a href="/p/Foo_Bar-1.0.tar.bz2#sha256=aa">Foo_Bar-1.0.tar.bz2</a>'
            '<a href="/p/foo_bar-1.0-py2.7.egg#sha256=bb">foo_bar-1.0-py2.7.egg</a>'
            '<a href="/p/foo_bar-1.0-py3-none-any.whl#sha256=cc">foo_bar-1.0-py3-none-any.whl</a>'
            '<a href="/p/foo_bar-1.1.tar.gz#sha256=dd">foo_bar-1.1.tar.gz</a>',
            "https://index.invalid/simple/foo-bar/",
        )
    ))
    assert sorted(f.hash("sha256") or "" for f in page.files_for("1.0")) == ["aa", "bb", "cc"]
    assert [f.hash("sha256") for f in page.files_for("1.1")] == ["dd"]
    assert page.files_for("not a version") == []
