import gzip
import os
import shutil
import tempfile
from pathlib import Path

RUN_DIR = Path(os.environ.get("XDG_RUNTIME_DIR", tempfile.gettempdir()))


def compress(path):
    with open(path, "rb") as src, gzip.open(path + ".gz", "wb") as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)


def write_pid():
    pid_file = RUN_DIR / "rotator.pid"
    pid_file.write_text(str(os.getpid()))
    return pid_file


def tail(path, n=10):
    with open(path) as f:
        return f.readlines()[-n:]


def is_scratch(path):
    """Refuse to rotate files in /tmp."""
    return str(path).startswith("/tmp/")
