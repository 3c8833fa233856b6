"""Every parser survives random, truncated, mutated and type-confused input: it returns a
result, or raises SourceError naming the file (and line or key) — nothing else escapes."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ASSETS, data_file
from pipwarden.errors import SourceError
from pipwarden.sources import _fasttoml, parse_file, poetry_lock, pylock, pyproject, uv_lock
from pipwarden.sources._common import Collector, MarkerEnvironment
from test_sources_requirements import LINUX_311

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SRC = ASSETS / "sources"
MARKERS = MarkerEnvironment(LINUX_311)
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

SAMPLES: dict[str, Path] = {
    "requirements": SRC / "req" / "main.txt",
    "pyproject": SRC / "pyproj" / "pyproject.toml",
    "poetry.lock": SRC / "poetryproj" / "poetry.lock",
    "uv.lock": SRC / "uvws" / "uv.lock",
    "Pipfile.lock": SRC / "pipenv" / "Pipfile.lock",
    "Pipfile": SRC / "pipenv" / "Pipfile",
    "pylock.toml": SRC / "pylock" / "pylock.groups.toml",
    "script": SRC / "script" / "pinned.py",
}
FILE_NAMES = {
    "requirements": "requirements.txt", "pyproject": "pyproject.toml",
    "poetry.lock": "poetry.lock", "uv.lock": "uv.lock", "Pipfile.lock": "Pipfile.lock",
    "Pipfile": "Pipfile", "pylock.toml": "pylock.toml", "script": "script.py",
}


def survives(path: Path, fmt: str) -> None:
    try:
        result = parse_file(path, MARKERS, fmt)
    except SourceError as exc:
        assert exc.location is not None and exc.location.startswith(str(path)), exc
        return
    for error in result.errors:
        assert error.startswith(str(path.parent)), error
    for dep in result.dependencies:
        assert dep.name and dep.version and dep.source


def write(tmp_path: Path, fmt: str, data: bytes) -> Path:
    directory = tmp_path / "case"
    directory.mkdir(exist_ok=True)
    path = directory / FILE_NAMES[fmt]
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@FUZZ
@given(data=st.binary(max_size=400) | st.text(max_size=400).map(lambda t: t.encode()))
def test_random_bytes(tmp_path: Path, fmt: str, data: bytes) -> None:
    survives(write(tmp_path, fmt, data), fmt)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@FUZZ
@given(cut=st.floats(min_value=0, max_value=1))
def test_truncated(tmp_path: Path, fmt: str, cut: float) -> None:
    original = SAMPLES[fmt].read_bytes()
    survives(write(tmp_path, fmt, original[: int(len(original) * cut)]), fmt)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@FUZZ
@given(edits=st.lists(st.tuples(st.floats(min_value=0, max_value=1),
                                st.sampled_from(["", "\\", "\n", "\r\n", "[", "]", "{", "}", '"',
                                                 "'", "=", "#", "-r x\n", "[[package]]\n",
                                                 "\x00", "é", " ; extra == 'x'", "*"])),
                      min_size=1, max_size=8))
def test_mutated(tmp_path: Path, fmt: str, edits: list[tuple[float, str]]) -> None:
    text = SAMPLES[fmt].read_text(encoding="utf-8")
    for where, insert in edits:
        position = int(len(text) * where)
        text = text[:position] + insert + text[position + 1:]
    survives(write(tmp_path, fmt, text.encode("utf-8")), fmt)


# --- type confusion: right keys, wrong value types -----------------------------------------------

NAMES = st.sampled_from(["a", "b", "c", "A_b", "", "x y", "root"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | NAMES | \
    st.text(max_size=12)
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(st.text(max_size=8) | NAMES, inner, max_size=4),
                      max_leaves=12)


def shaped(keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(st.sampled_from(keys), VALUES | NAMES, max_size=len(keys))


PACKAGE_KEYS = ["name", "version", "source", "dependencies", "optional-dependencies",
                "dev-dependencies", "sdist", "wheels", "groups", "category", "markers", "files",
                "optional", "marker", "extra"]
LOCK = st.fixed_dictionaries(
    {"package": st.lists(shaped(PACKAGE_KEYS), max_size=5) | VALUES},
    optional={"manifest": shaped(["members", "requirements", "dependency-groups"]) | VALUES,
              "metadata": shaped(["files", "hashes", "lock-version"]) | VALUES},
)


def call_safely(source: str, function: Callable[[Collector], None]) -> None:
    collector = Collector(source=source, format="x", markers=MARKERS)
    try:
        function(collector)
    except SourceError as exc:
        assert exc.location is not None and exc.location.startswith(source)


@FUZZ
@given(data=LOCK)
def test_uv_lock_types(data: dict[str, Any]) -> None:
    call_safely("uv.lock", lambda c: uv_lock.read_data(c, data, [3, 9]))


@FUZZ
@given(data=LOCK, declared=st.none() | st.dictionaries(NAMES, NAMES))
def test_poetry_lock_types(data: dict[str, Any], declared: dict[str, str] | None) -> None:
    call_safely("poetry.lock", lambda c: poetry_lock.read_data(c, data, [1], declared))


@FUZZ
@given(data=st.fixed_dictionaries(
    {}, optional={
        "project": shaped(["name", "dependencies", "optional-dependencies"]) | VALUES,
        "dependency-groups": st.dictionaries(NAMES, st.lists(
            NAMES | st.fixed_dictionaries({"include-group": NAMES}) | VALUES, max_size=3)) | VALUES,
        "tool": st.fixed_dictionaries({"poetry": shaped(
            ["name", "dependencies", "dev-dependencies", "group", "extras"])}) | VALUES,
    }))
def test_pyproject_types(data: dict[str, Any]) -> None:
    call_safely("pyproject.toml", lambda c: pyproject.read_data(c, data, pyproject._Lines("")))


@FUZZ
@given(data=st.fixed_dictionaries(
    {"lock-version": st.sampled_from(["1.0", "2.0", "x"]) | VALUES,
     "created-by": NAMES | VALUES,
     "packages": st.lists(shaped(["name", "version", "marker", "wheels", "sdist", "vcs",
                                  "directory", "archive", "index", "dependencies"]),
                          max_size=4) | VALUES},
    optional={"extras": VALUES, "dependency-groups": VALUES, "default-groups": VALUES}))
def test_pylock_types(data: dict[str, Any]) -> None:
    call_safely("pylock.toml", lambda c: pylock.read_data(c, data, []))


@FUZZ
@given(data=st.dictionaries(st.sampled_from(["_meta", "default", "develop", "x"]),
                            st.dictionaries(NAMES, shaped(["version", "hashes", "markers", "git",
                                                           "path", "editable", "extras"])
                                            | VALUES) | VALUES))
def test_pipfile_lock_types(tmp_path: Path, data: dict[str, Any]) -> None:
    path = write(tmp_path, "Pipfile.lock", json.dumps(data).encode())
    survives(path, "Pipfile.lock")


def test_hostile_inputs(tmp_path: Path) -> None:
    deep = "[" * 100_000
    survives(write(tmp_path, "pyproject", f"x = {deep}".encode()), "pyproject")
    survives(write(tmp_path, "Pipfile.lock", ("[" * 100_000).encode()), "Pipfile.lock")
    survives(write(tmp_path, "requirements", b"a==1 \\\n" * 20_000), "requirements")
    survives(write(tmp_path, "requirements", b"\xff\xfe\x00bad"), "requirements")
    survives(write(tmp_path, "requirements", b"-r requirements.txt\n"), "requirements")
    survives(write(tmp_path, "script", b"# /// script\n# dependencies = [\n# ///\n"), "script")


# --- the fast lock-file TOML reader agrees with tomllib ------------------------------------------

def same_as_tomllib(text: str) -> None:
    """The fast reader either gives up or returns exactly what tomllib returns."""
    try:
        fast = _fasttoml.loads(text)
    except Exception:  # noqa: BLE001 - giving up (any way) means tomllib is used
        return
    try:
        expected = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pytest.fail(f"fast reader accepted invalid TOML: {text!r}")
    assert fast == expected


def test_fasttoml_on_real_files() -> None:
    root = data_file("realworld")
    used = 0
    for path in sorted([*root.glob("*/*.lock"), *root.glob("*/*.toml"), *SRC.glob("*/*.lock"),
                        *SRC.glob("*/*.toml")]):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".lock" and not path.name.endswith("Pipfile.lock"):
            assert _fasttoml.loads(text) == tomllib.loads(text), path
            used += 1
        else:
            same_as_tomllib(text)
    assert used >= 10


FRAGMENTS = ['[[package]]', '[package.dependencies]', '[package]', '[metadata]', '[a.b]', '[[a.b]]',
             'name = "x"', 'name = "y"', "version = '1.0'", 'n = 1', 'n = 01', 'n = +1', 'f = 1.5',
             'b = true', 'b = truex', 'd = 2024-01-01', 'deps = [', ']', '],', '    "a",', '    "b"',
             '    { name = "a" },', '    { name = "a", marker = "x == \\"1\\"" },', '{ a = 1, }',
             'source = { registry = "r" }', 'x = { a = { b = [1, 2] } }', 's = "a\\u00e9\\n"',
             's = "bad\\q"', 's = """m"""', '# comment', '  ', 'k = "v" # c', 'k = "v" x',
             '"quoted key" = 1', "'lit' = 'x'", 'a.b = 1', 'files = [', '  {file = "f", hash = "h"},',
             'x = [1, 2, ]', 'x = []', 'x = [ # c', 'e = "\\uD800"', 'big = 99999999999999999999',
             'k = "\x01"', 'k = "tab\there"', '[ package ]', '[package', '[[package]', 'k =', '= 1',
             'groups = ["main"]', '[package.extras]', '[package.dependencies] # c', 'package = 1',
             'sdist = { url = "u", hash = "h", size = 1 }', 'x = [1, 2] ]', 'x = { a = 1 } }']


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.sampled_from(FRAGMENTS), max_size=25),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_fasttoml_agrees_on_fragments(lines: list[str], newline: str) -> None:
    same_as_tomllib(newline.join(lines))


@FUZZ
@given(edits=st.lists(st.tuples(st.sampled_from(["uv.lock", "poetry.lock"]),
                                st.floats(min_value=0, max_value=1),
                                st.sampled_from(["", "\n", "[", "]", "{", "}", '"', "'", "=",
                                                 ",", "#", "\\", "\r", " ", "1", "\t"])),
                      min_size=1, max_size=6))
def test_fasttoml_agrees_on_mutated_locks(edits: list[tuple[str, float, str]]) -> None:
    text = SAMPLES[edits[0][0]].read_text(encoding="utf-8")
    for _, where, insert in edits:
        position = int(len(text) * where)
        text = text[:position] + insert + text[position + 1:]
    same_as_tomllib(text)
