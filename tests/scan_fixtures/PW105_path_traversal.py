# ruff: noqa
"""Fixture for PW105."""
import os
import sys
from pathlib import Path

from flask import abort, request, send_file, send_from_directory

BASE = "/srv/files"


def download():
    name = request.args["name"]
    return send_file(os.path.join(BASE, name))  # expect: PW105@12


def read():
    name = request.args["name"]
    with open(BASE + "/" + name) as f:  # expect: PW105@10
        return f.read()


def safe_read():
    name = request.args["name"]
    path = os.path.realpath(os.path.join(BASE, name))
    if not path.startswith(BASE + os.sep):
        abort(404)
    with open(path) as f:  # ok
        return f.read()


def delete():
    Path(BASE, request.form["name"]).unlink()  # expect: PW105@5
    os.remove(os.path.join(BASE, os.path.basename(request.form["name"])))  # ok
    return send_from_directory(BASE, request.args["name"])  # ok


def cli():
    with open(sys.argv[1]) as f:  # ok
        return f.read()
