# ruff: noqa
"""Fixture for PW108."""
from urllib.parse import urlparse
from urllib.request import urlopen

import requests
from flask import abort, request

ALLOWED = {"api.example.com"}


def fetch():
    url = request.args["url"]
    return requests.get(url, timeout=5).text  # expect: PW108@12


def preview():
    target = request.json["target"]
    with urlopen(target) as resp:  # expect: PW108@10
        return resp.read()


def checked():
    url = request.args["url"]
    if urlparse(url).hostname not in ALLOWED:
        abort(400)
    return requests.get(url, timeout=5).text  # ok


def fixed():
    session = requests.Session()
    item = request.args["item"]
    return session.get("https://api.example.com/items", params={"q": item}).json()  # ok
