"""Reputation signals: parsing recorded index JSON, judging it, fetching it from a local index
on 127.0.0.1 (through net.py) and caching it for a day."""

from __future__ import annotations

import datetime
import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from conftest import ASSETS, data_file
from pipwarden import net
from pipwarden.cache import DAY, Cache
from pipwarden.checks import reputation as rep
from pipwarden.errors import NetworkError
from pipwarden.models import Severity

VET = ASSETS / "vet"
NOW = datetime.datetime(2025, 1, 15, tzinfo=datetime.timezone.utc)


def _load_server() -> ModuleType:
    spec = importlib.util.spec_from_file_location("vet_index_server", VET / "index_server.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["vet_index_server"] = module
    spec.loader.exec_module(module)
    return module


server_mod = _load_server()


def recorded(name: str) -> dict[str, object]:
    text = (VET / "index" / "pypi" / name / "json").read_text(encoding="utf-8")
    return json.loads(text.replace("@@DAYS_AGO(2)@@", "2025-01-13T00:00:00Z"))  # type: ignore[no-any-return]


def by_name(signals: list[rep.Signal]) -> dict[str, list[rep.Signal]]:
    out: dict[str, list[rep.Signal]] = {}
    for s in signals:
        out.setdefault(s.name, []).append(s)
    return out


# --- parsing and judging -----------------------------------------------------------------------


def test_parse_resolves_relative_file_urls() -> None:
    url = "http://127.0.0.1:9/pypi/requests/json"
    info = rep.parse_project(recorded("requests"), url)
    wheel = info.releases["2.32.3"][0]
    assert wheel.url == "http://127.0.0.1:9/packages/f9/9b/requests-2.32.3-py3-none-any.whl"
    assert info.releases["2.31.0"][0].url.startswith("https://files.index.invalid/")
    assert info.latest == "2.32.3"
    assert info.authors[0] == "Kenneth Reitz"
    assert info.license == "Apache-2.0"


def test_established_project_is_ok() -> None:
    info = rep.parse_project(recorded("requests"), "http://127.0.0.1:9/pypi/requests/json")
    signals = rep.signals(info, "2.32.3", now=NOW)
    assert rep.verdict(signals) == rep.OK, signals
    got = by_name(signals)
    assert "2011-02-14" in got["age"][0].text
    assert got["repository"][0].text == "source https://github.com/psf/requests"
    assert got["wheels"][0].level == rep.OK
    assert any("yanked" in s.text for s in got["yanked"])  # 2.32.0 was yanked: noted, not held
    assert rep.findings("requests", "2.32.3", signals) == []


def test_young_sdist_only_project_without_repository() -> None:
    info = rep.parse_project(recorded("reqeusts"), "http://127.0.0.1:9/pypi/reqeusts/json")
    signals = rep.signals(info, None, now=NOW)
    got = by_name(signals)
    assert got["age"][0].level == rep.REVIEW and "2 days ago" in got["age"][0].text
    assert got["cooldown"][0].level == rep.REVIEW
    assert "cool-down 7 days" in got["cooldown"][0].text
    assert got["repository"][0].text == "no source repository"
    assert got["wheels"][0].level == rep.REVIEW
    assert got["maintainers"][0].level == rep.REVIEW
    assert rep.verdict(signals) == rep.REVIEW
    found = rep.findings("reqeusts", "1.0.0", signals)
    assert {f.signal for f in found} >= {"age", "cooldown", "repository", "wheels"}
    assert all(f.kind == "reputation" and f.severity is Severity.LOW for f in found)


def test_cooldown_is_a_setting() -> None:
    info = rep.parse_project(recorded("reqeusts"), "http://127.0.0.1:9/pypi/reqeusts/json")
    later = NOW + datetime.timedelta(days=3)  # 5 days after the release
    assert by_name(rep.signals(info, None, now=later, cooldown_days=7))["cooldown"][0].level == rep.REVIEW
    assert by_name(rep.signals(info, None, now=later, cooldown_days=3))["cooldown"][0].level == rep.OK


def test_yanked_version_and_missing_version() -> None:
    info = rep.parse_project(recorded("requests"), "http://127.0.0.1:9/pypi/requests/json")
    yanked = by_name(rep.signals(info, "2.32.0", now=NOW))["yanked"][0]
    assert yanked.level == rep.REVIEW and "CVE-2024-35195" in yanked.text
    missing = rep.signals(info, "9.9.9", now=NOW)
    assert rep.verdict(missing) == rep.BLOCK
    assert "no release 9.9.9" in by_name(missing)["version"][0].text


def test_version_is_matched_as_pep440_not_as_text() -> None:
    # pip installs 2.32.3 for ==2.32.3.0 (and 6.0 for ==6.0.0): not "no release"
    info = rep.parse_project(recorded("requests"), "http://127.0.0.1:9/pypi/requests/json")
    signals = rep.signals(info, "2.32.3.0", now=NOW)
    assert "version" not in by_name(signals), signals
    assert rep.verdict(signals) == rep.OK
    assert by_name(signals)["wheels"][0].level == rep.OK


def test_malformed_urls_from_the_index_do_not_crash() -> None:
    # project URLs are the author's metadata; urlsplit raises ValueError on "[" hosts
    data = {"info": {"name": "x", "version": "1.0", "author": "a",
                     "project_urls": {"Source": "https://[github.com/x/x"}},
            "releases": {}}
    info = rep.parse_project(data, "http://127.0.0.1:9/pypi/x/json")
    assert by_name(rep.signals(info, None, now=NOW))["repository"][0].text == (
        "no source repository")
    simple = {"files": [{"filename": "x-1.0.tar.gz", "provenance": "http://[::1/p"}]}
    merged = rep.merge_simple(info, simple, "http://127.0.0.1:9/simple/x/")
    assert merged.provenance_known


def test_project_status_markers() -> None:
    info = rep.parse_project(recorded("oldlib"), "http://127.0.0.1:9/pypi/oldlib/json")
    simple = json.loads((VET / "index/simple/oldlib/index.json").read_text(encoding="utf-8"))
    merged = rep.merge_simple(info, simple, "http://127.0.0.1:9/simple/oldlib/")
    status = by_name(rep.signals(merged, None, now=NOW))["status"][0]
    assert status.level == rep.REVIEW and status.text == "project is archived: no longer maintained"
    quarantined = rep.merge_simple(
        rep.parse_project(recorded("quarantined-pkg"), "http://127.0.0.1:9/pypi/q/json"),
        {"project-status": {"status": "quarantined"}, "files": []},
        "http://127.0.0.1:9/simple/q/",
    )
    assert rep.verdict(rep.signals(quarantined, None, now=NOW)) == rep.BLOCK


def test_missing_project_blocks() -> None:
    signals = rep.signals(rep.ProjectInfo(name="nope", exists=False), None, now=NOW)
    assert [(s.name, s.level) for s in signals] == [("exists", rep.BLOCK)]
    [finding] = rep.findings("nope", None, signals)
    assert finding.severity is Severity.HIGH and finding.verdict == rep.BLOCK


def test_repository_name_must_match() -> None:
    data = recorded("requests")
    info = rep.parse_project(data, "http://127.0.0.1:9/pypi/requests/json")
    other = rep.ProjectInfo(
        name="fancy-http",
        latest=info.latest,
        releases=info.releases,
        authors=info.authors,
        project_urls={"Source": "https://github.com/psf/requests"},  # star-jacking
        license="MIT",
    )
    repo = by_name(rep.signals(other, None, now=NOW))["repository"][0]
    assert repo.level == rep.REVIEW and "has another name" in repo.text


# --- fetching through a local index -------------------------------------------------------------


@pytest.fixture
def index_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    provenance_file = data_file("attestations/pypi_attestations-0.0.19.tar.gz.provenance")
    path = "/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance"
    with server_mod.serve({path: provenance_file.read_bytes()}) as server:
        monkeypatch.setenv("PIP_INDEX_URL", server_mod.simple_url(server))
        monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
        yield server


def test_fetch_project_with_provenance(index_server: object, tmp_path: Path) -> None:
    config = net.index_config()
    with Cache(tmp_path / "cache.sqlite") as cache:
        info = rep.fetch_project("pypi-attestations", index=config, cache=cache)
    assert info.exists and info.latest == "0.0.19"
    assert info.provenance_known
    assert info.publisher == "GitHub trailofbits/pypi-attestations"
    sdist = next(f for f in info.releases["0.0.19"] if f.packagetype == "sdist")
    assert sdist.provenance_url is not None and sdist.provenance_url.startswith("http://127.0.0.1:")
    assert sdist.url.startswith("http://127.0.0.1:")  # "/packages/..." resolved against the JSON URL
    prov = by_name(rep.signals(info, None, now=NOW))["provenance"][0]
    assert prov.text == "1/2 file(s) attested by GitHub trailofbits/pypi-attestations"


def test_fetch_is_cached_for_a_day(index_server: object, tmp_path: Path) -> None:
    requests_seen: list[str] = index_server.requests  # type: ignore[attr-defined]
    config = net.index_config()
    with Cache(tmp_path / "cache.sqlite") as cache:
        rep.fetch_project("requests", index=config, cache=cache)
        first = len(requests_seen)
        assert first >= 2  # project JSON and the simple page
        again = rep.fetch_project("requests", index=config, cache=cache)
        assert len(requests_seen) == first
        assert again.latest == "2.32.3"
    # an entry older than a day is not used
    with Cache(tmp_path / "cache.sqlite") as cache:
        key = f"application/json {net.json_api_base(config.index_url)}requests/json"
        assert cache.get(key) is not None
        assert cache.get(key, now=__import__("time").time() + DAY + 60) is None


def test_fetch_unknown_project(index_server: object, tmp_path: Path) -> None:
    with Cache(tmp_path / "cache.sqlite") as cache:
        info = rep.fetch_project("no-such-project", index=net.index_config(), cache=cache)
    assert not info.exists


def test_offline_never_connects(index_server: object) -> None:
    requests_seen: list[str] = index_server.requests  # type: ignore[attr-defined]
    from pipwarden.errors import NetworkError

    with pytest.raises(NetworkError, match="--offline"):
        rep.fetch_project("requests", index=net.index_config(), cache=None, offline=True)
    assert requests_seen == []


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    response = net.Response("http://127.0.0.1/x", 200, {"A": "b"}, b"body")
    with Cache(path) as cache:
        cache.put("http://127.0.0.1/x", response)
        assert cache.get("http://127.0.0.1/x") == response


def test_index_without_a_json_api_leaves_reputation_unchecked(tmp_path: Path) -> None:
    # many private mirrors serve only the simple API: a 404 from the JSON API there does not
    # mean "no such project" (which would BLOCK every package)
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            if self.path.rstrip("/") == "/simple/privatepkg":
                body, status = b"<html><body><a href='x.whl'>x.whl</a></body></html>", 200
            else:
                body, status = b"not found", 404
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        config = net.IndexConfig(f"http://127.0.0.1:{server.server_address[1]}/simple/", ())
        with Cache(tmp_path / "cache.sqlite") as cache:
            with pytest.raises(NetworkError, match="no JSON API"):
                rep.fetch_project("privatepkg", index=config, cache=cache)
            assert not rep.fetch_project("nothere", index=config, cache=cache).exists
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
