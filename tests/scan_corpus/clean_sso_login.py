from urllib.parse import urlencode, urlparse

import requests
from flask import Flask, abort, redirect, request, session, url_for

app = Flask(__name__)
IDP = "https://sso.example.com"
AVATAR_HOSTS = {"avatars.example.com", "secure.gravatar.com"}


def safe_next(target):
    parsed = urlparse(target)
    if parsed.scheme or parsed.netloc:
        return url_for("index")
    return target


@app.route("/callback")
def callback():
    code = request.args["code"]
    token = requests.post(f"{IDP}/token", data={"code": code}, timeout=10).json()
    session["token"] = token["access_token"]
    return redirect(url_for("index"))


@app.route("/avatar")
def avatar():
    url = request.args["src"]
    if urlparse(url).hostname not in AVATAR_HOSTS:
        abort(400)
    img = requests.get(url, timeout=5)
    return img.content


@app.route("/user/<int:user_id>/avatar")
def user_avatar(user_id):
    resp = requests.get(f"https://avatars.example.com/u/{user_id}.png", timeout=5)
    return resp.content


@app.route("/logout")
def logout():
    session.clear()
    return redirect(IDP + "/logout?" + urlencode({"next": request.args.get("next", "/")}))
