import hashlib
import hmac
import json
import os
import pickle
import shelve

from flask import Flask, abort, request

app = Flask(__name__)
KEY = os.environ["SESSION_KEY"].encode()
PROFILES = {"default", "compact", "wide"}


def load_signed(blob, signature):
    expected = hmac.new(KEY, blob, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ValueError("bad signature")
    return json.loads(blob)


@app.route("/session/import", methods=["POST"])
def import_session():
    try:
        session = load_signed(request.files["session"].read(), request.form["sig"])
    except ValueError:
        abort(400)
    return {"user": session.get("user")}


@app.route("/prefs")
def prefs():
    name = request.args["profile"]
    if name not in PROFILES:
        abort(404)
    with shelve.open(os.path.join("/srv/prefs", name)) as db:
        return dict(db)


def load_local_cache(path):
    with open(path, "rb") as f:
        return pickle.load(f)
