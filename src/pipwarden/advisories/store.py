"""The SQLite advisory store: read side.

Only :mod:`pipwarden.advisories.importer` writes a store, into a temporary file that is then
renamed into place. Reading never parses every advisory: lookups go by package name.
"""

from __future__ import annotations

import datetime
import json
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipwarden.advisories.osv import Affected
from pipwarden.errors import StoreError
from pipwarden.models import Advisory, AdvisoryId, Severity, StoreInfo

if TYPE_CHECKING:
    from pipwarden.checks.namemodel import NameModel

SCHEMA_VERSION = 4
STALE_DAYS = 7

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisories (
    id TEXT PRIMARY KEY,
    aliases TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    severity TEXT NOT NULL,
    score REAL,
    vector TEXT,
    published TEXT,
    modified TEXT,
    withdrawn TEXT,
    malicious INTEGER NOT NULL,
    url TEXT,
    fixed_in TEXT NOT NULL
);
CREATE TABLE affected (
    advisory_id TEXT NOT NULL REFERENCES advisories(id),
    package TEXT NOT NULL,
    ranges TEXT NOT NULL,
    versions TEXT NOT NULL,
    version_keys TEXT NOT NULL
);
CREATE INDEX affected_package ON affected(package);
CREATE TABLE popular (name TEXT PRIMARY KEY, downloads INTEGER NOT NULL, rank INTEGER NOT NULL);
CREATE TABLE neighbours (
    key TEXT NOT NULL, name TEXT NOT NULL, downloads INTEGER NOT NULL, PRIMARY KEY (key, name)
) WITHOUT ROWID;
CREATE TABLE attacked (name TEXT PRIMARY KEY, imitations INTEGER NOT NULL);
CREATE TABLE name_grams (gram TEXT PRIMARY KEY, weight REAL NOT NULL) WITHOUT ROWID;
"""

_ADVISORY_COLUMNS = (
    "a.id, a.aliases, a.summary, a.details, a.severity, a.score, a.vector, a.published,"
    " a.modified, a.withdrawn, a.malicious, a.url, a.fixed_in"
)
# The same without the long ``details`` text, for bulk look-ups (see Store.details()).
_BRIEF_COLUMNS = _ADVISORY_COLUMNS.replace("a.details", "''")


def _advisory(row: tuple[object, ...]) -> Advisory:
    return Advisory(
        id=AdvisoryId(str(row[0])),
        aliases=tuple(json.loads(str(row[1]))),
        summary=str(row[2]),
        details=str(row[3]),
        severity=Severity(str(row[4])),
        score=float(row[5]) if isinstance(row[5], (int, float)) else None,
        vector=str(row[6]) if row[6] is not None else None,
        published=str(row[7]) if row[7] is not None else None,
        modified=str(row[8]) if row[8] is not None else None,
        withdrawn=str(row[9]) if row[9] is not None else None,
        malicious=bool(row[10]),
        url=str(row[11]) if row[11] is not None else None,
        fixed_in=tuple(json.loads(str(row[12]))),
    )


@dataclass(frozen=True)
class Counts:
    advisories: int
    packages: int
    malicious: int
    withdrawn: int
    popular: int


class Store:
    """A read-only view of the advisory store."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._meta: dict[str, str] = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        self._packages: frozenset[str] | None = None
        self._popular: dict[str, int] | None = None

    # --- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path) -> Store:
        if not path.is_file():
            raise StoreError(
                f"no advisory store at {path}",
                hint="run: pipwarden db update (or pipwarden db update --osv PATH offline)",
            )
        conn: sqlite3.Connection | None = None
        try:
            # Closed below on every sqlite3 error; on success the Store owns it.
            conn = sqlite3.connect(  # pipwarden: ignore[PW201]
                f"file:{path}?mode=ro", uri=True, check_same_thread=False
            )
            version = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            raise StoreError(
                f"the advisory store is unreadable ({exc})",
                location=str(path),
                hint="rebuild it: pipwarden db update --force",
            ) from None
        if version is None or version[0] != str(SCHEMA_VERSION):
            conn.close()
            raise StoreError(
                "the advisory store was built by another pipwarden version",
                location=str(path),
                hint="rebuild it: pipwarden db update --force",
            )
        return cls(conn, path)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- metadata ------------------------------------------------------------------------
    @property
    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def info(self, now: datetime.datetime | None = None) -> StoreInfo:
        built = self._meta.get("built")
        age = None
        if built:
            moment = now or datetime.datetime.now(datetime.timezone.utc)
            then = datetime.datetime.fromisoformat(built)
            age = (moment - then).total_seconds() / 86400
        stale = age is not None and age > STALE_DAYS
        return StoreInfo(str(self.path), built, age, stale)

    def staleness_warning(self) -> str | None:
        info = self.info()
        if info.stale and info.age_days is not None:
            return (
                f"the advisory store is {int(info.age_days)} days old; "
                "run pipwarden db update for current advisories"
            )
        return None

    def counts(self) -> Counts:
        c = self._conn
        return Counts(
            advisories=c.execute("SELECT count(*) FROM advisories").fetchone()[0],
            packages=c.execute("SELECT count(DISTINCT package) FROM affected").fetchone()[0],
            malicious=c.execute("SELECT count(*) FROM advisories WHERE malicious=1").fetchone()[0],
            withdrawn=c.execute(
                "SELECT count(*) FROM advisories WHERE withdrawn IS NOT NULL"
            ).fetchone()[0],
            popular=c.execute("SELECT count(*) FROM popular").fetchone()[0],
        )

    # --- advisories ----------------------------------------------------------------------
    def packages(self) -> frozenset[str]:
        """Every package name that any advisory affects."""
        if self._packages is None:
            rows = self._conn.execute("SELECT DISTINCT package FROM affected").fetchall()
            self._packages = frozenset(r[0] for r in rows)
        return self._packages

    def advisories_for(self, name: str) -> list[tuple[Advisory, Affected]]:
        """Every (advisory, affected entry) pair for one canonical package name.

        ``Advisory.details`` is left empty here; :meth:`details` fetches it for the few
        advisories that matched.
        """
        if name not in self.packages():
            return []
        rows = self._conn.execute(
            f"SELECT {_BRIEF_COLUMNS}, f.ranges, f.version_keys FROM affected f "  # noqa: S608
            "JOIN advisories a ON a.id = f.advisory_id WHERE f.package = ? ORDER BY a.id",
            (name,),
        ).fetchall()
        return [(_advisory(r[:13]), Affected.from_json(name, r[13], r[14])) for r in rows]

    def affected_for(self, name: str) -> list[tuple[str, Affected]]:
        """(advisory id, affected entry) for one canonical name, withdrawn records left out:
        all that matching needs, without building an Advisory for every record."""
        if name not in self.packages():
            return []
        rows = self._conn.execute(
            "SELECT f.advisory_id, f.ranges, f.version_keys FROM affected f "
            "JOIN advisories a ON a.id = f.advisory_id "
            "WHERE f.package = ? AND a.withdrawn IS NULL ORDER BY f.advisory_id",
            (name,),
        ).fetchall()
        return [(str(r[0]), Affected.from_json(name, r[1], r[2])) for r in rows]

    def advisories(self, ids: Iterable[str]) -> dict[str, Advisory]:
        """The advisories with these ids (``details`` left empty, see :meth:`details`)."""
        rows = self._rows_by_id(f"SELECT {_BRIEF_COLUMNS} FROM advisories a", ids)  # noqa: S608
        return {str(row[0]): _advisory(row) for row in rows}

    def details(self, ids: Iterable[str]) -> dict[str, str]:
        """The ``details`` text of these advisories."""
        rows = self._rows_by_id("SELECT a.id, a.details FROM advisories a", ids)
        return {str(row[0]): str(row[1]) for row in rows}

    def _rows_by_id(self, select: str, ids: Iterable[str]) -> list[tuple[object, ...]]:
        """``select`` (a constant query on ``advisories a``) for these ids, in chunks that
        stay under SQLite's limit on bound parameters."""
        wanted = sorted(set(ids))
        rows: list[tuple[object, ...]] = []
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"{select} WHERE a.id IN ({marks})"  # only placeholders are added
            rows += self._conn.execute(query, chunk).fetchall()
        return rows

    def advisory(self, ident: str) -> Advisory | None:
        row = self._conn.execute(
            f"SELECT {_ADVISORY_COLUMNS} FROM advisories a WHERE a.id = ?", (ident,)  # noqa: S608
        ).fetchone()
        return _advisory(row) if row else None

    def malicious_packages(self) -> frozenset[str]:
        rows = self._conn.execute(
            "SELECT DISTINCT f.package FROM affected f JOIN advisories a ON a.id = f.advisory_id "
            "WHERE a.malicious = 1 AND a.withdrawn IS NULL"
        ).fetchall()
        return frozenset(r[0] for r in rows)

    # --- popularity ----------------------------------------------------------------------
    def popular(self) -> dict[str, int]:
        """Canonical name -> 30-day downloads, most downloaded first."""
        if self._popular is None:
            rows = self._conn.execute("SELECT name, downloads FROM popular ORDER BY rank").fetchall()
            self._popular = {str(n): int(d) for n, d in rows}
        return self._popular

    def neighbours(self, keys: Collection[str]) -> dict[str, list[tuple[str, int]]]:
        """Popular names filed under each key (see :mod:`pipwarden.advisories.neighbours`),
        most downloaded first. Empty for a store built before the table existed."""
        try:
            return neighbours_of(self._conn, keys)
        except sqlite3.OperationalError:
            return {}

    def attacked(self) -> dict[str, int]:
        """Popular name -> how many known malicious packages imitate it (see
        :func:`pipwarden.checks.typosquat.attack_counts`). Empty for a store built before the
        table existed, or without malicious records."""
        try:
            rows = self._conn.execute("SELECT name, imitations FROM attacked").fetchall()
        except sqlite3.OperationalError:
            return {}
        return {str(n): int(c) for n, c in rows}

    def name_model(self) -> NameModel | None:
        """The model of names built like known malware (:mod:`pipwarden.checks.namemodel`),
        or None when ``db update`` learned none (too few malicious records, older store)."""
        from pipwarden.checks.namemodel import NameModel

        meta = self.meta
        try:
            unseen = float(meta["name_model_unseen"])
            threshold = float(meta["name_model_threshold"])
        except (KeyError, ValueError):
            return None

        def lookup(keys: Collection[str]) -> dict[str, float]:
            rows = _rows_in(self._conn, "SELECT gram, weight FROM name_grams WHERE gram", keys)
            return {str(g): float(w) for g, w in rows}

        return NameModel(lookup, unseen, threshold)

    def malicious_like(self, fragment: str, limit: int = 2) -> list[str]:
        """Names of malicious records that contain ``fragment`` (examples for a message)."""
        rows = self._conn.execute(
            "SELECT DISTINCT f.package FROM affected f JOIN advisories a ON a.id = f.advisory_id"
            " WHERE a.malicious = 1 AND instr(f.package, ?) > 0 ORDER BY f.package LIMIT ?",
            (fragment, limit),
        ).fetchall()
        return [str(r[0]) for r in rows]

    def has_neighbours(self) -> bool:
        try:
            return self._conn.execute("SELECT 1 FROM neighbours LIMIT 1").fetchone() is not None
        except sqlite3.OperationalError:
            return False

    def top(self, count: int) -> dict[str, int]:
        """The ``count`` most downloaded names (without loading the whole list)."""
        if self._popular is not None:
            return dict(list(self._popular.items())[:count])
        rows = self._conn.execute(
            "SELECT name, downloads FROM popular ORDER BY rank LIMIT ?", (count,)
        ).fetchall()
        return {str(n): int(d) for n, d in rows}

    def downloads(self, name: str) -> int | None:
        row = self._conn.execute("SELECT downloads FROM popular WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None



def _rows_in(conn: sqlite3.Connection, select: str, keys: Collection[str]) -> list[Any]:
    """The rows of ``select + " IN (...)"`` for ``keys``, in chunks under SQLite's limit."""
    wanted = list(keys)
    rows: list[Any] = []
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        placeholders = ",".join("?" * len(chunk))
        rows += conn.execute(f"{select} IN ({placeholders})", chunk).fetchall()
    return rows


def neighbours_of(
    conn: sqlite3.Connection, keys: Collection[str]
) -> dict[str, list[tuple[str, int]]]:
    """Popular names filed under each key in the ``neighbours`` table of ``conn``."""
    out: dict[str, list[tuple[str, int]]] = {}
    for key, name, downloads in _rows_in(
        conn, "SELECT key, name, downloads FROM neighbours WHERE key", keys
    ):
        out.setdefault(str(key), []).append((str(name), int(downloads)))
    return out


def create_schema(conn: sqlite3.Connection) -> None:
    conn.executescript(SCHEMA)


def write_meta(conn: sqlite3.Connection, items: Iterable[tuple[str, str]]) -> None:
    conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", list(items))

