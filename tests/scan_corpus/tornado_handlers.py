import os
import subprocess

import tornado.web


class ConvertHandler(tornado.web.RequestHandler):
    def post(self):
        fmt = self.get_argument("format")
        src = self.get_argument("src")
        subprocess.check_call(f"convert {src} out.{fmt}", shell=True)  # expect: PW103
        self.write("ok")


class FileHandler(tornado.web.RequestHandler):
    def get(self):
        name = self.get_argument("name")
        with open(os.path.join("/srv/static", name), "rb") as f:  # expect: PW105
            self.write(f.read())


class NextHandler(tornado.web.RequestHandler):
    def get(self):
        self.redirect(self.get_argument("next", "/"))  # expect: PW109


class EvalHandler(tornado.web.RequestHandler):
    def post(self):
        expr = self.request.body.decode()
        self.write(str(eval(expr)))  # expect: PW101
