"""verify.archives: safe reading of untrusted wheels and sdists."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from pipwarden.verify.archives import ArchiveError, Limits, open_archive, safe_name, sha256_file
from test_verify_helpers import make_wheel


def test_wheel_members_and_read(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, "demo", "1.0", {"demo/__init__.py": "X = 1\n"})
    with open_archive(wheel) as archive:
        names = {m.name for m in archive.members()}
        assert "demo/__init__.py" in names
        assert "demo-1.0.dist-info/RECORD" in names
        assert archive.read("demo/__init__.py") == b"X = 1\n"
        with pytest.raises(ArchiveError, match="no such file"):
            archive.read("nope.py")
    assert len(sha256_file(wheel)) == 64


@pytest.mark.parametrize(
    "name", ["../evil.py", "/etc/passwd", "a/../../b", "C:/x", "a\\..\\b", "", "a\x00b"]
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ArchiveError):
        safe_name(name)


def test_safe_name_normalises() -> None:
    assert safe_name("./pkg//./mod.py") == "pkg/mod.py"


def test_zip_traversal_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ok.txt", "fine")
        archive.writestr("../../escape.txt", "bad")
    with open_archive(path) as archive, pytest.raises(ArchiveError, match="escapes"):
        archive.members()


def test_zip_symlink_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "link.zip"
    info = zipfile.ZipInfo("link")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(info, "/etc/passwd")
    with open_archive(path) as archive, pytest.raises(ArchiveError, match="symbolic link"):
        archive.members()


def _tar(path: Path, members: list[tarfile.TarInfo], data: dict[str, bytes]) -> None:
    with tarfile.open(path, "w:gz") as archive:
        for info in members:
            payload = data.get(info.name)
            archive.addfile(info, io.BytesIO(payload) if payload is not None else None)


def test_tar_links_and_devices_are_refused(tmp_path: Path) -> None:
    sym = tarfile.TarInfo("pkg/link")
    sym.type = tarfile.SYMTYPE
    sym.linkname = "/etc/passwd"
    _tar(tmp_path / "sym.tar.gz", [sym], {})
    with open_archive(tmp_path / "sym.tar.gz") as archive, pytest.raises(ArchiveError, match="link"):
        archive.members()
    dev = tarfile.TarInfo("pkg/dev")
    dev.type = tarfile.CHRTYPE
    _tar(tmp_path / "dev.tar.gz", [dev], {})
    with open_archive(tmp_path / "dev.tar.gz") as archive, pytest.raises(ArchiveError, match="special"):
        archive.members()


def test_tar_read_and_extract(tmp_path: Path) -> None:
    info = tarfile.TarInfo("demo-1.0/setup.py")
    info.size = 5
    _tar(tmp_path / "ok.tar.gz", [info], {"demo-1.0/setup.py": b"print"})
    target = tmp_path / "out"
    target.mkdir()
    with open_archive(tmp_path / "ok.tar.gz") as archive:
        assert archive.read("demo-1.0/setup.py") == b"print"
        written = archive.extract_to(target)
    assert written == [(target / "demo-1.0" / "setup.py").resolve()]


def test_limits_count_and_size(tmp_path: Path) -> None:
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(5):
            archive.writestr(f"f{i}.txt", "x" * 100)
    with open_archive(path, Limits(max_members=4)) as archive, pytest.raises(
        ArchiveError, match="more than 4 members"
    ):
        archive.members()
    with open_archive(path, Limits(max_member_size=50)) as archive, pytest.raises(
        ArchiveError, match="larger than the limit"
    ):
        archive.members()
    with open_archive(path, Limits(max_total_size=250)) as archive, pytest.raises(
        ArchiveError, match="unpacked size"
    ):
        archive.members()


def test_zip_bomb_ratio(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", b"\0" * (4 * 1024 * 1024))
    with open_archive(path) as archive, pytest.raises(ArchiveError, match="compression ratio"):
        archive.members()


def test_not_an_archive(tmp_path: Path) -> None:
    path = tmp_path / "plain.txt"
    path.write_text("hello")
    with pytest.raises(ArchiveError, match="not a zip or tar"):
        open_archive(path)
