"""Helpers for the install/rollback/fix tests: wheels built by the test, fast virtual envs.

``make_wheel`` follows pip's ``tests/lib/wheel.py``: a valid wheel (WHEEL, METADATA, RECORD with
hashes) from a dict of files. ``make_venv`` creates a venv without pip and makes the pip of the
running interpreter importable in it through a plain path ``.pth`` (no code runs at startup).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

_PIP_DIR: Path | None = None


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_wheel(
    directory: Path,
    name: str,
    version: str,
    *,
    files: dict[str, str | bytes] | None = None,
    requires: tuple[str, ...] = (),
    console_scripts: dict[str, str] | None = None,
    extra_dist_info: dict[str, str] | None = None,
    tag: str = "py3-none-any",
) -> Path:
    """Write ``name-version-tag.whl`` into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    dist = name.replace("-", "_")
    info = f"{dist}-{version}.dist-info"
    if files is None:
        files = {f"{dist}/__init__.py": f"__version__ = {version!r}\n"}
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    contents: dict[str, bytes] = {
        path: (data.encode() if isinstance(data, str) else data) for path, data in files.items()
    }
    contents[f"{info}/METADATA"] = ("\n".join(metadata) + "\n").encode()
    contents[f"{info}/WHEEL"] = (
        f"Wheel-Version: 1.0\nGenerator: make_wheel\nRoot-Is-Purelib: true\nTag: {tag}\n"
    ).encode()
    if console_scripts:
        lines = ["[console_scripts]"] + [f"{k} = {v}" for k, v in console_scripts.items()]
        contents[f"{info}/entry_points.txt"] = ("\n".join(lines) + "\n").encode()
    for rel, text in (extra_dist_info or {}).items():
        contents[f"{info}/{rel}"] = text.encode()
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for path, data in contents.items():
        writer.writerow([path, _record_hash(data), len(data)])
    writer.writerow([f"{info}/RECORD", "", ""])
    contents[f"{info}/RECORD"] = record.getvalue().encode()
    target = directory / f"{dist}-{version}-{tag}.whl"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in contents.items():
            archive.writestr(path, data)
    return target


def host_pip_dir(base: Path) -> Path:
    """A directory holding only the running interpreter's ``pip`` package (a symlink)."""
    import pip

    target = base / "hostpip"
    if not target.exists():
        target.mkdir(parents=True)
        os.symlink(Path(pip.__file__).parent, target / "pip")
    return target


def make_venv(path: Path, pip_dir: Path) -> Path:
    """A fresh venv (no pip inside) whose interpreter can run ``-m pip``; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "zz_host_pip.pth").write_text(str(pip_dir) + "\n")
    return python


def pip(python: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        check=check,
    )


def freeze(python: Path) -> str:
    return pip(python, "freeze", "--all").stdout


def records(python: Path) -> dict[str, str]:
    """dist-info directory name -> RECORD text, for every installed distribution."""
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps({d._path.name: d.read_text('RECORD') for d in m.distributions()}))"
    )
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    data: dict[str, str] = json.loads(out.stdout)
    return data


def reset_venv(python: Path, keep: set[str] | None = None) -> None:
    """Uninstall everything but ``keep`` from a test venv (faster than a new one)."""
    installed = [line.split("==")[0] for line in freeze(python).splitlines() if "==" in line]
    names = [n for n in installed if n.lower() not in (keep or set())]
    if names:
        pip(python, "uninstall", "-y", *names)


def mal_record(osv_dir: Path, ident: str, name: str, versions: tuple[str, ...] = ()) -> None:
    """Write one MAL- OSV record for ``name`` (all versions unless ``versions``)."""
    osv_dir.mkdir(parents=True, exist_ok=True)
    affected: dict[str, object] = {"package": {"ecosystem": "PyPI", "name": name}}
    if versions:
        affected["versions"] = list(versions)
    else:
        affected["ranges"] = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]
    record = {
        "id": ident,
        "modified": "2026-01-01T00:00:00Z",
        "summary": f"Malicious code in {name} (PyPI)",
        "affected": [affected],
    }
    (osv_dir / f"{ident}.json").write_text(json.dumps(record))


def vuln_record(
    osv_dir: Path, ident: str, name: str, fixed: str, severity: str = "HIGH", introduced: str = "0"
) -> None:
    record = {
        "id": ident,
        "modified": "2026-01-01T00:00:00Z",
        "summary": f"a flaw in {name}",
        "database_specific": {"severity": severity},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": name},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": introduced}, {"fixed": fixed}]}
                ],
            }
        ],
    }
    osv_dir.mkdir(parents=True, exist_ok=True)
    (osv_dir / f"{ident}.json").write_text(json.dumps(record))


def build_store(home: Path, osv_dir: Path) -> None:
    from pipwarden.advisories.importer import update

    home.mkdir(parents=True, exist_ok=True)
    update(home / "advisories.sqlite", osv=str(osv_dir), force=True)


def copy_tree(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)


def test_make_wheel_is_valid(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "demo-pkg", "1.0", console_scripts={"demo": "demo_pkg:main"})
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        record = archive.read("demo_pkg-1.0.dist-info/RECORD").decode()
    assert "demo_pkg/__init__.py" in names
    assert "demo_pkg-1.0.dist-info/entry_points.txt" in names
    for row in csv.reader(io.StringIO(record)):
        if row[1]:
            with zipfile.ZipFile(wheel) as archive:
                assert _record_hash(archive.read(row[0])) == row[1]


@pytest.fixture(scope="module")
def venv_factory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    base = tmp_path_factory.mktemp("venvs")
    pip_dir = host_pip_dir(base)
    counter = iter(range(1000))

    def create() -> Path:
        return make_venv(base / f"venv{next(counter)}", pip_dir)

    return create


def _index_handler(wheels: Path) -> type:
    import http.server
    import urllib.parse

    from packaging.utils import canonicalize_name, parse_wheel_filename

    def files_of(name: str) -> list[Path]:
        return sorted(
            p
            for p in wheels.glob("*.whl")
            if canonicalize_name(parse_wheel_filename(p.name)[0]) == name
        )

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def _send(self, body: bytes, ctype: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            parts = [p for p in path.split("/") if p]
            if len(parts) == 2 and parts[0] == "simple":
                name = canonicalize_name(parts[1])
                links = "".join(
                    f'<a href="/files/{p.name}#sha256={hashlib.sha256(p.read_bytes()).hexdigest()}">'
                    f"{p.name}</a>\n"
                    for p in files_of(name)
                )
                if links:
                    self._send(f"<html><body>{links}</body></html>".encode(), "text/html")
                    return
            if len(parts) == 3 and parts[0] == "pypi" and parts[2] == "json":
                name = canonicalize_name(parts[1])
                releases: dict[str, list[dict[str, object]]] = {}
                uploads_file = wheels / "_uploads.json"
                uploads = json.loads(uploads_file.read_text()) if uploads_file.is_file() else {}
                for p in files_of(name):
                    version = str(parse_wheel_filename(p.name)[1])
                    releases.setdefault(version, []).append(
                        {
                            "filename": p.name,
                            "url": f"/files/{p.name}",
                            "yanked": False,
                            "upload_time_iso_8601": uploads.get(p.name, "2024-01-02T00:00:00Z"),
                            "digests": {"sha256": hashlib.sha256(p.read_bytes()).hexdigest()},
                        }
                    )
                if releases:
                    info = {
                        "name": name,
                        "version": max(
                            releases,
                            key=lambda v: parse_wheel_filename(f"x-{v}-py3-none-any.whl")[1],
                        ),
                        "author": "Example Author",
                        "license": "MIT",
                        "project_urls": {"Source": f"https://github.invalid/example/{name}"},
                    }
                    self._send(
                        json.dumps({"info": info, "releases": releases}).encode(),
                        "application/json",
                    )
                    return
            if len(parts) == 2 and parts[0] == "files" and (wheels / parts[1]).is_file():
                self._send((wheels / parts[1]).read_bytes(), "application/octet-stream")
                return
            self.send_error(404)

    return Handler


@pytest.fixture(name="local_index")
def local_index_fixture(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A package index on 127.0.0.1 (simple pages, JSON API, files) over ``tmp_path/index``."""
    import http.server
    import threading

    wheels = tmp_path / "index"
    wheels.mkdir()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _index_handler(wheels))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield wheels, f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()
