import os
import sqlite3

from flask import Flask, abort, g, jsonify, redirect, request, send_file

app = Flask(__name__)
DB_PATH = os.environ.get("NOTES_DB", "notes.db")
ATTACH_DIR = "/srv/notes/attachments"


def get_db():
    if "db" not in g:
        g.db = sqlite3.connect(DB_PATH)
    return g.db


@app.teardown_appcontext
def close_db(exc):
    db = g.pop("db", None)
    if db is not None:
        db.close()


@app.route("/notes")
def list_notes():
    tag = request.args.get("tag", "")
    order = request.args.get("order", "created")
    db = get_db()
    rows = db.execute(  # expect: PW104
        "SELECT id, title FROM notes WHERE tag = ? ORDER BY " + order, (tag,)
    ).fetchall()
    return jsonify(rows)


@app.route("/notes/<int:note_id>")
def show_note(note_id):
    db = get_db()
    row = db.execute("SELECT title, body FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        abort(404)
    return jsonify(row)


@app.route("/notes/search")
def search():
    q = request.args["q"]
    db = get_db()
    sql = f"SELECT id FROM notes WHERE body LIKE '%{q}%'"
    return jsonify(db.execute(sql).fetchall())  # expect: PW104


@app.route("/attachments/<name>")
def attachment(name):
    return send_file(os.path.join(ATTACH_DIR, name))  # expect: PW105


@app.route("/login", methods=["POST"])
def login():
    user = request.form["user"]
    session_user(user)
    return redirect(request.form.get("next") or "/")  # expect: PW109


def session_user(name):
    g.user = name
