import os
import subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = "/srv/www"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        parsed = urlparse(self.path)
        path = os.path.join(ROOT, parsed.path.lstrip("/"))
        with open(path, "rb") as f:  # expect: PW105
            body = f.read()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        query = parse_qs(urlparse(self.path).query)
        host = query.get("host", ["localhost"])[0]
        out = subprocess.getoutput("ping -c 1 " + host)  # expect: PW103
        self.send_response(200)
        self.end_headers()
        self.wfile.write(out.encode())


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", 8000), Handler).serve_forever()
