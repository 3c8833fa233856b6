"""Shared fixtures. Sockets to anything but loopback are blocked in every test."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
ASSETS = Path(__file__).resolve().parent / "assets"

_LOOPBACK = ("127.", "::1", "localhost", "0.0.0.0")  # noqa: S104 - compared, never bound


def _allowed(address: object) -> bool:
    if isinstance(address, (str, bytes)):
        return True  # AF_UNIX
    return isinstance(address, tuple) and bool(address) and str(address[0]).startswith(_LOOPBACK)


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guard_connect(self: socket.socket, address: object) -> None:
    if not _allowed(address):
        raise OSError(f"network blocked in tests: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


def _guard_connect_ex(self: socket.socket, address: object) -> int:
    if not _allowed(address):
        raise OSError(f"network blocked in tests: {address!r}")
    return _real_connect_ex(self, address)  # type: ignore[arg-type]


def _guard_getaddrinfo(host, *args, **kwargs):  # type: ignore[no-untyped-def]
    if host is not None and not str(host).startswith(_LOOPBACK) and host not in ("", b""):
        raise OSError(f"network blocked in tests: {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    socket.socket.connect = _guard_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guard_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guard_getaddrinfo


def data_file(relative: str) -> Path:
    """A file under ../shared/data; missing data fails under CI=true, else skips."""
    path = DATA / relative
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"shared data missing in CI: {path}")
        pytest.skip(f"shared data not available: {path}")
    return path


@pytest.fixture(autouse=True)
def _no_real_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's configured index, for every test: a closed port on loopback, so that code going
    online by default fails fast instead of reaching out (tests that need an index start a
    server and set PIP_INDEX_URL themselves)."""
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty PIPWARDEN_HOME."""
    path = tmp_path / "pwhome"
    path.mkdir()
    monkeypatch.setenv("PIPWARDEN_HOME", str(path))
    return path


@pytest.fixture(scope="session")
def shared_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A PIPWARDEN_HOME with the store built once from the shared OSV zip and popular list."""
    from pipwarden.advisories.importer import update

    directory = tmp_path_factory.mktemp("shared-home")
    update(
        directory / "advisories.sqlite",
        osv=str(data_file("osv-pypi/all.zip")),
        popular=str(data_file("top-pypi-packages.json")),
    )
    return directory


@pytest.fixture
def store_home(shared_store_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """PIPWARDEN_HOME pointing at the shared, ready store (read-only use)."""
    monkeypatch.setenv("PIPWARDEN_HOME", str(shared_store_dir))
    yield shared_store_dir
