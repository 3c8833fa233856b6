import csv
import os
import tempfile


def export_rows(rows, dest):
    """Write atomically: temporary file in the destination directory, then rename."""
    directory = os.path.dirname(os.path.abspath(dest))
    with tempfile.NamedTemporaryFile("w", dir=directory, suffix=".csv", delete=False) as tmp:
        csv.writer(tmp).writerows(rows)
    os.replace(tmp.name, dest)


def scratch_copy(rows):
    fd, path = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(fd, "w") as f:
            csv.writer(f).writerows(rows)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def spool(rows):
    with tempfile.SpooledTemporaryFile(max_size=1 << 20, mode="w+") as f:
        csv.writer(f).writerows(rows)
        f.seek(0)
        return f.read()


def make_workdir():
    """The caller removes the directory."""
    return tempfile.mkdtemp(prefix="export-")
