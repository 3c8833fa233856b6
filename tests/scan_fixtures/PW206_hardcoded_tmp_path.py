# ruff: noqa
"""Fixture for PW206. Paths in /tmp in docstrings are fine: /tmp/example."""
import os
import tempfile

LOG_FILE = "/tmp/myapp.log"  # expect: PW206@12


def report(user):
    with open(f"/tmp/report-{user}.csv", "w") as f:  # expect: PW206@15
        f.write("x")
    spool = os.path.join("/var/tmp", "spool")  # expect: PW206@26
    return spool


def fine(path):
    if path.startswith("/tmp/"):  # ok
        return True
    cache = os.path.join(tempfile.gettempdir(), "cache")  # ok
    return path == "/tmp"  # ok
