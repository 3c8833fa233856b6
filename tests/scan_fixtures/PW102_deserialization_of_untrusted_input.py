# ruff: noqa
"""Fixture for PW102."""
import json
import pickle
import socket

import yaml
from flask import request


def handle(conn: socket.socket):
    data = conn.recv(4096)
    return pickle.loads(data)  # expect: PW102@12


def upload():
    body = request.get_data()
    obj = yaml.load(body, Loader=yaml.Loader)  # expect: PW102@11
    safe = yaml.load(body, Loader=yaml.SafeLoader)  # ok
    also_safe = yaml.safe_load(body)  # ok
    parsed = json.loads(body)  # ok
    return obj, safe, also_safe, parsed


def restore():
    blob = request.files["state"].read()
    state = pickle.loads(blob)  # expect: PW102@13
    with open("cache.pkl", "rb") as f:
        cached = pickle.load(f)  # ok
    return state, cached
