import http.client
import json
import urllib.request


def get_json(url):
    resp = urllib.request.urlopen(url, timeout=10)  # expect: PW201
    return json.loads(resp.read().decode())


def head(host, path):
    conn = http.client.HTTPSConnection(host, timeout=5)  # expect: PW201
    conn.request("HEAD", path)
    status = conn.getresponse().status
    conn.close()
    return status


def download(url, dest):
    data = urllib.request.urlopen(url).read()  # expect: PW201
    with open(dest, "wb") as out:
        out.write(data)


def post(host, payload):
    conn = http.client.HTTPConnection(host)
    try:
        conn.request("POST", "/api", body=json.dumps(payload))
        return conn.getresponse().read()
    finally:
        conn.close()
