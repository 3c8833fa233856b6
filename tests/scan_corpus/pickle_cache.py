import hashlib
import os
import pickle
import shelve

import redis
from flask import Flask, request

app = Flask(__name__)
r = redis.Redis()


def cache_key(*parts):
    return hashlib.sha256(":".join(parts).encode()).hexdigest()


def cached(key, compute):
    blob = r.get(key)
    if blob is not None:
        return pickle.loads(blob)
    value = compute()
    r.set(key, pickle.dumps(value))
    return value


@app.route("/session/import", methods=["POST"])
def import_session():
    session = pickle.loads(request.files["session"].read())  # expect: PW102
    return {"user": session.get("user")}


@app.route("/prefs")
def prefs():
    name = request.args["profile"]
    db = shelve.open(os.path.join("/srv/prefs", name))  # expect: PW102, PW105, PW201
    value = dict(db)
    db.close()
    return value
