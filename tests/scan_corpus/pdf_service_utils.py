import os
import subprocess
import tempfile

from flask import Flask, request, send_file

app = Flask(__name__)


def render_html_to_pdf(html):
    workdir = tempfile.mkdtemp(prefix="pdf-")  # expect: PW203
    src = os.path.join(workdir, "in.html")
    with open(src, "w") as f:
        f.write(html)
    out = os.path.join(workdir, "out.pdf")
    subprocess.run(["wkhtmltopdf", src, out], check=True)
    return out


@app.route("/pdf", methods=["POST"])
def pdf():
    out = render_html_to_pdf(request.form["html"])
    return send_file(out, mimetype="application/pdf")


@app.route("/pdf/header", methods=["POST"])
def pdf_header():
    title = request.form["title"]
    proc = subprocess.Popen(  # expect: PW201, PW103
        "wkhtmltopdf --header-center '%s' - -" % title,
        shell=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    proc.stdin.write(request.form["html"].encode())
    proc.stdin.close()
    return proc.stdout.read()
