"""A small HTTP response cache in SQLite (``cache.sqlite`` under ``PIPWARDEN_HOME``).

Responses are keyed by URL and kept for a maximum age chosen by the reader (a day for index
metadata). Writes are single SQLite transactions, so a crash never leaves a half-written
entry; a cache file that cannot be read is treated as empty and rebuilt.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import time
from pathlib import Path

from pipwarden import net

DAY = 86400.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS http (
    url TEXT PRIMARY KEY,
    fetched REAL NOT NULL,
    status INTEGER NOT NULL,
    final_url TEXT NOT NULL,
    headers TEXT NOT NULL,
    body BLOB NOT NULL
);
"""


class Cache:
    """URL -> response, with a timestamp. Use as a context manager or call :meth:`close`."""

    def __init__(self, path: Path):
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._conn is None:
            conn = self._open()
            if conn is None:  # a corrupt cache file: start a new one
                with contextlib.suppress(OSError):
                    self.path.unlink()
                conn = self._open()
            if conn is None:
                return None  # no cache: every request goes to the network
            self._conn = conn
        return self._conn

    def _open(self) -> sqlite3.Connection | None:
        """A connection with the schema in place, or None (closed again on failure)."""
        conn: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Closed below on every sqlite3 error; on success the Cache owns it.
            conn = sqlite3.connect(self.path, timeout=5)  # pipwarden: ignore[PW201]
            conn.executescript(_SCHEMA)
        except (sqlite3.DatabaseError, OSError):
            if conn is not None:
                conn.close()
            return None
        return conn

    def get(self, url: str, max_age: float = DAY, now: float | None = None) -> net.Response | None:
        conn = self._connect()
        if conn is None:
            return None
        try:
            row = conn.execute(
                "SELECT fetched, status, final_url, headers, body FROM http WHERE url = ?", (url,)
            ).fetchone()
        except sqlite3.DatabaseError:
            return None
        if row is None:
            return None
        fetched, status, final_url, headers, body = row
        if (now if now is not None else time.time()) - float(fetched) > max_age:
            return None
        try:
            header_map = {str(k): str(v) for k, v in json.loads(headers).items()}
        except (ValueError, AttributeError):
            return None
        return net.Response(str(final_url), int(status), header_map, bytes(body))

    def put(self, url: str, response: net.Response, now: float | None = None) -> None:
        conn = self._connect()
        if conn is None:
            return
        try:
            with conn:
                conn.execute(
                    "INSERT OR REPLACE INTO http VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        url,
                        now if now is not None else time.time(),
                        response.status,
                        response.url,
                        json.dumps(response.headers),
                        response.body,
                    ),
                )
        except sqlite3.DatabaseError:
            return

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Cache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def cached_get(
    url: str,
    cache: Cache | None,
    *,
    offline: bool = False,
    max_age: float = DAY,
    accept: str | None = None,
    allow_status: tuple[int, ...] = (404,),
    max_bytes: int = 32 * 1024 * 1024,
) -> net.Response:
    """GET through the cache: a fresh cached answer, else the network (and remember it)."""
    key = f"{accept or ''} {net.redact(url)}"  # credentials never reach the cache file
    if cache is not None:
        hit = cache.get(key, max_age)
        if hit is not None:
            return hit
    response = net.get(
        url, offline=offline, accept=accept, allow_status=allow_status, max_bytes=max_bytes
    )
    if cache is not None and (200 <= response.status < 300 or response.status == 404):
        cache.put(key, response)
    return response
