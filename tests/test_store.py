"""Building the store: atomic import, hostile archives, status, schema version, HTTP sources."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import sqlite3
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from conftest import data_file
from pipwarden.advisories.importer import update
from pipwarden.advisories.store import Store
from pipwarden.cli import main
from pipwarden.errors import StoreError

RECORD = {
    "id": "PYSEC-9",
    "modified": "2024-01-01T00:00:00Z",
    "affected": [
        {"package": {"name": "demo", "ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "2.0"}]}]}
    ],
}


def make_zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_import_shared_zip_and_status(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    osv = data_file("osv-pypi/all.zip")
    popular = data_file("top-pypi-packages.json")
    assert main(["db", "update", "--osv", str(osv), "--popular", str(popular)]) == 0
    assert "imported 2661 advisories" in capsys.readouterr().out
    with Store.open(home / "advisories.sqlite") as store:
        counts = store.counts()
        assert (counts.advisories, counts.packages, counts.withdrawn, counts.popular) == (2661, 664, 10, 15000)
        assert next(iter(store.popular())) == "boto3"
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "2661 (10 withdrawn" in out and "15000 names" in out
    assert "no model of malware names" in out and "0 popular names under attack" in out
    # Same sources again: nothing to do.
    assert main(["db", "update", "--osv", str(osv), "--popular", str(popular)]) == 0
    assert "up to date" in capsys.readouterr().out


def test_osv_only_keeps_previous_popular_list(home: Path, tmp_path: Path) -> None:
    popular = tmp_path / "popular.json"
    popular.write_text(json.dumps({"rows": [{"project": "Requests", "download_count": 10}]}))
    src = tmp_path / "osv.zip"
    src.write_bytes(make_zip({"PYSEC-9.json": json.dumps(RECORD).encode()}))
    update(home / "advisories.sqlite", osv=str(src), popular=str(popular))
    record2 = dict(RECORD, id="PYSEC-10")
    src.write_bytes(make_zip({"PYSEC-10.json": json.dumps(record2).encode()}))
    result = update(home / "advisories.sqlite", osv=str(src))
    assert result.kept == ["popular names"]
    with Store.open(home / "advisories.sqlite") as store:
        assert store.popular() == {"requests": 10}
        assert store.advisory("PYSEC-10") is not None and store.advisory("PYSEC-9") is None


def test_yaml_directory_and_malformed_records(home: Path, tmp_path: Path) -> None:
    directory = tmp_path / "vulns" / "demo"
    directory.mkdir(parents=True)
    (directory / "PYSEC-9.yaml").write_text(
        "id: PYSEC-9\nmodified: 2024-01-01T00:00:00Z\naffected:\n- package: {name: demo, ecosystem: PyPI}\n"
        "  versions: ['1.0', '1.10']\n"
    )
    (directory / "broken.json").write_text("{not json")
    (directory / "bad-events.json").write_text(json.dumps(dict(RECORD, id="X-1", affected=[{"package": {"name": "x", "ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}]}]}])))
    result = update(home / "advisories.sqlite", osv=str(tmp_path / "vulns"))
    assert (result.advisories, result.malformed) == (1, 2)
    with Store.open(home / "advisories.sqlite") as store:
        advisory = store.advisory("PYSEC-9")
        assert advisory is not None and advisory.modified == "2024-01-01T00:00:00Z"  # not a datetime
        (_adv, affected), = store.advisories_for("demo")
        assert affected.key_string == " 1 1.10 "  # strings kept (not floats), PEP 440 keys


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 truncated", "not a zip archive"),
        (make_zip({"README.txt": b"hello"}), "no OSV records"),
        (make_zip({"a.json": b"[1, 2]", "b.json": b'{"x": 1}'}), "none of the 2 entries is an OSV record"),
        (make_zip({"../../evil.json": json.dumps(RECORD).encode()}), "path traversal"),
        (make_zip({"/abs.json": json.dumps(RECORD).encode()}), "path traversal"),
        (make_zip({"big.json": b" " * (40 * 1024 * 1024)}), "bytes uncompressed"),
    ],
)
def test_bad_archives_fail_cleanly_and_keep_the_old_store(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    good = tmp_path / "good.zip"
    good.write_bytes(make_zip({"PYSEC-9.json": json.dumps(RECORD).encode()}))
    update(home / "advisories.sqlite", osv=str(good))
    before = hashlib.sha256((home / "advisories.sqlite").read_bytes()).hexdigest()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(content)
    assert main(["db", "update", "--osv", str(bad)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1 and err.startswith("error: ")  # exactly one line
    assert hashlib.sha256((home / "advisories.sqlite").read_bytes()).hexdigest() == before
    assert sorted(p.name for p in home.iterdir()) == ["advisories.sqlite"]  # no leftovers


def test_truncated_zip_with_valid_header(home: Path, tmp_path: Path) -> None:
    data = make_zip({f"PYSEC-{i}.json": json.dumps(dict(RECORD, id=f"PYSEC-{i}")).encode() for i in range(50)})
    bad = tmp_path / "cut.zip"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(StoreError, match="zip"):
        update(home / "advisories.sqlite", osv=str(bad))
    assert not (home / "advisories.sqlite").exists()


def test_old_schema_is_rebuilt_not_misread(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = home / "advisories.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '0')")
    conn.close()
    assert main(["db", "status"]) == 2
    assert "another pipwarden version" in capsys.readouterr().err
    src = tmp_path / "osv.zip"
    src.write_bytes(make_zip({"PYSEC-9.json": json.dumps(RECORD).encode()}))
    update(path, osv=str(src))  # same sources as never imported: rebuilt
    with Store.open(path) as store:
        assert store.counts().advisories == 1


def test_missing_store_hint(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "status"]) == 2
    err = capsys.readouterr().err
    assert "no advisory store" in err and "pipwarden db update" in err


# --- downloads from a real HTTP server on 127.0.0.1 --------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[bytes, int | None]]] = {}

    def do_GET(self) -> None:
        body, length = self.routes.get(self.path, (b"", None))
        if not body:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(length if length is not None else len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, tuple[bytes, int | None]]]]:
    routes: dict[str, tuple[bytes, int | None]] = {}
    handler = type("Handler", (_Handler,), {"routes": routes})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", routes
    httpd.shutdown()
    httpd.server_close()


def test_download_whole_truncated_and_wrong_hash(
    home: Path, server: tuple[str, dict[str, tuple[bytes, int | None]]], capsys: pytest.CaptureFixture[str]
) -> None:
    base, routes = server
    archive = data_file("osv-pypi/all.zip").read_bytes()
    popular = data_file("top-pypi-packages.json").read_bytes()
    routes["/all.zip"] = (archive, None)
    routes["/popular.json"] = (popular, None)
    routes["/cut.zip"] = (archive[: len(archive) // 3], len(archive))  # connection ends early
    digest = hashlib.sha256(archive).hexdigest()

    assert main(["db", "update", "--osv", f"{base}/all.zip#sha256={digest}", "--popular", f"{base}/popular.json"]) == 0
    assert "imported 2661 advisories, 15000 popular names" in capsys.readouterr().out
    before = (home / "advisories.sqlite").read_bytes()

    assert main(["db", "update", "--force", "--osv", f"{base}/cut.zip"]) == 2
    assert "truncated" in capsys.readouterr().err
    assert main(["db", "update", "--force", "--osv", f"{base}/all.zip#sha256={'0' * 64}"]) == 2
    assert "sha256 mismatch" in capsys.readouterr().err
    assert main(["db", "update", "--force", "--osv", f"{base}/missing.zip"]) == 2
    assert "HTTP 404" in capsys.readouterr().err
    assert (home / "advisories.sqlite").read_bytes() == before


def test_audit_builds_a_missing_store_first(
    home: Path,
    tmp_path: Path,
    server: tuple[str, dict[str, tuple[bytes, int | None]]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pipwarden.advisories import importer

    base, routes = server
    routes["/osv/all.zip"] = (make_zip({"PYSEC-9.json": json.dumps(RECORD).encode()}), None)
    routes["/top.json"] = (json.dumps({"rows": [{"project": "demo", "download_count": 5}]}).encode(), None)
    monkeypatch.setattr(importer, "DEFAULT_OSV_URL", f"{base}/osv/all.zip")
    monkeypatch.setattr(importer, "DEFAULT_POPULAR_URL", f"{base}/top.json")
    req = tmp_path / "requirements.txt"
    req.write_text("demo==1.0\n")
    assert main(["audit", str(req)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("audited 1 package: 1 vulnerability in 1 package")
    assert "no advisory store yet: building it first" in err
    assert "downloading OSV advisories from" in err and "MB)" in err
    assert (home / "advisories.sqlite").is_file()
