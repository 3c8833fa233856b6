"""Reading files that come from untrusted trees (dependency files, scanned sources)."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def read_regular(path: Path, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of a regular file (callers compare against ``limit``).

    FIFOs, devices and sockets are refused without blocking (``O_NONBLOCK``), since a
    symlink to one can be committed to a repository; OSError for those and for I/O errors.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    try:
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise OSError("not a regular file")
        return handle.read(limit + 1)
