from urllib.parse import urlencode

import requests
from flask import Flask, redirect, request, session

app = Flask(__name__)
IDP = "https://sso.example.com"


@app.route("/login")
def login():
    session["return_to"] = request.args.get("return_to", "/")
    query = urlencode({"client_id": "app", "redirect_uri": request.host_url + "callback"})
    return redirect(f"{IDP}/authorize?{query}")


@app.route("/callback")
def callback():
    code = request.args["code"]
    token = requests.post(f"{IDP}/token", data={"code": code}, timeout=10).json()
    session["token"] = token["access_token"]
    return redirect(request.args.get("state", "/"))  # expect: PW109


@app.route("/avatar")
def avatar():
    url = request.args["src"]
    img = requests.get(url, timeout=5)  # expect: PW108
    return img.content, 200, {"Content-Type": img.headers["Content-Type"]}


@app.route("/logout")
def logout():
    session.clear()
    return redirect(IDP + "/logout?" + urlencode({"next": request.args.get("next", "/")}))
