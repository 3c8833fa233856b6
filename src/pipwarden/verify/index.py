"""What a package index serves for a project: the simple API (PEP 691 JSON, PEP 503 HTML
fallback) and PEP 740 provenance. All requests go through :mod:`pipwarden.net`.

Index URLs are never hard-coded: they come from the requirements file or pip's configuration.
"""

from __future__ import annotations

import hashlib
import json
import threading
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from pipwarden import net
from pipwarden.errors import NetworkError

JSON_ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"
)
MAX_PAGE = 32 * 1024 * 1024

Fetch = Callable[..., net.Response]


@dataclass(frozen=True)
class IndexFile:
    filename: str
    url: str
    hashes: tuple[tuple[str, str], ...]  # (algorithm, lower-case hex)
    project: str  # canonical name parsed from the file name ("" when unparseable)
    version: Version | None
    provenance_url: str | None = None
    provenance_offered: bool = False  # the index said something about provenance (PEP 740)
    yanked: bool = False

    def hash(self, algorithm: str) -> str | None:
        for algo, value in self.hashes:
            if algo == algorithm:
                return value
        return None


@dataclass(frozen=True)
class ProjectPage:
    index: str
    name: str  # canonical
    url: str
    exists: bool
    files: tuple[IndexFile, ...] = ()

    def files_for(self, version: str) -> list[IndexFile]:
        try:
            wanted = Version(version)
        except InvalidVersion:
            return []
        return [
            f for f in self.files
            if (f.version == wanted and f.project == self.name)
            or (f.version is None and _loose_version(f.filename, self.name) == wanted)
        ]


_OLD_SUFFIXES = (".tar.bz2", ".tar.xz", ".tgz", ".tbz", ".zip", ".tar.gz", ".tar", ".egg", ".exe",
                 ".msi", ".rpm", ".dmg")


def _loose_version(filename: str, project: str) -> Version | None:
    """The version in an old-style file name (``Foo_Bar-1.0.tar.bz2``, ``foo-1.0-py2.7.egg``)."""
    stem = filename
    for suffix in _OLD_SUFFIXES:
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        return None
    for cut in range(len(stem)):
        if stem[cut] == "-" and canonicalize_name(stem[:cut]) == project:
            rest = stem[cut + 1:].split("-", 1)[0]
            for end in (".win", ".linux", ".macosx"):
                rest = rest.split(end, 1)[0]
            try:
                return Version(rest)
            except InvalidVersion:
                return None
    return None


def parse_filename(filename: str) -> tuple[str, Version | None]:
    try:
        if filename.endswith(".whl"):
            name, version, _build, _tags = parse_wheel_filename(filename)
            return str(name), version
        if filename.endswith((".tar.gz", ".zip")):
            name, version = parse_sdist_filename(filename)
            return str(name), version
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        pass
    return "", None


def _file(
    filename: str,
    url: str,
    hashes: dict[str, str],
    provenance: object,
    offered: bool,
    yanked: bool,
) -> IndexFile:
    project, version = parse_filename(filename)
    return IndexFile(
        filename=filename,
        url=url,
        hashes=tuple(sorted((k.lower(), str(v).lower()) for k, v in hashes.items())),
        project=project,
        version=version,
        provenance_url=urllib.parse.urljoin(url, provenance)
        if isinstance(provenance, str) and provenance
        else None,
        provenance_offered=offered,
        yanked=yanked,
    )


def parse_json_page(text: str, page_url: str) -> list[IndexFile]:
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("not a PEP 691 project page (no 'files' list)")
    files: list[IndexFile] = []
    for entry in data["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        url = urllib.parse.urljoin(page_url, str(entry.get("url", "")))
        hashes = entry.get("hashes") if isinstance(entry.get("hashes"), dict) else {}
        files.append(_file(
            entry["filename"], url, hashes or {}, entry.get("provenance"),
            "provenance" in entry, bool(entry.get("yanked")),
        ))
    return files


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[tuple[dict[str, str | None], str]] = []
        self._current: dict[str, str | None] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._current = dict(attrs)
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._current is not None:
            self.anchors.append((self._current, "".join(self._text).strip()))
            self._current = None


def parse_html_page(text: str, page_url: str) -> list[IndexFile]:
    parser = _Anchors()
    parser.feed(text)
    files: list[IndexFile] = []
    for attrs, label in parser.anchors:
        href = attrs.get("href") or ""
        url = urllib.parse.urljoin(page_url, href)
        parts = urllib.parse.urlsplit(url)
        filename = label or urllib.parse.unquote(parts.path.rsplit("/", 1)[-1])
        hashes: dict[str, str] = {}
        algo, sep, value = parts.fragment.partition("=")
        if sep:
            hashes[algo] = value
        clean = urllib.parse.urlunsplit(parts._replace(fragment=""))
        files.append(_file(
            filename, clean, hashes, attrs.get("data-provenance"),
            "data-provenance" in attrs, "data-yanked" in attrs,
        ))
    return files


def _with_local_hash(file: IndexFile) -> IndexFile:
    """A local file's sha256, computed from the file itself when the index gives none."""
    if file.hash("sha256") is not None or not file.url.startswith("file:"):
        return file
    path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(file.url).path))
    if not path.is_file():
        return file
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
    except OSError:
        return file
    return replace(file, hashes=(*file.hashes, ("sha256", digest.hexdigest())))


class IndexClient:
    """Project pages and provenance objects, fetched once per run (thread-safe cache)."""

    def __init__(self, *, offline: bool = False, fetch: Fetch | None = None, workers: int = 8):
        self.offline = offline
        self._fetch: Fetch = fetch or net.get
        self._pages: dict[tuple[str, str], ProjectPage | NetworkError] = {}
        self._lock = threading.Lock()
        self.workers = workers

    @staticmethod
    def project_url(index: str, name: str) -> str:
        return index.rstrip("/") + "/" + canonicalize_name(name) + "/"

    def _load(self, index: str, name: str) -> ProjectPage | NetworkError:
        canonical = str(canonicalize_name(name))
        url = self.project_url(index, canonical)
        if urllib.parse.urlsplit(url).scheme == "file":
            return self._load_local(index, canonical, url)
        try:
            resp = self._fetch(
                url, offline=self.offline, accept=JSON_ACCEPT, max_bytes=MAX_PAGE,
                allow_status=(404, 410),
            )
        except NetworkError as exc:
            return exc
        if resp.status in (404, 410):
            return ProjectPage(index, canonical, url, exists=False)
        ctype = {k.lower(): v for k, v in resp.headers.items()}.get("content-type", "")
        text = resp.body.decode("utf-8", errors="replace")
        try:
            if "json" in ctype:
                files = parse_json_page(text, resp.url)
            else:
                files = parse_html_page(text, resp.url)
        except ValueError as exc:
            return NetworkError(f"unreadable project page: {exc}", location=url)
        return ProjectPage(index, canonical, url, exists=True, files=tuple(files))

    @staticmethod
    def _load_local(index: str, canonical: str, url: str) -> ProjectPage | NetworkError:
        """A ``file://`` index: a directory in PEP 503 layout (``<name>/index.html``)."""
        directory = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        for candidate in (directory / "index.html", directory / "index.htm"):
            if candidate.is_file():
                try:
                    text = candidate.read_text(encoding="utf-8", errors="replace")
                except OSError as exc:
                    return NetworkError(f"cannot read local index: {exc.strerror}", location=url)
                files = [_with_local_hash(f) for f in parse_html_page(text, candidate.as_uri())]
                return ProjectPage(index, canonical, url, exists=True, files=tuple(files))
        if directory.is_dir():
            files = [
                _with_local_hash(_file(p.name, p.as_uri(), {}, None, False, False))
                for p in sorted(directory.iterdir()) if p.is_file()
            ]
            return ProjectPage(index, canonical, url, exists=bool(files), files=tuple(files))
        if directory.parent.is_dir():  # a flat --find-links directory: the files themselves
            files = [
                _with_local_hash(_file(p.name, p.as_uri(), {}, None, False, False))
                for p in sorted(directory.parent.iterdir())
                if p.is_file() and (
                    parse_filename(p.name)[0] == canonical
                    or _loose_version(p.name, canonical) is not None
                )
            ]
            return ProjectPage(index, canonical, url, exists=bool(files), files=tuple(files))
        return ProjectPage(index, canonical, url, exists=False)

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        todo = sorted({(i, str(canonicalize_name(n))) for i, n in pairs} - set(self._pages))
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=min(self.workers, len(todo))) as pool:
            for pair, page in zip(todo, pool.map(lambda p: self._load(*p), todo), strict=True):
                with self._lock:
                    self._pages[pair] = page

    def page(self, index: str, name: str) -> ProjectPage:
        """The project page; raises :class:`NetworkError` when the index could not be asked."""
        key = (index, str(canonicalize_name(name)))
        with self._lock:
            cached = self._pages.get(key)
        if cached is None:
            cached = self._load(*key)
            with self._lock:
                self._pages[key] = cached
        if isinstance(cached, NetworkError):
            raise cached
        return cached

    def provenance(self, page: ProjectPage, file: IndexFile) -> dict[str, object] | None:
        """The PEP 740 provenance object for ``file``, or None when the index has none.

        Uses the file entry's ``provenance`` URL; when the index said nothing about provenance,
        asks the Integrity API at the index host (``/integrity/<project>/<version>/<file>/
        provenance``). Raises :class:`NetworkError` when it could not be fetched.
        """
        if file.provenance_offered and file.provenance_url is None:
            return None
        url = file.provenance_url
        guessed = url is None  # the index said nothing: try its Integrity API
        if url is None:
            if file.version is None:
                return None
            parts = urllib.parse.urlsplit(page.url)
            quoted = urllib.parse.quote(file.filename)
            path = f"/integrity/{page.name}/{file.version}/{quoted}/provenance"
            url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
        if urllib.parse.urlsplit(url).scheme == "file":
            local = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
            if not local.is_file():
                return None  # a local directory index has no Integrity API
            body = local.read_bytes()
        else:
            resp = self._fetch(
                url, offline=self.offline, accept="application/vnd.pypi.integrity.v1+json",
                allow_status=(404, 410),
            )
            if resp.status in (404, 410):
                return None
            body = resp.body
        try:
            data = json.loads(body)
        except ValueError:
            if guessed:
                return None  # not an Integrity API (an index without PEP 740 support)
            raise NetworkError("provenance is not JSON", location=url) from None
        if not isinstance(data, dict):
            if guessed:
                return None
            raise NetworkError("provenance is not a JSON object", location=url)
        return data
