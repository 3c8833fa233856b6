"""Test helpers for verify: build real wheels by hand and install them into a real venv.

(No tests here; imported by the other test_verify_* modules and benchmarks/bench_verify.py.)
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import venv
import zipfile
from pathlib import Path


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
