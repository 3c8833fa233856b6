"""Installed environments (read in the target interpreter) and --resolve with pip's resolver
against wheels built here (pip runs with --no-index --find-links: no network)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.version import Version

from conftest import ASSETS
from pipwarden.errors import SourceError
from pipwarden.sources import collect, collect_environment
from pipwarden.sources._common import current_environment
from pipwarden.sources.environment import find_python, target_marker_environment

OTHER_PYTHONS = [
    p for p in (Path("/root/.pyenv/versions/3.12.1/bin/python3.12"),
                Path("/root/.pyenv/versions/3.8.18/bin/python3.8"))
    if p.is_file()
]


def _dist_info(site: Path, name: str, version: str, *, requires: tuple[str, ...] = (),
               requested: bool = False, direct_url: dict[str, object] | None = None) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(lines) + "\n")
    (info / "INSTALLER").write_text("pip\n")
    (info / "RECORD").write_text("")
    if requested:
        (info / "REQUESTED").write_text("")
    if direct_url is not None:
        (info / "direct_url.json").write_text(json.dumps(direct_url))


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A venv without pip whose site-packages holds hand-made distributions and a .pth file
    that would leave a trace if anything executed it."""
    root = tmp_path_factory.mktemp("env")
    target = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    _dist_info(site, "alpha", "1.0", requires=("beta>=1", 'gamma; extra == "x"'),
               requested=True)
    _dist_info(site, "beta", "2.0")
    _dist_info(site, "gamma", "1.0")
    _dist_info(site, "pipwarden", "0.1.0", requires=("own-dep", "beta"), requested=True)
    _dist_info(site, "own-dep", "5.0")
    _dist_info(site, "edit-me", "0.1",
               direct_url={"url": "file:///src/edit-me", "dir_info": {"editable": True}})
    _dist_info(site, "from-git", "0.2", direct_url={
        "url": "https://example.invalid/r.git", "vcs_info": {"vcs": "git", "commit_id": "ab"}})
    trace = root / "pth-was-executed"
    (site / "zz_evil.pth").write_text(f"import os; open({str(trace)!r}, 'w').close()\n")
    return python, trace


def test_environment_is_read_in_the_target(venv: tuple[Path, Path]) -> None:
    python, trace = venv
    result = collect_environment(str(python))
    assert [(d.name, d.version, d.direct, d.parents) for d in result.dependencies] == [
        ("alpha", "1.0", True, ()),
        ("beta", "2.0", False, ("alpha",)),
        ("gamma", "1.0", False, ()),  # only an extra of alpha names it: not a parent
    ]
    dep = result.dependencies[0]
    assert dep.format == "environment"
    assert dep.source.startswith("environment:") and dep.source.endswith("python")
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("edit-me", "editable install, not checked: file:///src/edit-me"),
        ("from-git", "VCS install, not checked: https://example.invalid/r.git"),
    ]
    assert result.errors == ()
    assert not trace.exists(), "a .pth file of the target environment was executed"


def test_include_self(venv: tuple[Path, Path]) -> None:
    python, _ = venv
    with_self = collect_environment(str(python), include_self=True)
    assert [(d.name, d.parents) for d in with_self.dependencies] == [
        ("alpha", ()), ("beta", ("alpha", "pipwarden")), ("gamma", ()),
        ("own-dep", ("pipwarden",)), ("pipwarden", ())]


def test_environment_of_this_interpreter() -> None:
    mine = collect_environment()
    names = {d.name for d in mine.dependencies} | {s.name for s in mine.skipped}
    assert "pipwarden" not in names
    assert "pytest" in names
    assert mine.files == (f"environment:{sys.executable}",)


def test_marker_environment_of_the_target(venv: tuple[Path, Path]) -> None:
    python, _ = venv
    assert target_marker_environment(str(python)) == current_environment()


@pytest.mark.parametrize("other", OTHER_PYTHONS, ids=lambda p: p.name)
def test_other_interpreter_versions(other: Path) -> None:
    env = target_marker_environment(str(other))
    assert env["python_version"] == other.name.removeprefix("python")
    result = collect_environment(str(other))
    assert result.errors == ()
    lock = ASSETS / "sources" / "uvws" / "uv.lock"
    picked = {(d.name, d.version) for d in collect([str(lock)], python=str(other)).dependencies}
    wanted = "2.1.0" if Version(env["python_version"]) >= Version("3.12") else "1.26.4"
    assert ("numpy", wanted) in picked


def test_bad_interpreter_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError):
        find_python(str(tmp_path / "nope"))
    with pytest.raises(SourceError):
        collect_environment(str(tmp_path))  # a directory without bin/python
    script = tmp_path / "fake-python"
    script.write_text("#!/bin/sh\necho not json\n")
    script.chmod(0o755)
    with pytest.raises(SourceError, match="no valid JSON"):
        collect_environment(str(script))
    with pytest.raises(SourceError):
        collect(["x.txt"], python=str(tmp_path / "nope"))


# --- --resolve ---------------------------------------------------------------------------------


def make_wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal pure-Python wheel (pip's tests/lib/wheel.py make_wheel, reduced)."""
    tag = "py3-none-any"
    dist = f"{name}-{version}.dist-info"
    metadata = "\n".join(["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}",
                          *[f"Requires-Dist: {r}" for r in requires]]) + "\n"
    files = {
        f"{name}/__init__.py": "",
        f"{dist}/METADATA": metadata,
        f"{dist}/WHEEL": f"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: {tag}\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{path},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = directory / f"{name}-{version}-{tag}.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


@pytest.fixture
def wheelhouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    house = tmp_path / "wheels"
    house.mkdir()
    make_wheel(house, "alpha", "1.0", ("beta>=1",))
    make_wheel(house, "beta", "1.0")
    make_wheel(house, "beta", "2.0")
    make_wheel(house, "gamma", "3.0")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(house))
    monkeypatch.delenv("PIP_INDEX_URL", raising=False)
    return house


def test_resolve_unpinned_requirements(wheelhouse: Path, tmp_path: Path) -> None:
    reqs = tmp_path / "requirements.txt"
    reqs.write_text("alpha\ngamma==3.0\nnot-there-at-all\n")
    plain = collect([str(reqs)])
    assert next((s.name, s.reason) for s in plain.skipped) == ("alpha", "not pinned")
    bad = collect([str(reqs)], resolve=True)
    assert "--resolve failed" in bad.errors[0]  # not-there-at-all cannot be found
    reqs.write_text("alpha\ngamma==3.0\n")
    result = collect([str(reqs)], resolve=True)
    assert result.errors == ()
    assert result.skipped == ()
    got = {(d.name, d.version, d.direct, d.parents, d.line) for d in result.dependencies}
    assert got == {
        ("gamma", "3.0", True, (), 2),
        ("alpha", "1.0", True, (), 1),
        ("beta", "2.0", False, ("alpha",), None),
    }
    alpha = next(d for d in result.dependencies if d.name == "alpha")
    assert alpha.specifier == "alpha (resolved by pip)"
    assert alpha.hashes and alpha.hashes[0].startswith("sha256:")


def test_resolve_pyproject_ranges(wheelhouse: Path, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["beta<2"]\n')
    result = collect([str(tmp_path)], resolve=True)
    assert [(d.name, d.version, d.format, d.group) for d in result.dependencies] == [
        ("beta", "1.0", "pyproject", "main")]


def test_resolve_never_imports_a_pip_from_the_project_directory(
    wheelhouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `python -m pip` puts the working directory first on sys.path: a project (the thing being
    # audited) with a pip/ folder would run its own code
    project = tmp_path / "project"
    (project / "pip").mkdir(parents=True)
    planted = tmp_path / "planted-code-ran"
    (project / "pip" / "__init__.py").write_text("")
    (project / "pip" / "__main__.py").write_text(
        f"open({str(planted)!r}, 'w').close()\nraise SystemExit(3)\n")
    (project / "requirements.txt").write_text("alpha\n")
    monkeypatch.chdir(project)
    result = collect(["requirements.txt"], resolve=True,
                     python=os.path.relpath(sys.executable, project))  # relative: still found
    assert not planted.exists()
    assert result.errors == ()
    assert {d.name for d in result.dependencies} == {"alpha", "beta"}
