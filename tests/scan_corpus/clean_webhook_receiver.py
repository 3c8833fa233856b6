import hashlib
import hmac
import json
import os
import re
import subprocess

import requests
from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode()
REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
NOTIFY_URL = os.environ.get("NOTIFY_URL", "https://chat.example.com/hooks/deploy")


@app.route("/hook", methods=["POST"])
def hook():
    digest = hmac.new(SECRET, request.data, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(digest, request.headers.get("X-Signature", "")):
        abort(403)
    event = json.loads(request.data)
    repo = event["repository"]["name"]
    if not REPO_NAME.match(repo):
        abort(400)
    subprocess.run(["git", "-C", f"/srv/repos/{repo}", "pull"], check=True)
    subprocess.run(["make", "-C", f"/srv/repos/{repo}", "deploy"], check=True)
    requests.post(NOTIFY_URL, json={"repo": repo}, timeout=5)
    return "ok"
