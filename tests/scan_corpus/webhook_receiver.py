import hashlib
import hmac
import json
import os
import subprocess

import requests
from flask import Flask, abort, request

app = Flask(__name__)
SECRET = os.environ["WEBHOOK_SECRET"].encode()


def verify(body, signature):
    digest = hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(digest, signature)


@app.route("/hook", methods=["POST"])
def hook():
    if not verify(request.data, request.headers.get("X-Signature", "")):
        abort(403)
    event = json.loads(request.data)
    repo = event["repository"]["name"]
    subprocess.run(["git", "-C", f"/srv/repos/{repo}", "pull"], check=True)
    notify = event.get("notify_url")
    if notify:
        requests.post(notify, json={"repo": repo}, timeout=5)  # expect: PW108
    os.system("make -C /srv/repos/%s deploy" % repo)  # expect: PW103
    return "ok"
