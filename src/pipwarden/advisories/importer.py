"""Build the advisory store from an OSV export and a popular-package list.

The store is built into a temporary file next to the real one and renamed into place only
when complete, so a failed import never leaves a broken store. Archives are untrusted: entry
names, sizes and counts are checked before anything is read.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import os
import sqlite3
import sys
import tempfile
import zipfile
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pipwarden import net
from pipwarden.advisories.neighbours import fill_neighbours
from pipwarden.advisories.osv import RecordError, parse_record
from pipwarden.advisories.store import (
    SCHEMA_VERSION,
    create_schema,
    neighbours_of,
    write_meta,
)
from pipwarden.errors import StoreError
from pipwarden.names import canonicalize_name
from pipwarden.urls import redact

# Default sources (neither is a package index). Overridden with --osv / --popular.
DEFAULT_OSV_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
DEFAULT_POPULAR_URL = (
    "https://hugovk.github.io/top-pypi-packages/top-pypi-packages-30-days.min.json"
)

MAX_ENTRIES = 500_000
MAX_ENTRY_BYTES = 32 * 1024 * 1024
MAX_TOTAL_BYTES = 4 * 1024 * 1024 * 1024
MAX_RATIO = 1000  # uncompressed / compressed for one entry
MAX_POPULAR_BYTES = 256 * 1024 * 1024


@dataclass
class ImportResult:
    path: Path
    unchanged: bool = False
    advisories: int = 0
    malformed: int = 0
    malformed_examples: list[str] = field(default_factory=list)
    popular: int = 0
    kept: list[str] = field(default_factory=list)  # parts carried over from the old store
    seconds: float = 0.0

    def describe(self) -> str:
        if self.unchanged:
            return f"advisory store is up to date ({self.path}); nothing changed in the sources"
        parts = [f"imported {self.advisories} advisories"]
        if self.malformed:
            parts.append(f"skipped {self.malformed} malformed records")
        parts.append(f"{self.popular} popular names")
        text = ", ".join(parts) + f" into {self.path} in {self.seconds:.2f}s"
        if self.kept:
            text += f" (kept {' and '.join(self.kept)} from the previous store)"
        for example in self.malformed_examples:
            text += f"\n  skipped: {example}"
        return text


def _is_url(src: str) -> bool:
    return src.startswith(("http://", "https://"))


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _sha256_dir(path: Path) -> str:
    digest = hashlib.sha256()
    for child in sorted(path.rglob("*")):
        if child.is_file() and child.suffix in {".json", ".yaml", ".yml"}:
            digest.update(str(child.relative_to(path)).encode())
            digest.update(_sha256_file(child).encode())
    return digest.hexdigest()


def _progress_callback(label: str) -> tuple[Callable[[int, int | None], None], Callable[[], None]]:
    """A rich progress bar on stderr when it is a terminal, else a no-op."""
    if not sys.stderr.isatty():
        return (lambda done, total: None), (lambda: None)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    progress = Progress(
        TextColumn(label),
        BarColumn(),
        DownloadColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = progress.add_task(label, total=None)
    progress.start()

    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return update, progress.stop


def fetch(src: str, workdir: Path, label: str) -> Path:
    """A local path for ``src``: the path itself, or a download into ``workdir``.

    A URL may end in ``#sha256=<hex>`` (as in pip): the download must have that digest.
    """
    if not _is_url(src):
        path = Path(src).expanduser().resolve()
        if not path.exists():
            raise StoreError("no such file or directory", location=src)
        return path
    url, _, fragment = src.partition("#")
    expected = fragment[len("sha256=") :] if fragment.startswith("sha256=") else None
    name = PurePosixPath(url.split("?")[0]).name or "download"
    target = workdir / name
    update, stop = _progress_callback(f"downloading {label}")
    announced = False

    def progress(done: int, total: int | None) -> None:
        nonlocal announced
        if not announced:
            announced = True
            size = f" ({total / 1_000_000:.1f} MB)" if total else ""
            sys.stderr.write(f"downloading {label} from {redact(url)}{size}\n")
        update(done, total)

    try:
        with target.open("wb") as handle:
            net.download(url, handle, progress=progress, expected_sha256=expected)
    finally:
        stop()
    return target


# --- OSV records ---------------------------------------------------------------------------


def _check_member(info: zipfile.ZipInfo, total: int, where: str) -> int:
    name = info.filename
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":"):
        raise StoreError(f"unsafe entry name {name!r} (path traversal)", location=where)
    if info.file_size > MAX_ENTRY_BYTES:
        raise StoreError(
            f"entry {name!r} is {info.file_size} bytes uncompressed (limit {MAX_ENTRY_BYTES})",
            location=where,
        )
    if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_RATIO:
        raise StoreError(f"entry {name!r} has an absurd compression ratio", location=where)
    total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise StoreError("archive is too large uncompressed", location=where)
    return total


def _yaml_load(text: str) -> Any:
    try:
        import yaml
    except ImportError:  # pragma: no cover - pyyaml is a dependency
        raise StoreError("reading YAML records needs PyYAML") from None

    class _Loader(yaml.SafeLoader):
        pass

    # OSV's own importer reads dates as strings: drop the timestamp resolver.
    _Loader.yaml_implicit_resolvers = {
        key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def _decode(name: str, data: bytes) -> Any:
    text = data.decode("utf-8")
    if name.endswith((".yaml", ".yml")):
        return _yaml_load(text)
    return json.loads(text)


def iter_osv_documents(path: Path) -> Iterator[tuple[str, bytes]]:
    """(entry name, raw bytes) for each record in a zip or a directory."""
    if path.is_dir():
        files = [
            p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix in {".json", ".yaml", ".yml"}
        ]
        if not files:
            raise StoreError("no OSV .json or .yaml records in this directory", location=str(path))
        for file in files:
            if file.is_symlink():
                continue
            if file.stat().st_size > MAX_ENTRY_BYTES:
                raise StoreError("record file is too large", location=str(file))
            yield str(file.relative_to(path)), file.read_bytes()
        return
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise StoreError("not a zip archive, or truncated/corrupt", location=str(path)) from None
    except OSError as exc:
        raise StoreError(f"cannot read: {exc.strerror}", location=str(path)) from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ENTRIES:
            raise StoreError(f"archive has {len(infos)} entries (limit {MAX_ENTRIES})", location=str(path))
        total = 0
        for info in infos:
            total = _check_member(info, total, str(path))
        for info in infos:
            if info.is_dir() or not info.filename.endswith((".json", ".yaml", ".yml")):
                continue
            try:
                data = archive.read(info)
            except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
                raise StoreError(
                    f"archive is corrupt at {info.filename!r}: {exc}", location=str(path)
                ) from None
            yield info.filename, data


def _malicious_packages(conn: sqlite3.Connection) -> list[str]:
    return [
        str(row[0])
        for row in conn.execute(
            "SELECT DISTINCT f.package FROM affected f JOIN advisories a"
            " ON a.id = f.advisory_id WHERE a.malicious = 1 AND a.withdrawn IS NULL"
        )
    ]


def fill_name_model(conn: sqlite3.Connection, malicious: list[str]) -> None:
    """Learn the names of the malicious records against the popular list (see
    :mod:`pipwarden.checks.namemodel`); too few malicious records: no model."""
    from pipwarden.checks.namemodel import train

    popular = [str(r[0]) for r in conn.execute("SELECT name FROM popular ORDER BY rank")]
    model = train(malicious, popular)
    if model is None:
        return
    conn.executemany("INSERT INTO name_grams VALUES (?, ?)", sorted(model.weights.items()))
    write_meta(
        conn,
        [
            ("name_model_unseen", repr(model.unseen)),
            ("name_model_threshold", repr(model.threshold)),
            ("name_model_malicious", str(model.malicious)),
        ],
    )


def fill_attacked(conn: sqlite3.Connection, names: list[str]) -> None:
    """Fill the ``attacked`` table: which popular names the packages of the store's malicious
    records imitate, and how many of them (the typosquat check loosens its gate for those)."""
    from pipwarden.checks.typosquat import attack_counts

    if not names:
        return

    def lookup(keys: Collection[str]) -> dict[str, list[tuple[str, int]]]:
        return neighbours_of(conn, keys)

    counts = attack_counts(lookup, names)
    conn.executemany("INSERT INTO attacked VALUES (?, ?)", sorted(counts.items()))


# --- popular list ---------------------------------------------------------------------------


def load_popular(path: Path) -> list[tuple[str, int]]:
    """(canonical name, downloads) most downloaded first, from the top-pypi-packages format.

    Also accepted: a JSON list of names, or of {"project"/"name", "download_count"/"downloads"}.
    """
    if path.is_dir():
        raise StoreError("the popular list must be a JSON file, not a directory", location=str(path))
    if path.stat().st_size > MAX_POPULAR_BYTES:
        raise StoreError("popular list is too large", location=str(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise StoreError(f"popular list is not valid JSON: {exc}", location=str(path)) from None
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list):
        raise StoreError("popular list has no 'rows' list", location=str(path))
    out: dict[str, int] = {}
    for index, row in enumerate(rows):
        name: object
        downloads: object
        if isinstance(row, str):
            name, downloads = row, 0
        elif isinstance(row, dict):
            name = row.get("project", row.get("name"))
            downloads = row.get("download_count", row.get("downloads", 0))
        else:
            raise StoreError(f"rows[{index}] is not an object", location=str(path))
        if not isinstance(name, str) or not isinstance(downloads, int):
            raise StoreError(f"rows[{index}] needs a project name and a download count", location=str(path))
        key = canonicalize_name(name)
        out.setdefault(key, downloads)
    return sorted(out.items(), key=lambda item: -item[1])


# --- the build --------------------------------------------------------------------------------


def _old_meta(target: Path) -> dict[str, str]:
    if not target.is_file():
        return {}
    try:
        with contextlib.closing(sqlite3.connect(f"file:{target}?mode=ro", uri=True)) as conn:
            return dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError:
        return {}


def _import_osv(conn: sqlite3.Connection, path: Path, result: ImportResult) -> None:
    adv_rows: list[tuple[object, ...]] = []
    aff_rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    documents = 0
    for name, data in iter_osv_documents(path):
        documents += 1
        try:
            doc = _decode(name, data)
            advisory, affected = parse_record(doc)
        except (RecordError, ValueError, UnicodeDecodeError) as exc:
            result.malformed += 1
            if len(result.malformed_examples) < 5:
                result.malformed_examples.append(f"{name}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - e.g. a YAML error: skip and count
            result.malformed += 1
            if len(result.malformed_examples) < 5:
                result.malformed_examples.append(f"{name}: {type(exc).__name__}")
            continue
        if advisory.id in seen:
            continue
        seen.add(advisory.id)
        adv_rows.append(
            (
                advisory.id,
                json.dumps(list(advisory.aliases)),
                advisory.summary,
                advisory.details,
                advisory.severity.value,
                advisory.score,
                advisory.vector,
                advisory.published,
                advisory.modified,
                advisory.withdrawn,
                int(advisory.malicious),
                advisory.url,
                json.dumps(list(advisory.fixed_in)),
            )
        )
        for item in affected:
            aff_rows.append((advisory.id, item.package, *item.to_json()))
    if documents == 0:
        raise StoreError("the archive holds no OSV records", location=str(path))
    if not adv_rows:
        raise StoreError(
            f"none of the {documents} entries is an OSV record (is this an OSV export?)",
            location=str(path),
        )
    placeholders = ",".join("?" * 13)
    conn.executemany(f"INSERT INTO advisories VALUES ({placeholders})", adv_rows)  # noqa: S608
    conn.executemany("INSERT INTO affected VALUES (?, ?, ?, ?, ?)", aff_rows)
    result.advisories = len(adv_rows)


def _copy_from_old(conn: sqlite3.Connection, target: Path, tables: list[str]) -> None:
    conn.execute("ATTACH DATABASE ? AS old", (f"file:{target}?mode=ro",))
    for table in tables:
        conn.execute(f"INSERT INTO {table} SELECT * FROM old.{table}")  # noqa: S608
    conn.commit()
    conn.execute("DETACH DATABASE old")


def _describe(src: str | None) -> str:
    if not src:
        return ""
    return src.partition("#")[0] if _is_url(src) else str(Path(src).expanduser().resolve())


def update(
    target: Path,
    osv: str | None = None,
    popular: str | None = None,
    force: bool = False,
) -> ImportResult:
    """Import ``osv`` and ``popular`` into the store at ``target``, atomically.

    With neither given, both defaults are downloaded. With only one given, the other part is
    carried over from the existing store (so an air-gapped ``--osv PATH`` never goes online).
    """
    import time

    started = time.perf_counter()
    if osv is None and popular is None:
        osv, popular = DEFAULT_OSV_URL, DEFAULT_POPULAR_URL
    target.parent.mkdir(parents=True, exist_ok=True)
    old = _old_meta(target)
    old_valid = old.get("schema_version") == str(SCHEMA_VERSION)
    result = ImportResult(target)
    with tempfile.TemporaryDirectory(prefix="pipwarden-", dir=target.parent) as tmp:
        workdir = Path(tmp)
        osv_path = fetch(osv, workdir, "OSV advisories") if osv else None
        popular_path = fetch(popular, workdir, "popular packages") if popular else None
        osv_hash = (
            (_sha256_dir(osv_path) if osv_path.is_dir() else _sha256_file(osv_path))
            if osv_path
            else old.get("osv_sha256", "")
        )
        popular_hash = _sha256_file(popular_path) if popular_path else old.get("popular_sha256", "")
        if (
            not force
            and old_valid
            and osv_hash == old.get("osv_sha256")
            and popular_hash == old.get("popular_sha256", "")
        ):
            result.unchanged = True
            return result
        popular_rows = load_popular(popular_path) if popular_path else None
        tmp_db = workdir / "store.sqlite"
        conn = sqlite3.connect(tmp_db)
        try:
            conn.execute("PRAGMA journal_mode=OFF")
            conn.execute("PRAGMA synchronous=OFF")
            create_schema(conn)
            if osv_path is not None:
                _import_osv(conn, osv_path, result)
            elif old_valid:
                _copy_from_old(conn, target, ["advisories", "affected"])
                result.kept.append("advisories")
                result.advisories = conn.execute("SELECT count(*) FROM advisories").fetchone()[0]
            if popular_rows is not None:
                conn.executemany(
                    "INSERT INTO popular VALUES (?, ?, ?)",
                    [(n, d, i) for i, (n, d) in enumerate(popular_rows, start=1)],
                )
                result.popular = len(popular_rows)
            elif old_valid:
                _copy_from_old(conn, target, ["popular"])
                result.popular = conn.execute("SELECT count(*) FROM popular").fetchone()[0]
                if result.popular:
                    result.kept.append("popular names")
            fill_neighbours(conn)
            malicious = _malicious_packages(conn)
            fill_attacked(conn, malicious)
            fill_name_model(conn, malicious)
            now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
            write_meta(
                conn,
                [
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("built", now),
                    ("osv_source", _describe(osv) or old.get("osv_source", "")),
                    ("osv_sha256", osv_hash),
                    ("osv_imported", now if osv else old.get("osv_imported", "")),
                    ("popular_source", _describe(popular) or old.get("popular_source", "")),
                    ("popular_sha256", popular_hash),
                    ("malformed", str(result.malformed)),
                ],
            )
            conn.commit()
        except BaseException:
            conn.close()
            raise
        conn.close()
        os.replace(tmp_db, target)
    result.seconds = time.perf_counter() - started
    return result
