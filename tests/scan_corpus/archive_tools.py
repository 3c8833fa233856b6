import os
import shutil
import tarfile
import tempfile
import zipfile

from flask import Flask, request

app = Flask(__name__)
PLUGINS = "/srv/plugins"


@app.route("/plugins", methods=["POST"])
def install_plugin():
    upload = request.files["plugin"]
    tmp = tempfile.NamedTemporaryFile(suffix=".zip", delete=False)  # expect: PW201, PW204
    upload.save(tmp)
    tmp.close()
    with zipfile.ZipFile(tmp.name) as zf:
        zf.extractall(PLUGINS)  # expect: PW106
    return "ok"


@app.route("/themes", methods=["POST"])
def install_theme():
    upload = request.files["theme"]
    with tarfile.open(fileobj=upload.stream, mode="r:*") as tar:
        tar.extractall(os.path.join(PLUGINS, "themes"))  # expect: PW106
    return "ok"


def unpack_release(path, dest):
    work = tempfile.mkdtemp()  # expect: PW203
    shutil.unpack_archive(path, work)  # expect: PW106
    shutil.copytree(work, dest, dirs_exist_ok=True)


@app.route("/bundle", methods=["POST"])
def bundle():
    zf = zipfile.ZipFile(request.files["bundle"])  # expect: PW201
    zf.extractall(PLUGINS)  # expect: PW106
    zf.close()
    return "ok"
