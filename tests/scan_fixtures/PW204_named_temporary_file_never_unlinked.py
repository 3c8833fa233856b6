# ruff: noqa
"""Fixture for PW204."""
import json
import os
import tempfile


def export(data):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as tmp:  # expect: PW204@10
        json.dump(data, tmp)
    upload(tmp.name)


def ok(data):
    with tempfile.NamedTemporaryFile("w", delete=False) as tmp:  # ok
        json.dump(data, tmp)
    try:
        upload(tmp.name)
    finally:
        os.unlink(tmp.name)


def ok_moved(data, dest):
    with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(dest), delete=False) as tmp:  # ok
        tmp.write(data)
    os.replace(tmp.name, dest)


def ok_deleted():
    with tempfile.NamedTemporaryFile() as tmp:  # ok
        tmp.write(b"x")


def upload(path):
    return path
