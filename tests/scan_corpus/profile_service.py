import os
import sqlite3
import subprocess

from flask import Flask, request

app = Flask(__name__)


class ProfileService:
    def __init__(self, db_path):
        self.db_path = db_path
        self.username = None

    def load(self, req):
        self.username = req.args.get("user", "")

    def fetch(self):
        conn = sqlite3.connect(self.db_path)
        try:
            cur = conn.execute(  # expect: PW104
                "SELECT bio FROM profiles WHERE name = '" + self.username + "'"
            )
            return cur.fetchone()
        finally:
            conn.close()

    def avatar_path(self):
        return os.path.join("/srv/avatars", self.username + ".png")


@app.route("/profile")
def profile():
    svc = ProfileService("profiles.db")
    svc.load(request)
    return {"bio": svc.fetch()}


@app.route("/avatar/resize")
def resize():
    width = request.args.get("w", "64")
    src = request.args["src"]
    cmd = ["convert", src, "-resize", width]
    subprocess.run(" ".join(cmd) + " out.png", shell=True, check=True)  # expect: PW103
    return "ok"


@app.route("/export")
def export():
    fmt = request.args.get("fmt", "csv")
    out = open("export." + fmt, "w")  # expect: PW105, PW201
    out.write("id,name\n")
    return "ok"
