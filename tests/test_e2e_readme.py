"""The README's flow in a fresh virtual environment: install, import the shared OSV zip,
audit a real requirements file. No network: the project's dependencies are taken from the
test environment through a .pth file, and the build runs without isolation."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import REPO, data_file


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "venv"
    venv.EnvBuilder(with_pip=False).create(root)  # pip and setuptools come from the .pth
    python = root / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    here = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "zz_test_deps.pth").write_text("\n".join(here) + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(REPO)],
        check=True, capture_output=True, text=True,
    )
    return root


def test_readme_flow(fresh_venv: Path, tmp_path: Path) -> None:
    exe = fresh_venv / "bin" / "pipwarden"
    env = {**os.environ, "PIPWARDEN_HOME": str(tmp_path / "home"), "NO_COLOR": "1"}
    update = subprocess.run(
        [str(exe), "db", "update", "--osv", str(data_file("osv-pypi/all.zip"))],
        capture_output=True, text=True, env=env, check=False,
    )
    assert update.returncode == 0, update.stderr
    assert "imported 2661 advisories" in update.stdout
    target = data_file("realworld/requirements-plain/anxolerd__dvpwa__17874d4_requirements.txt")
    audit = subprocess.run(
        [str(exe), "audit", str(target), "--offline"], capture_output=True, text=True, env=env, check=False
    )
    assert audit.returncode == 1, audit.stderr
    first = audit.stdout.splitlines()[0]
    assert first.startswith("audited 19 packages: ") and " vulnerabilities in " in first
    assert "aiohttp" in audit.stdout and "pyyaml" in audit.stdout and "jinja2" in audit.stdout
    assert audit.stderr == ""
    assert sys.executable  # the test itself ran under the project's test environment
