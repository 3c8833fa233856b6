# ruff: noqa
"""Fixture for PW205."""
import tempfile
from tempfile import mktemp


def report(text):
    path = tempfile.mktemp(suffix=".txt")  # expect: PW205@12
    other = mktemp()  # expect: PW205@13
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as f:  # ok
        f.write(text)
    return path, other
