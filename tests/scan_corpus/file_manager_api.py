import os
import shutil
from pathlib import Path

from flask import Flask, abort, request

app = Flask(__name__)
ROOT = Path("/srv/files")


@app.route("/files/delete", methods=["POST"])
def delete():
    target = ROOT / request.form["path"]
    if target.is_dir():
        shutil.rmtree(target)  # expect: PW105
    else:
        target.unlink()  # expect: PW105
    return "deleted"


@app.route("/files/rename", methods=["POST"])
def rename():
    src = os.path.join(ROOT, request.form["src"])
    dst = os.path.join(ROOT, request.form["dst"])
    os.rename(src, dst)  # expect: PW105
    return "renamed"


@app.route("/files/read")
def read():
    rel = request.args["path"]
    full = (ROOT / rel).resolve()
    if not full.is_relative_to(ROOT):
        abort(403)
    return full.read_text()


@app.route("/files/write", methods=["POST"])
def write():
    name = request.form["name"]
    (ROOT / name).write_text(request.form["content"])  # expect: PW105
    return "ok"
