"""Safe reading of untrusted archives (wheels, sdists): limits checked before anything is read.

Every member name is checked for path traversal (absolute paths, ``..``, drive letters,
backslashes), links (symlinks and hard links are refused) and device files; the number of
members, each member's size and the total unpacked size are bounded, and a member is read
with a hard cap so a lying header cannot inflate memory. Nothing here executes code.

Used by ``verify`` and meant to be reused by ``install`` (files are checked before they are
installed)::

    with open_archive(path) as archive:
        for member in archive.members():
            data = archive.read(member)
"""

from __future__ import annotations

import hashlib
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import TracebackType

from pipwarden.errors import PipwardenError


class ArchiveError(PipwardenError):
    """An archive is malformed, unsafe or exceeds a limit."""


@dataclass(frozen=True)
class Limits:
    max_members: int = 50_000
    max_member_size: int = 512 * 1024 * 1024
    max_total_size: int = 2 * 1024 * 1024 * 1024
    max_ratio: int = 200  # uncompressed / compressed size of one zip member (zip bombs)


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Member:
    name: str  # normalised POSIX path inside the archive
    size: int
    is_dir: bool = False


def safe_name(name: str) -> str:
    """The normalised member name, or :class:`ArchiveError` when it could escape the target.

    >>> safe_name("pkg/./mod.py")
    'pkg/mod.py'
    """
    if not name or "\x00" in name:
        raise ArchiveError("empty or NUL-containing member name", location=repr(name))
    if "\\" in name:
        raise ArchiveError("backslash in member name", location=name)
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise ArchiveError("absolute member path", location=name)
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if any(p == ".." for p in parts):
        raise ArchiveError("member path escapes the archive (..)", location=name)
    if not parts:
        raise ArchiveError("empty member name", location=repr(name))
    return "/".join(parts)


class Archive:
    """A read-only view of a zip (wheel) or tar (sdist) file with limits."""

    def __init__(self, path: Path, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = path
        self.limits = limits
        self._zip: zipfile.ZipFile | None = None
        self._tar: tarfile.TarFile | None = None
        self._members: dict[str, Member] | None = None
        self._raw: dict[str, str] = {}  # normalised name -> name as stored
        try:
            if zipfile.is_zipfile(path):
                self._zip = zipfile.ZipFile(path)
            elif tarfile.is_tarfile(path):
                self._tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed in close()
            else:
                raise ArchiveError("not a zip or tar archive", location=str(path))
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
            raise ArchiveError(f"cannot open archive: {exc}", location=str(path)) from None

    def __enter__(self) -> Archive:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
        if self._tar is not None:
            self._tar.close()

    def members(self) -> list[Member]:
        """All members, checked against the limits (raises on the first unsafe one)."""
        if self._members is None:
            self._members = {m.name: m for m in self._scan()}
        return list(self._members.values())

    def _scan(self) -> Iterator[Member]:
        limits = self.limits
        total = 0
        count = 0
        where = str(self.path)
        if self._zip is not None:
            for info in self._zip.infolist():
                count += 1
                if count > limits.max_members:
                    raise ArchiveError(f"more than {limits.max_members} members", location=where)
                name = safe_name(info.filename)
                self._raw[name] = info.filename
                mode = info.external_attr >> 16
                if mode and stat.S_ISLNK(mode):
                    raise ArchiveError("symbolic link in archive", location=f"{where}:{name}")
                if info.file_size > limits.max_member_size:
                    raise ArchiveError("member larger than the limit", location=f"{where}:{name}")
                if (
                    info.compress_size
                    and info.file_size > 1024 * 1024
                    and info.file_size / info.compress_size > limits.max_ratio
                ):
                    raise ArchiveError(
                        "suspicious compression ratio (zip bomb?)", location=f"{where}:{name}"
                    )
                total += info.file_size
                if total > limits.max_total_size:
                    raise ArchiveError("unpacked size exceeds the limit", location=where)
                yield Member(name, info.file_size, info.is_dir())
            return
        assert self._tar is not None  # noqa: S101 - constructor guarantees one of the two
        try:
            for tinfo in self._tar:
                count += 1
                if count > limits.max_members:
                    raise ArchiveError(f"more than {limits.max_members} members", location=where)
                name = safe_name(tinfo.name)
                self._raw[name] = tinfo.name
                if tinfo.issym() or tinfo.islnk():
                    raise ArchiveError("link in archive", location=f"{where}:{name}")
                if not (tinfo.isfile() or tinfo.isdir()):
                    raise ArchiveError("device or special file in archive", location=f"{where}:{name}")
                if tinfo.size > limits.max_member_size:
                    raise ArchiveError("member larger than the limit", location=f"{where}:{name}")
                total += tinfo.size
                if total > limits.max_total_size:
                    raise ArchiveError("unpacked size exceeds the limit", location=where)
                yield Member(name, tinfo.size, tinfo.isdir())
        except tarfile.TarError as exc:
            raise ArchiveError(f"corrupt tar archive: {exc}", location=where) from None

    def read(self, name: str) -> bytes:
        """The bytes of one member (by normalised name), never more than its checked size."""
        self.members()
        assert self._members is not None  # noqa: S101
        member = self._members.get(name)
        if member is None or member.is_dir:
            raise ArchiveError("no such file in archive", location=f"{self.path}:{name}")
        cap = min(member.size, self.limits.max_member_size)
        try:
            if self._zip is not None:
                with self._zip.open(self._raw[name]) as handle:
                    data = handle.read(cap + 1)
            else:
                assert self._tar is not None  # noqa: S101
                extracted = self._tar.extractfile(self._raw[name])
                if extracted is None:
                    raise ArchiveError("not a regular file", location=f"{self.path}:{name}")
                with extracted:
                    data = extracted.read(cap + 1)
        except (OSError, zipfile.BadZipFile, tarfile.TarError, KeyError) as exc:
            raise ArchiveError(f"cannot read member: {exc}", location=f"{self.path}:{name}") from None
        if len(data) > cap:
            raise ArchiveError("member larger than its header says", location=f"{self.path}:{name}")
        return data

    def extract_to(self, target: Path) -> list[Path]:
        """Write every member below ``target`` (which must exist); returns the files written."""
        root = target.resolve()
        written: list[Path] = []
        for member in self.members():
            dest = (root / member.name).resolve()
            if root != dest and root not in dest.parents:
                raise ArchiveError("member escapes the target directory", location=member.name)
            if member.is_dir:
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(self.read(member.name))
            written.append(dest)
        return written


def open_archive(path: Path, limits: Limits = DEFAULT_LIMITS) -> Archive:
    return Archive(path, limits)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()
