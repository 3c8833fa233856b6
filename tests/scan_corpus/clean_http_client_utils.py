import contextlib
import http.client
import json
import shutil
import urllib.request


def get_json(url):
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read().decode())


def head(host, path):
    conn = http.client.HTTPSConnection(host, timeout=5)
    try:
        conn.request("HEAD", path)
        return conn.getresponse().status
    finally:
        conn.close()


def download(url, dest):
    with contextlib.closing(urllib.request.urlopen(url)) as resp, open(dest, "wb") as out:
        shutil.copyfileobj(resp, out)


def open_stream(url):
    """The caller owns the response and must close it."""
    return urllib.request.urlopen(url, timeout=30)


class Client:
    def __init__(self, host):
        self.conn = http.client.HTTPSConnection(host)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    def get(self, path):
        self.conn.request("GET", path)
        return self.conn.getresponse().read()
