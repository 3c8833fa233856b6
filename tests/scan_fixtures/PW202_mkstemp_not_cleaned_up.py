# ruff: noqa
"""Fixture for PW202."""
import os
import tempfile


def render(data):
    fd, path = tempfile.mkstemp(suffix=".txt")  # expect: PW202@16
    with open(path, "w") as f:
        f.write(data)
    return os.path.getsize(path)


def leak_fd():
    _, path = tempfile.mkstemp()  # expect: PW202@15
    os.unlink(path)


def ok(data):
    fd, path = tempfile.mkstemp()  # ok
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
        return os.path.getsize(path)
    finally:
        os.unlink(path)


def ok_returned():
    fd, path = tempfile.mkstemp()  # ok
    os.close(fd)
    return path
