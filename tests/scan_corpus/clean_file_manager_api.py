import shutil
from pathlib import Path

from flask import Flask, abort, request

app = Flask(__name__)
ROOT = Path("/srv/files").resolve()


def inside_root(relative):
    full = (ROOT / relative).resolve()
    if not full.is_relative_to(ROOT) or full == ROOT:
        abort(403)
    return full


@app.route("/files/delete", methods=["POST"])
def delete():
    target = inside_root(request.form["path"])
    if target.is_dir():
        shutil.rmtree(target)
    else:
        target.unlink()
    return "deleted"


@app.route("/files/read")
def read():
    return inside_root(request.args["path"]).read_text()


@app.route("/files/write", methods=["POST"])
def write():
    name = Path(request.form["name"]).name
    (ROOT / name).write_text(request.form["content"])
    return "ok"
