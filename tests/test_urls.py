"""Credentials in index URLs: sent as a header that a redirect drops, never printed or cached."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from pipwarden import net
from pipwarden.cache import Cache, cached_get
from pipwarden.errors import NetworkError
from pipwarden.urls import redact, split_auth


def test_split_auth_and_redact() -> None:
    clean, auth = split_auth("https://user%40corp:s%3Acret@index.invalid:8443/simple/")
    assert clean == "https://index.invalid:8443/simple/"
    assert auth == "Basic " + base64.b64encode(b"user@corp:s:cret").decode()
    assert split_auth("https://index.invalid/simple/") == ("https://index.invalid/simple/", None)
    assert redact("git+https://tok3n@host.invalid/r.git@v1") == "git+https://***@host.invalid/r.git@v1"
    assert redact("https://index.invalid/simple/") == "https://index.invalid/simple/"


class _Handler(BaseHTTPRequestHandler):
    seen: ClassVar[list[tuple[str, str | None]]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        _Handler.seen.append((self.path, self.headers.get("Authorization")))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}/other")
            self.end_headers()
            return
        if self.path == "/denied":
            self.send_response(401)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def server() -> Iterator[int]:
    httpd = HTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Handler.seen = []
    try:
        yield httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_credentials_go_in_a_header_that_redirects_drop(server: int, tmp_path: Path) -> None:
    base = f"http://alice:t0ken@127.0.0.1:{server}"
    assert net.get(f"{base}/simple/").body == b"ok"
    assert _Handler.seen[-1] == ("/simple/", "Basic " + base64.b64encode(b"alice:t0ken").decode())
    net.get(f"{base}/redirect")
    assert _Handler.seen[-2][1] is not None and _Handler.seen[-1] == ("/other", None)
    with pytest.raises(NetworkError) as caught:
        net.get(f"{base}/denied", retries=0)
    assert "t0ken" not in str(caught.value) and "401" in str(caught.value)
    with Cache(tmp_path / "cache.sqlite") as cache:
        cached_get(f"{base}/simple/", cache=cache)
    assert b"t0ken" not in (tmp_path / "cache.sqlite").read_bytes()
