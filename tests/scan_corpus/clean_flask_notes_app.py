import os
import sqlite3
from contextlib import closing

from flask import Flask, abort, jsonify, redirect, request, send_from_directory, url_for
from werkzeug.utils import secure_filename

app = Flask(__name__)
ATTACH_DIR = "/srv/notes/attachments"
SORTABLE = {"created", "title", "updated"}


def connect():
    return sqlite3.connect(os.environ.get("NOTES_DB", "notes.db"))


@app.route("/notes")
def list_notes():
    tag = request.args.get("tag", "")
    order = request.args.get("order", "created")
    if order not in SORTABLE:
        abort(400)
    with closing(connect()) as db:
        rows = db.execute(
            "SELECT id, title FROM notes WHERE tag = ? ORDER BY " + order, (tag,)
        ).fetchall()
    return jsonify(rows)


@app.route("/notes/search")
def search():
    q = request.args["q"]
    with closing(connect()) as db:
        rows = db.execute("SELECT id FROM notes WHERE body LIKE ?", (f"%{q}%",)).fetchall()
    return jsonify(rows)


@app.route("/attachments/<name>")
def attachment(name):
    return send_from_directory(ATTACH_DIR, name)


@app.route("/upload", methods=["POST"])
def upload():
    f = request.files["file"]
    filename = secure_filename(f.filename)
    f.save(os.path.join(ATTACH_DIR, filename))
    return redirect(url_for("attachment", name=filename))


@app.route("/page")
def page():
    limit = int(request.args.get("limit", "20"))
    with closing(connect()) as db:
        rows = db.execute(f"SELECT id FROM notes LIMIT {limit}").fetchall()
    return jsonify(rows)
