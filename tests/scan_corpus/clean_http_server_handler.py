import os
import subprocess
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

ROOT = os.path.realpath("/srv/www")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        parsed = urlparse(self.path)
        path = os.path.realpath(os.path.join(ROOT, parsed.path.lstrip("/")))
        if os.path.commonpath([ROOT, path]) != ROOT:
            self.send_error(403)
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        query = parse_qs(urlparse(self.path).query)
        host = query.get("host", ["localhost"])[0]
        out = subprocess.run(["ping", "-c", "1", host], capture_output=True, text=True).stdout
        self.send_response(200)
        self.end_headers()
        self.wfile.write(out.encode())


if __name__ == "__main__":
    with HTTPServer(("127.0.0.1", 8000), Handler) as server:
        server.serve_forever()
