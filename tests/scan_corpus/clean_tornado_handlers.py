import os
import subprocess

import tornado.web

FORMATS = {"png", "jpg", "webp"}
STATIC = "/srv/static"


class ConvertHandler(tornado.web.RequestHandler):
    def post(self):
        fmt = self.get_argument("format")
        if fmt not in FORMATS:
            raise tornado.web.HTTPError(400)
        src = self.get_argument("src")
        subprocess.check_call(["convert", src, f"out.{fmt}"])
        self.write("ok")


class FileHandler(tornado.web.RequestHandler):
    def get(self):
        name = os.path.basename(self.get_argument("name"))
        with open(os.path.join(STATIC, name), "rb") as f:
            self.write(f.read())


class NextHandler(tornado.web.RequestHandler):
    def get(self):
        target = self.get_argument("next", "/")
        if not target.startswith("/") or target.startswith("//"):
            target = "/"
        self.redirect(target)
