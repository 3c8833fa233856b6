"""A package index on 127.0.0.1 serving the recorded responses in this folder.

- ``/pypi/<name>/json``     -> ``index/pypi/<name>/json`` (the project JSON API)
- ``/simple/<name>/``       -> ``index/simple/<name>/index.json`` (PEP 691 JSON)
- ``/integrity/...``        -> a provenance object given to the server (PEP 740)
- anything else             -> 404

``@@DAYS_AGO(n)@@`` in a recorded file becomes the ISO time n days before now, so that
"young project" answers stay young. Every request path is recorded in ``server.requests``.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

HERE = Path(__file__).resolve().parent
_DAYS_AGO = re.compile(r"@@DAYS_AGO\((\d+)\)@@")


def _render(text: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc)

    def repl(match: re.Match[str]) -> str:
        moment = now - datetime.timedelta(days=int(match.group(1)))
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    return _DAYS_AGO.sub(repl, text)


class IndexServer(ThreadingHTTPServer):
    requests: list[str]
    provenance: dict[str, bytes]


class _Handler(BaseHTTPRequestHandler):
    server: IndexServer

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        self.server.requests.append(path)
        parts = [p for p in path.split("/") if p]
        if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
            file = HERE / "index" / "pypi" / parts[1] / "json"
            if file.is_file():
                body = _render(file.read_text(encoding="utf-8")).encode()
                return self._send(200, body, "application/json")
        if len(parts) == 2 and parts[0] == "simple":
            file = HERE / "index" / "simple" / parts[1] / "index.json"
            if file.is_file():
                body = _render(file.read_text(encoding="utf-8")).encode()
                return self._send(200, body, "application/vnd.pypi.simple.v1+json")
        if parts and parts[0] == "integrity" and path in self.server.provenance:
            return self._send(200, self.server.provenance[path], "application/json")
        return self._send(404, b'{"message": "Not Found"}', "application/json")


@contextmanager
def serve(provenance: dict[str, bytes] | None = None) -> Iterator[IndexServer]:
    server = IndexServer(("127.0.0.1", 0), _Handler)
    server.requests = []
    server.provenance = provenance or {}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def simple_url(server: IndexServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}/simple/"
