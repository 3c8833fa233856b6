"""requirements files: pins, hashes, includes, constraints, options, markers, pip-compile
annotations, and the real files under shared/data/realworld."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from conftest import ASSETS, data_file
from pipwarden.sources import collect
from pipwarden.sources._common import MarkerEnvironment
from pipwarden.sources.requirements import parse, parse_text

LINUX_311 = {
    "implementation_name": "cpython",
    "implementation_version": "3.11.7",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_release": "6.1.0",
    "platform_system": "Linux",
    "platform_version": "#1 SMP",
    "python_full_version": "3.11.7",
    "platform_python_implementation": "CPython",
    "python_version": "3.11",
    "sys_platform": "linux",
}
REQ = ASSETS / "sources" / "req"


def by_name(collector):  # type: ignore[no-untyped-def]
    return {d.name: d for d in collector.dependencies}


def test_hand_made_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIX_VERSION", "1.16.0")
    result = parse(REQ / "main.txt", MarkerEnvironment(LINUX_311))
    deps = by_name(result)
    assert sorted(deps) == ["click", "flask", "idna", "requests", "six"]
    requests = deps["requests"]
    assert (requests.version, requests.line, requests.hashes) == (
        "2.31.0", 1, ("sha256:abcd01", "sha256:ef23"))
    # the constraint file pins the unpinned requirements that it allows
    assert deps["flask"].version == "2.0.1"
    assert deps["flask"].specifier == "flask (constraint)"
    assert deps["click"].version == "8.1.0"
    # the include is relative to the including file and has its own source/line (CRLF)
    assert deps["idna"].source == str(REQ / "sub" / "more.txt")
    assert deps["idna"].line == 1
    assert deps["six"].version == "1.16.0"
    assert result.index_urls == ["https://mirror.invalid/simple", "https://extra.invalid/simple"]
    assert requests.index_urls == tuple(result.index_urls)
    reasons = {s.name: s.reason for s in result.skipped}
    assert reasons["urllib3"] == 'excluded by markers: python_version < "3"'
    assert reasons["vcspkg"].startswith("VCS requirement, not checked")
    assert reasons["./local/pkg"].startswith("editable requirement")
    assert result.errors == []
    assert result.files == [str(REQ / "main.txt"), str(REQ / "sub" / "more.txt"),
                            str(REQ / "constraints.txt")]


def test_env_var_left_alone_when_unset_or_lowercase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NOPE_UNSET", raising=False)
    monkeypatch.setenv("lower", "1.0")
    result = parse_text("a==${NOPE_UNSET}\nb==${lower}\n", MarkerEnvironment(None))
    assert result.dependencies == []
    assert len(result.errors) == 2  # "a==${NOPE_UNSET}" is not a valid requirement


def test_all_platforms_keeps_marker_excluded() -> None:
    result = parse_text('urllib3==1.26.0 ; python_version < "3"\n', MarkerEnvironment(None))
    assert [d.name for d in result.dependencies] == ["urllib3"]
    assert result.dependencies[0].markers == 'python_version < "3"'


def test_include_cycle_is_an_error() -> None:
    result = parse(ASSETS / "sources" / "cycle" / "a.txt", MarkerEnvironment(None))
    assert [d.name for d in result.dependencies] == ["a", "b"]
    assert len(result.errors) == 1
    assert "include cycle" in result.errors[0]
    assert result.errors[0].startswith(str(ASSETS / "sources" / "cycle" / "b.txt") + ":2:")


def test_missing_include_and_remote_include(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_text("-r missing.txt\n-r https://example.invalid/r.txt\nx==1\n")
    result = parse(path, MarkerEnvironment(None))
    assert [d.name for d in result.dependencies] == ["x"]
    assert [e.split(": ")[0] for e in result.errors] == [f"{path}:1", f"{path}:2"]


def test_options_and_bad_lines() -> None:
    text = (
        "--only-binary=:all: --prefer-binary\n"
        "-f ./wheels\n"
        "--frobnicate\n"
        "name==1.0 --hash\n"
        "other==2.0 --hash=sha256:zz\n"
        "fine==3.0 --config-settings key=value\n"
        "pkg===weird-1\n"
        "wild==1.*\n"
    )
    result = parse_text(text, MarkerEnvironment(None))
    assert [(d.name, d.version) for d in result.dependencies] == [("fine", "3.0"),
                                                                  ("pkg", "weird-1")]
    assert [e.split(": ")[0] for e in result.errors] == ["<stdin>:3", "<stdin>:4", "<stdin>:5"]
    assert [s.reason for s in result.skipped] == ["not pinned"]
    assert [u.text for u in result.unpinned] == ["wild==1.*"]


def test_url_requirement_names() -> None:
    text = (
        "pkg @ https://example.invalid/pkg-1.0.tar.gz\n"
        "https://example.invalid/dist/foo_bar-2.0-py3-none-any.whl\n"
        "./local/baz-1.0.tar.gz\n"
    )
    result = parse_text(text, MarkerEnvironment(None))
    assert result.dependencies == []
    assert [s.name for s in result.skipped] == ["pkg", "foo-bar", "baz"]
    assert [s.reason.split(",")[0] for s in result.skipped] == [
        "direct URL requirement", "direct URL requirement", "local path requirement"]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"\xef\xbb\xbfjinja2==2.10\r\nflask\r\n"))
    monkeypatch.setattr("sys.stdin", stdin)
    result = collect(["-"], all_platforms=True)
    assert [(d.name, d.version, d.source, d.line) for d in result.dependencies] == [
        ("jinja2", "2.10", "<stdin>", 1)]
    assert [(s.name, s.reason) for s in result.skipped] == [("flask", "not pinned")]


def test_pip_compile_via_annotations() -> None:
    path = data_file("realworld/requirements-hashed/"
                     "pypi__warehouse__2023-01-02_bbcb19e_requirements_main.txt")
    result = parse(path, MarkerEnvironment(LINUX_311))
    assert len(result.dependencies) == 141
    assert result.skipped == [] and result.errors == []
    deps = by_name(result)
    # checked by hand in the file
    assert (deps["alembic"].version, deps["alembic"].line, deps["alembic"].direct,
            deps["alembic"].parents) == ("1.9.0", 7, True, ())
    assert (deps["amqp"].version, deps["amqp"].direct, deps["amqp"].parents) == (
        "5.1.1", False, ("kombu",))
    certifi = deps["certifi"]
    assert certifi.direct is True  # "# via -r requirements/main.in" among its parents
    assert certifi.parents == ("elasticsearch", "requests", "sentry-sdk")
    assert all(d.group == "main" and d.hashes for d in result.dependencies)


def test_via_inline_comment() -> None:
    path = data_file("realworld/requirements-plain/anxolerd__dvpwa__17874d4_requirements.txt")
    result = parse(path, MarkerEnvironment(LINUX_311))
    deps = by_name(result)
    assert len(deps) == 19
    assert (deps["aiohttp"].version, deps["aiohttp"].direct) == ("3.5.3", True)
    assert (deps["multidict"].version, deps["multidict"].parents, deps["multidict"].direct) == (
        "4.5.2", ("aiohttp", "yarl"), False)
    assert (deps["openssl"].version, deps["openssl"].line) == ("16.1.0", 20)  # "OpenSSL== 16.1.0"


def test_poetry_export_with_markers() -> None:
    path = data_file("realworld/requirements-hashed/fastapi__full-stack-fastapi-template__"
                     "2020-04-18_e5443c8_cookiecutter.project_slug_backend_requirements.txt")
    result = parse(path, MarkerEnvironment(LINUX_311))
    assert len(result.dependencies) + len(result.skipped) == 116
    reasons = {s.name: s.reason for s in result.skipped}
    assert reasons["appnope"].startswith("excluded by markers: python_version >= \"3.3\" and")
    assert reasons["atomicwrites"] == 'excluded by markers: sys_platform == "win32"'
    assert len(result.skipped) == 8
    deps = by_name(result)
    assert (deps["alembic"].version, deps["alembic"].line, len(deps["alembic"].hashes)) == (
        "1.4.2", 1, 1)
    assert deps["backcall"].markers == 'python_version >= "3.3"'
    everything = parse(path, MarkerEnvironment(None))
    assert len(everything.dependencies) == 116


def test_crlf_and_unpinned_real_file() -> None:
    path = data_file("realworld/requirements-plain/adeyosemanputra__pygoat__0026111_requirements.txt")
    result = parse(path, MarkerEnvironment(LINUX_311))
    assert [(d.name, d.version, d.line) for d in result.dependencies] == [
        ("asgiref", "3.2.7", 1), ("django", "3.0.14", 2), ("pytz", "2020.1", 3),
        ("sqlparse", "0.3.1", 4), ("pyyaml", "5.1", 6)]
    assert [(s.name, s.line) for s in result.skipped][:2] == [("php-wsgi", 5),
                                                              ("django-crispy-forms", 7)]
    assert {s.reason for s in result.skipped} == {"not pinned"}


def test_single_url_real_file() -> None:
    path = data_file("realworld/requirements-plain/mpirnat__lets-be-bad-guys__1628e14_requirements.txt")
    result = parse(path, MarkerEnvironment(LINUX_311))
    assert result.dependencies == [] and result.errors == []
    assert len(result.skipped) == 1
    assert result.skipped[0].reason == (
        "direct URL requirement, not checked: http://www.djangoproject.com/download/1.5c1/tarball/")


def test_invalid_requirement_is_one_error_line() -> None:
    # packaging's message draws a caret under the text on extra lines: keep the first only
    result = parse_text("req uests==1.0\n", MarkerEnvironment(LINUX_311))
    assert len(result.errors) == 1 and "\n" not in result.errors[0], result.errors
    result = parse_text("foo ; python_version >= \n", MarkerEnvironment(LINUX_311))
    assert len(result.errors) == 1 and "\n" not in result.errors[0], result.errors
    from pipwarden.sources._common import Collector

    collector = Collector("pyproject.toml", "pyproject", MarkerEnvironment(LINUX_311))
    collector.add_requirement("a b==1", line=3)  # the path pyproject.toml entries take
    assert len(collector.errors) == 1 and "\n" not in collector.errors[0], collector.errors


def test_include_of_a_fifo_is_an_error_not_a_hang(tmp_path: Path) -> None:
    import os

    os.mkfifo(tmp_path / "pipe.txt")  # opening it for reading would block forever
    path = tmp_path / "r.txt"
    path.write_text("-r pipe.txt\nx==1\n")
    result = parse(path, MarkerEnvironment(None))
    assert [d.name for d in result.dependencies] == ["x"]
    assert len(result.errors) == 1 and result.errors[0].startswith(f"{path}:1: ")
    assert "not a regular file" in result.errors[0]


def test_a_long_run_of_spaces_is_read_in_linear_time() -> None:
    # pip's comment pattern (^|\s+)#.*$ backtracks quadratically over a run of spaces: a
    # hostile 50 kB line took 40 seconds
    import time

    start = time.perf_counter()
    result = parse_text("a==1.0" + " " * 200_000 + "x\nb==2.0  # note\n", MarkerEnvironment(None))
    assert time.perf_counter() - start < 5
    assert [d.name for d in result.dependencies] == ["b"] and len(result.errors) == 1
    # comments still end where pip ends them
    text = "c==1.0 #x\n  # only a comment \\\nd==2.0\ne==3.0#not-a-comment\n"
    result = parse_text(text, MarkerEnvironment(None))
    assert [(d.name, d.line) for d in result.dependencies] == [("c", 1), ("d", 3)]
