"""Lock files and manifests: every real file under shared/data/realworld, entries checked by
hand in those files, and small hand-made inputs for what the real files do not cover."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import ASSETS, data_file
from pipwarden.errors import SourceError
from pipwarden.sources import collect, detect, detect_format, parse_file, sniff
from pipwarden.sources._common import MarkerEnvironment
from pipwarden.sources._poetry import exact_version, python_marker, to_specifiers
from test_sources_requirements import LINUX_311

SRC = ASSETS / "sources"
FOLDER_FORMAT = {
    "pipfile-lock": "Pipfile.lock",
    "poetry-lock": "poetry.lock",
    "uv-lock": "uv.lock",
    "requirements-hashed": "requirements",
    "requirements-plain": "requirements",
    "pyproject-toml": "pyproject",
}


def entries(path: Path, env: dict[str, str] | None = LINUX_311):  # type: ignore[no-untyped-def]
    result = parse_file(path, MarkerEnvironment(env))
    return result, {(d.name, d.version): d for d in result.dependencies}


def row(dep):  # type: ignore[no-untyped-def]
    return (dep.name, dep.version, dep.group, dep.parents)


def realworld(folder: str, prefix: str) -> Path:
    directory = data_file(f"realworld/{folder}")
    matches = sorted(p for p in directory.iterdir() if p.name.startswith(prefix))
    assert len(matches) == 1, matches
    return matches[0]


# --- every real file ---------------------------------------------------------------------------


def test_every_realworld_file_parses() -> None:
    root = data_file("realworld")
    seen = 0
    for manifest_path in sorted(root.glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        folder = manifest_path.parent.name
        for item in manifest["files"]:
            path = manifest_path.parent / item["file"]
            assert detect_format(path) == FOLDER_FORMAT[folder], path
            result = collect([str(path)], all_platforms=True)
            assert result.errors == (), (path, result.errors)
            assert result.files[0] == str(path)
            assert result.dependencies or result.skipped, path
            pins = item["check"]["exact_pins_found"]
            members = [s for s in result.skipped if s.reason.startswith("workspace member")]
            if folder != "pyproject-toml":  # Poetry's bare "4.0.1" is a pin the check ignores
                assert len(result.dependencies) + len(members) == pins, path
            seen += 1
    assert seen == 27


# --- Pipfile.lock --------------------------------------------------------------------------------


def test_pipfile_lock_black_2018() -> None:
    path = realworld("pipfile-lock", "psf__black__2018-03-14")
    result, _deps = entries(path)
    assert len(result.dependencies) == 23 and result.skipped == []
    assert [(d.name, d.version, d.group, d.line) for d in result.dependencies[:2]] == [
        ("attrs", "17.4.0", "main", 30), ("click", "6.7", "main", 37)]
    develop = {d.name: d for d in result.dependencies if d.group == "dev"}
    assert row(develop["requests"]) == ("requests", "2.18.4", "dev", ())
    assert row(develop["urllib3"]) == ("urllib3", "1.22", "dev", ())
    assert develop["requests"].line == 177
    assert all(d.direct for d in result.dependencies)  # no Pipfile next to it
    assert result.index_urls == ["https://index.invalid/simple"]
    assert develop["certifi"].hashes == (
        "sha256:14131608ad2fd56836d33a71ee60fa1c82bc9d2c8d98b7bdbc631fe1b3cd1296",
        "sha256:edbc3f203427eef571f79a7692bb160a2b0f7ccaa31953e99bd17e307cf63f7d")


def test_pipfile_lock_black_2021_markers_and_editable() -> None:
    path = realworld("pipfile-lock", "psf__black__2021-12-02")
    result, _deps = entries(path)
    assert len(result.dependencies) == 124
    reasons = {(s.name, s.group): s.reason for s in result.skipped}
    assert reasons[("black", "main")] == "editable path requirement, not checked: ."
    assert reasons[("typing-extensions", "main")] == (
        "excluded by markers: python_version < '3.10'")
    assert reasons[("appnope", "dev")] == "excluded by markers: sys_platform == 'darwin'"
    main = {d.name: d for d in result.dependencies if d.group == "main"}
    assert row(main["aiohttp"]) == ("aiohttp", "3.8.0", "main", ())
    assert main["aiohttp"].line == 17 and len(main["aiohttp"].hashes) == 72
    everything, _ = entries(path, None)
    assert len(everything.dependencies) == 136


def test_pipfile_lock_with_pipfile_next_to_it() -> None:
    result, deps = entries(SRC / "pipenv" / "Pipfile.lock")
    assert [(d.name, d.group, d.direct) for d in result.dependencies] == [
        ("certifi", "main", False), ("flask", "main", True), ("requests", "main", True),
        ("pytest", "dev", True)]
    assert deps[("certifi", "2024.2.2")].hashes == (
        "sha256:dc383c07b76109f368f6106eee2b593b04a011ea4d55f652c6ca24a754d1cdd1",)
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("pywin32", "excluded by markers: sys_platform == 'win32'"),
        ("mylib", "editable path requirement, not checked: ."),
        ("weird", "not pinned")]


def test_pipfile_manifest() -> None:
    result, _ = entries(SRC / "pipenv" / "Pipfile")
    assert [(d.name, d.version, d.group, d.format, d.line) for d in result.dependencies] == [
        ("requests", "2.31.0", "main", "Pipfile", 7), ("pytest", "8.0.0", "dev", "Pipfile", 11)]
    assert next((s.name, s.reason) for s in result.skipped) == ("flask", "not pinned")


# --- poetry.lock ---------------------------------------------------------------------------------


def test_poetry_legacy_pyproject_lock() -> None:
    path = realworld("poetry-lock", "psf__black__2018-09-18")
    result, deps = entries(path)
    assert len(result.dependencies) == 55
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("idna-ssl", 'excluded by markers: python_full_version < "3.7"')]
    assert row(deps[("aiohttp", "3.4.4")]) == ("aiohttp", "3.4.4", "main", ())
    assert deps[("aiohttp", "3.4.4")].direct is True
    attrs = deps[("attrs", "17.4.0")]
    assert row(attrs) == ("attrs", "17.4.0", "main",
                          ("aiohttp", "flake8-bugbear", "flake8-mypy"))
    assert (attrs.line, attrs.direct) == (60, False)
    assert attrs.hashes == (
        "sha256:1c7960ccfd6a005cd9f7ba884e6316b5e430a3f1a6c37c5f87d8b43f83b54ec9",
        "sha256:a17a9573a6f475c99b551c0e0a812707ddda1ec9653bed04c13841404ed6f450")
    assert row(deps[("alabaster", "0.7.11")]) == ("alabaster", "0.7.11", "dev", ("sphinx",))


def test_poetry_lock_2_0() -> None:
    path = realworld("poetry-lock", "fastapi__full-stack-fastapi-template__2024-03-12")
    result, deps = entries(path)
    assert len(result.dependencies) == 92
    assert sorted(s.name for s in result.skipped) == ["colorama", "exceptiongroup", "tomli"]
    assert row(deps[("alembic", "1.13.1")]) == ("alembic", "1.13.1", "main", ())
    assert deps[("alembic", "1.13.1")].line == 3
    assert row(deps[("mako", "1.3.2")]) == ("mako", "1.3.2", "main", ("alembic",))
    assert row(deps[("sqlalchemy", "2.0.28")]) == ("sqlalchemy", "2.0.28", "main",
                                                   ("alembic", "sqlmodel"))
    assert row(deps[("bcrypt", "4.0.1")]) == ("bcrypt", "4.0.1", "main", ("passlib",))
    assert len(deps[("sqlalchemy", "2.0.28")].hashes) == 49
    everything, _ = entries(path, None)
    assert len(everything.dependencies) == 95


def test_poetry_lock_1_1_category() -> None:
    path = realworld("poetry-lock", "fastapi__full-stack-fastapi-template__2021-07-18")
    result, _deps = entries(path, None)
    assert len(result.dependencies) == 84
    groups = {d.group for d in result.dependencies}
    assert groups == {"main", "dev"}
    assert all(d.hashes for d in result.dependencies)  # from [metadata.files]


def test_poetry_lock_with_pyproject_and_groups() -> None:
    result, deps = entries(SRC / "poetryproj" / "poetry.lock")
    assert [(d.name, d.version, d.group, d.direct, d.parents) for d in result.dependencies] == [
        ("certifi", "2024.2.2", "main", False, ("requests",)),
        ("iniconfig", "2.0.0", "dev", False, ("pytest",)),
        ("pytest", "8.0.0", "dev", True, ()),
        ("requests", "2.31.0", "main", True, ()),
    ]
    assert deps[("requests", "2.31.0")].index_urls == ("https://mirror.invalid/simple",)
    assert [(s.name, s.reason) for s in result.skipped] == [
        ("colorama", 'excluded by markers: sys_platform == "win32"'),
        ("tomli", 'excluded by markers: python_version < "3.11"'),
        ("vcs-thing", "git source, not checked: https://example.invalid/vcs-thing.git"),
    ]


# --- uv.lock -------------------------------------------------------------------------------------


def test_uv_lock_backend() -> None:
    path = realworld("uv-lock", "fastapi__full-stack-fastapi-template__2025-09-07")
    result, deps = entries(path)
    assert len(result.dependencies) == 77
    assert next((s.name, s.reason) for s in result.skipped) == (
        "app", "workspace member (the project itself), not a third-party dependency")
    fastapi = deps[("fastapi", "0.115.0")]
    assert row(fastapi) == ("fastapi", "0.115.0", "main", ("sentry-sdk",))
    assert fastapi.direct is True and fastapi.line == 416
    assert row(deps[("mako", "1.3.5")]) == ("mako", "1.3.5", "main", ("alembic",))
    assert deps[("mako", "1.3.5")].direct is False
    assert row(deps[("pytest", "7.4.4")]) == ("pytest", "7.4.4", "dev", ())
    assert deps[("alembic", "1.15.2")].index_urls == ("https://index.invalid/simple",)
    everything, _ = entries(path, None)
    assert len(everything.dependencies) == 81


def test_uv_lock_workspace_root() -> None:
    path = realworld("uv-lock", "fastapi__full-stack-fastapi-template__2026-08-03")
    result, deps = entries(path)
    assert len(result.dependencies) == 78
    assert row(deps[("smokeshow", "0.5.0")]) == ("smokeshow", "0.5.0", "github-actions", ())
    assert row(deps[("prek", "0.4.11")]) == ("prek", "0.4.11", "dev", ())
    assert deps[("prek", "0.4.11")].direct is True
    assert row(deps[("bcrypt", "5.0.0")]) == ("bcrypt", "5.0.0", "main", ("pwdlib",))
    assert sorted((s.name, s.reason) for s in result.skipped) == [
        ("app", "workspace member (the project itself), not a third-party dependency"),
        ("colorama", "excluded by markers: sys_platform == 'win32'"),
        ("tzdata", "excluded by markers: sys_platform == 'win32'"),
    ]


def test_uv_lock_sources_forks_and_members() -> None:
    path = SRC / "uvws" / "uv.lock"
    result, deps = entries(path)
    assert [row(d) for d in result.dependencies] == [
        ("anyio", "4.4.0", "main", ("httpx",)),
        ("certifi", "2024.7.4", "main", ("httpx",)),
        ("httpx", "0.27.0", "main", ()),
        ("idna", "3.7", "main", ("anyio",)),
        ("iniconfig", "2.0.0", "dev", ("pytest",)),
        ("numpy", "1.26.4", "main", ()),
        ("pygments", "2.18.0", "cli", ("rich",)),
        ("pytest", "8.2.0", "dev", ()),
        ("rich", "13.7.1", "cli", ()),
        ("socksio", "1.0.0", "main", ("httpx",)),  # only an unrequested extra reaches it: kept
    ]
    assert {d.name for d in result.dependencies if d.direct} == {
        "anyio", "httpx", "numpy", "pytest", "rich"}  # anyio: declared by member lib-a
    assert deps[("httpx", "0.27.0")].hashes == ("sha256:a0", "sha256:a1")
    reasons = {(s.name, s.line): s.reason for s in result.skipped}
    assert reasons == {
        ("colorama", 29): "excluded by markers: sys_platform == 'win32'",
        ("gitdep", 34): "git source, not checked: https://example.invalid/gitdep.git?rev=main#0123abcd",
        ("lib-a", 67): "workspace member (the project itself), not a third-party dependency",
        ("localdep", 76): "local directory source, not checked: ../localdep",
        ("numpy", 89): "excluded by markers: python_full_version >= '3.12'",
        ("pywin32", 111): "excluded by markers: sys_platform == 'win32'",
        ("root-app", 124): "workspace member (the project itself), not a third-party dependency",
        ("urldep", 158): "direct URL source, not checked: https://example.invalid/urldep-2.0.tar.gz",
    }
    py312 = dict(LINUX_311, python_full_version="3.12.1", python_version="3.12")
    _newer, deps312 = entries(path, py312)
    assert ("numpy", "2.1.0") in deps312 and ("numpy", "1.26.4") not in deps312
    everything, _ = entries(path, None)
    assert len(everything.dependencies) == 13


# --- pyproject.toml ------------------------------------------------------------------------------


def test_pyproject_pep621_black() -> None:
    path = realworld("pyproject-toml", "psf__black__2023-01-31")
    result, _ = entries(path)
    assert result.dependencies == [] and result.errors == []
    skipped = [(s.name, s.group, s.reason) for s in result.skipped]
    assert skipped[0] == ("click", "main", "not pinned")
    assert ("tomli", "main", "excluded by markers: python_version < \"3.11\"") in skipped
    assert ("colorama", "colorama", "not pinned") in skipped
    assert ("uvloop", "uvloop", "not pinned") in skipped
    assert len(result.unpinned) == len([s for s in result.skipped if s.reason == "not pinned"])


def test_pyproject_poetry_groups_real() -> None:
    path = realworld("pyproject-toml", "fastapi__full-stack-fastapi-template__2024-03-07")
    result, deps = entries(path)
    bcrypt = deps[("bcrypt", "4.0.1")]
    assert (bcrypt.group, bcrypt.line, bcrypt.direct, bcrypt.specifier) == (
        "main", 27, True, "bcrypt = '4.0.1'")
    assert bcrypt.key_path == "tool.poetry.dependencies.bcrypt"
    assert bcrypt.location.endswith("pyproject.toml:27")
    assert len(result.dependencies) == 1
    groups = {s.name: s.group for s in result.skipped}
    assert groups["pytest"] == "dev" and groups["fastapi"] == "main"
    assert len(result.skipped) == 23
    assert "python" not in groups
    texts = {u.text for u in result.unpinned}
    assert "uvicorn>=0.24.0.post1,<0.25" in texts
    assert "passlib[bcrypt]>=1.7.4,<2" in texts


def test_pyproject_pep621_and_groups() -> None:
    result, _deps = entries(SRC / "pyproj" / "pyproject.toml")
    assert [(d.name, d.version, d.group, d.line) for d in result.dependencies] == [
        ("requests", "2.31.0", "main", 5), ("pysocks", "1.7.1", "socks", 12),
        ("pytest", "8.0.0", "test", 16), ("ruff", "0.4.0", "lint", 17)]
    assert [(s.name, s.group, s.reason.split(":")[0]) for s in result.skipped] == [
        ("click", "main", "not pinned"),
        ("tomli", "main", "excluded by markers"),
        ("pkg", "main", "direct URL requirement, not checked"),
        ("demo-project", "all", "the project itself (self-referencing extra)"),
        ("ipython", "dev", "not pinned")]
    assert result.errors == []


def test_pyproject_errors_name_the_key() -> None:
    result = parse_file(SRC / "pyproj_bad" / "pyproject.toml", MarkerEnvironment(None))
    where = str(SRC / "pyproj_bad" / "pyproject.toml")
    assert result.errors == [
        f"{where}:project.dependencies: must be a list of requirement strings",
        f"{where}:dependency-groups.b: include-group cycle: a -> b -> a",
        f"{where}:dependency-groups.b[1]: must be a requirement string or an include-group "
        "table",
        f"{where}:dependency-groups.c: include-group of unknown group 'missing'",
    ]


# --- pylock.toml (PEP 751) -----------------------------------------------------------------------


def test_pylock_pep751_example() -> None:
    result, deps = entries(SRC / "pylock" / "pylock.toml")
    assert [(d.name, d.version, d.group, d.parents, d.line) for d in result.dependencies] == [
        ("attrs", "25.1.0", "main", ("cattrs",), 6), ("cattrs", "24.1.2", "main", (), 24),
        ("numpy", "2.2.3", "main", (), 39)]
    # the (informational) graph: attrs is there because cattrs needs it
    assert [d.direct for d in result.dependencies] == [False, True, True]
    assert deps[("numpy", "2.2.3")].hashes == (
        "sha256:83807d445817326b4bcdaaaf8e8e9f1753da04341eceec705c001ff342002e5d",
        "sha256:3b787adbf04b0db1967798dba8da1af07e387908ed1553a0d6e74c084d1ceafe")
    assert all(d.format == "pylock.toml" for d in result.dependencies)


def test_pylock_extras_groups_and_direct_sources() -> None:
    result, deps = entries(SRC / "pylock" / "pylock.groups.toml")
    assert [(d.name, d.group, d.direct) for d in result.dependencies] == [
        ("requests", "main", True), ("pysocks", "socks", True), ("pytest", "dev", True)]
    assert deps[("requests", "2.32.3")].index_urls == ("https://index.invalid/simple",)
    assert [(s.name, s.reason.split(",")[0]) for s in result.skipped] == [
        ("pywin32", "excluded by markers: sys_platform == \"win32\""),
        ("mylib", "VCS package"), ("localpkg", "local directory")]


def test_pylock_invalid_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text("lock-version = '1.0'\ncreated-by = 'x'\n[[packages]]\nname = 'Not_Normal'\n"
                    "version = '1.0'\nwheels = []\n")
    with pytest.raises(SourceError) as info:
        parse_file(path, MarkerEnvironment(None))
    assert str(info.value).startswith(f"{path}:")
    assert "packages" in str(info.value)


# --- PEP 723 scripts ------------------------------------------------------------------------------


def test_script_pep723_example() -> None:
    result, _ = entries(SRC / "script" / "example.py")
    assert result.dependencies == []
    assert [(s.name, s.reason, s.line) for s in result.skipped] == [
        ("requests", "not pinned", 4), ("rich", "not pinned", 5)]
    assert [u.text for u in result.unpinned] == ["requests<3", "rich"]


def test_script_pinned() -> None:
    result, _ = entries(SRC / "script" / "pinned.py")
    assert [(d.name, d.version, d.line, d.format) for d in result.dependencies] == [
        ("requests", "2.31.0", 5, "script"), ("click", "8.1.7", 7, "script")]
    assert [s.reason for s in result.skipped] == ['excluded by markers: sys_platform == "win32"']


def test_script_two_blocks_is_an_error() -> None:
    with pytest.raises(SourceError) as info:
        parse_file(SRC / "script" / "two_blocks.py", MarkerEnvironment(None))
    assert str(info.value) == f"{SRC / 'script' / 'two_blocks.py'}:5: multiple '# /// script' blocks"


def test_script_without_block_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    path.write_text("print('hi')\n")
    result = parse_file(path, MarkerEnvironment(None))
    assert result.dependencies == [] and result.skipped == [] and result.errors == []


# --- detection and collect() ---------------------------------------------------------------------


def test_detect_lock_wins(tmp_path: Path) -> None:
    for name in ("pyproject.toml", "uv.lock", "Pipfile", "Pipfile.lock", "requirements.txt",
                 "requirements-dev.txt", "setup.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "base.txt").write_text("")
    names = [p.relative_to(tmp_path).as_posix() for p in detect(tmp_path)]
    assert names == ["uv.lock", "Pipfile.lock", "requirements-dev.txt", "requirements.txt",
                     "requirements/base.txt"]
    (tmp_path / "uv.lock").unlink()
    (tmp_path / "poetry.lock").write_text("")
    (tmp_path / "pylock.dev.toml").write_text("")
    assert [p.name for p in detect(tmp_path)][:3] == ["poetry.lock", "pylock.dev.toml",
                                                      "Pipfile.lock"]
    for name in ("poetry.lock", "pylock.dev.toml", "Pipfile.lock"):
        (tmp_path / name).unlink()
    assert [p.name for p in detect(tmp_path)][:2] == ["pyproject.toml", "Pipfile"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert detect(empty) == []


def test_detect_format_by_content(tmp_path: Path) -> None:
    samples = {
        "a": ('version = 1\nrevision = 2\nrequires-python = ">=3.9"\n\n[[package]]\n', "uv.lock"),
        "b": ('[[package]]\nname = "x"\nversion = "1"\n\n[metadata]\n', "poetry.lock"),
        "c": ('{\n "_meta": {}, "default": {}\n}', "Pipfile.lock"),
        "d": ("lock-version = '1.0'\ncreated-by='x'\n[[packages]]\n", "pylock.toml"),
        "e": ('[project]\nname = "x"\n', "pyproject"),
        "f": ("#!/usr/bin/env python\n# /// script\n# dependencies = []\n# ///\n", "script"),
        "g": ("flask==2.0\n", "requirements"),
        "h": ('[packages]\nflask = "*"\n', "Pipfile"),
    }
    for name, (text, fmt) in samples.items():
        path = tmp_path / name
        path.write_text(text)
        assert detect_format(path) == fmt, name
    assert sniff('{"x": 1}') is None


def test_collect_directory_and_errors(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    shutil.copytree(SRC / "poetryproj", project)
    (project / "requirements.txt").write_text("jinja2==2.10\nnot a requirement!\n")
    missing = tmp_path / "missing.txt"
    broken = tmp_path / "uv.lock"
    broken.write_text("version = 1\n[[package]\n")
    result = collect([str(project), str(missing), str(broken)], python=None)
    assert {d.format for d in result.dependencies} == {"poetry.lock", "requirements"}
    assert result.formats[str(project / "poetry.lock")] == "poetry.lock"
    assert result.formats[str(project / "requirements.txt")] == "requirements"
    assert str(project / "pyproject.toml") not in result.files  # the lock wins
    assert result.errors[0] == f"{missing}: no such file or directory"
    assert result.errors[1].startswith(f"{broken}:2: invalid TOML")
    assert result.errors[2].startswith(f"{project / 'requirements.txt'}:2: invalid requirement")
    assert len(result.errors) == 3
    assert result.index_urls == ("https://mirror.invalid/simple",)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert collect([str(empty)]).errors == (f"{empty}: no known dependency file in this directory",)


def test_collect_resolve_offline_is_a_usage_error() -> None:
    with pytest.raises(SourceError):
        collect(["x"], resolve=True, offline=True)


def test_poetry_constraints() -> None:
    assert exact_version("1.2.3") == "1.2.3"
    assert exact_version("==1.2.3") == "1.2.3"
    assert exact_version("^1.2.3") is None
    assert exact_version("~1.2") is None
    assert exact_version("1.2.*") is None
    assert to_specifiers("^1.2.3") == [[(">=", "1.2.3"), ("<", "2")]]
    assert to_specifiers("^0.2.3") == [[(">=", "0.2.3"), ("<", "0.3")]]
    assert to_specifiers("~1.2.3") == [[(">=", "1.2.3"), ("<", "1.3")]]
    assert to_specifiers(">=2.7,!=3.0.* || >=3.5") == [[(">=", "2.7"), ("!=", "3.0.*")],
                                                       [(">=", "3.5")]]
    assert to_specifiers("*") == []
    assert to_specifiers("^x.y") is None
    assert python_marker("<3.7") == 'python_full_version < "3.7"'
    assert python_marker("*") is None


def test_uv_lock_early_distribution_format() -> None:
    result, _ = entries(SRC / "uvold" / "uv.lock")
    assert [(d.name, d.version, d.direct, d.parents, d.index_urls) for d in result.dependencies] == [
        ("idna", "3.7", False, ("requests",), ("https://index.invalid/simple",)),
        ("requests", "2.32.3", True, (), ("https://index.invalid/simple",))]
    assert [(s.name, s.reason.split(" (")[0]) for s in result.skipped] == [
        ("demo", "workspace member")]


def test_pep723_blocks_agree_with_the_reference_regex() -> None:
    """The linear block finder gives what PEP 723's regex gives, on fuzzed comment soups."""
    import re

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from pipwarden.sources.script import REGEX, blocks

    line = st.sampled_from(
        ["# /// script", "# /// tool", "# ///", "#", "# a = 1", "#x", "x = 1", "", "# /// ", "  #"]
    )

    @settings(max_examples=400, deadline=None)
    @given(st.lists(line, max_size=14), st.booleans())
    def check(lines: list[str], trailing: bool) -> None:
        text = "\n".join(lines) + ("\n" if trailing else "")
        expected = [
            (m.group("type"), text.count("\n", 0, m.start("content")),
             m.group("content").splitlines(keepends=True))
            for m in re.finditer(REGEX, text)
        ]
        assert blocks(text) == expected

    check()

