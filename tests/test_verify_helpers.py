"""Test helpers for verify: build real wheels by hand and install them into a real venv.

(No tests here; imported by the other test_verify_* modules and benchmarks/bench_verify.py.)
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import threading
import venv
import zipfile
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_wheel(directory: Path, name: str, version: str, files: dict[str, str | bytes]) -> Path:
    """A minimal valid wheel (purelib, py3-none-any) holding ``files``; returns its path."""
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    contents: dict[str, bytes] = {
        path: (data.encode() if isinstance(data, str) else data) for path, data in files.items()
    }
    contents[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\nSummary: test\n\n"
    ).encode()
    contents[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: pipwarden-tests\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record_lines = [f"{p},{_record_hash(d)},{len(d)}" for p, d in contents.items()]
    record_lines.append(f"{info}/RECORD,,")
    contents[f"{info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()
    path = directory / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for member, data in contents.items():
            archive.writestr(member, data)
    return path


def make_venv(path: Path) -> Path:
    """A real virtual environment without pip (fast); returns its interpreter."""
    venv.EnvBuilder(with_pip=False, symlinks=True).create(path)
    return path / "bin" / "python"


def pip_install(python: Path, wheel_dir: Path, *args: str) -> None:
    """``pip install --no-index --find-links`` into ``python``'s environment (pip runs outside)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
         "--disable-pip-version-check", "--no-index", "--find-links", str(wheel_dir), *args],
        check=True, capture_output=True, timeout=600,
    )


def site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    )
    return Path(out.stdout.strip())


# --- a real local index: simple API (PEP 691 JSON / PEP 503 HTML) and PEP 740 provenance -----


@dataclass
class ServedFile:
    filename: str
    sha256: str
    provenance: dict[str, Any] | None = None


@dataclass
class IndexServer:
    """An index on 127.0.0.1 in a thread. ``projects``: canonical name -> served files."""

    projects: dict[str, list[ServedFile]] = field(default_factory=dict)
    html_only: bool = False  # speak PEP 503 HTML only
    integrity_api_only: bool = False  # no ``provenance`` key: clients must ask /integrity/
    requests: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    def add(self, name: str, filename: str, sha256: str,
            provenance: dict[str, Any] | None = None) -> None:
        self.projects.setdefault(name, []).append(ServedFile(filename, sha256, provenance))

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/simple/"

    def _integrity_path(self, name: str, file: ServedFile) -> str:
        version = file.filename[len(name) + 1:].split("-")[0].removesuffix(".tar.gz")
        return f"/integrity/{name}/{version}/{file.filename}/provenance"

    def start(self) -> IndexServer:
        index = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                index.requests.append(self.path)
                parts = [p for p in self.path.split("/") if p]
                if len(parts) == 2 and parts[0] == "simple":
                    files = index.projects.get(parts[1])
                    if files is None:
                        self._send(404, b"not found", "text/plain")
                        return
                    accept = self.headers.get("Accept", "")
                    if "application/vnd.pypi.simple.v1+json" in accept and not index.html_only:
                        entries = []
                        for f in files:
                            entry: dict[str, Any] = {
                                "filename": f.filename, "url": f"/files/{f.filename}",
                                "hashes": {"sha256": f.sha256},
                            }
                            if not index.integrity_api_only:
                                entry["provenance"] = (
                                    index._integrity_path(parts[1], f) if f.provenance else None
                                )
                            entries.append(entry)
                        body = json.dumps({"meta": {"api-version": "1.1"}, "name": parts[1],
                                           "files": entries}).encode()
                        self._send(200, body, "application/vnd.pypi.simple.v1+json")
                    else:
                        links = "".join(
                            f'<a href="/files/{f.filename}#sha256={f.sha256}">{f.filename}</a>\n'
                            for f in files
                        )
                        self._send(200, f"<html><body>{links}</body></html>".encode(),
                                   "text/html")
                    return
                if parts and parts[0] == "integrity":
                    for name, files in index.projects.items():
                        for f in files:
                            if f.provenance and index._integrity_path(name, f) == self.path:
                                self._send(200, json.dumps(f.provenance).encode(),
                                           "application/vnd.pypi.integrity.v1+json")
                                return
                self._send(404, b"not found", "text/plain")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server = self._server
        threading.Thread(target=lambda: server.serve_forever(poll_interval=0.05), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
