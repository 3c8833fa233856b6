import jinja2
from flask import Flask, render_template, render_template_string, request

app = Flask(__name__)
env = jinja2.Environment(loader=jinja2.PackageLoader("app"), autoescape=True)
GREETING = env.from_string("<p>Hello {{ name }}</p>")


@app.route("/preview", methods=["POST"])
def preview():
    return render_template("preview.html", body=request.form["body"])


@app.route("/greet")
def greet():
    return GREETING.render(name=request.args.get("name", "world"))


@app.route("/mail")
def mail():
    subject = request.args["subject"]
    return render_template_string("Subject: {{ subject }}", subject=subject)


@app.route("/theme")
def theme():
    theme = request.args.get("theme", "light")
    if theme not in ("light", "dark"):
        theme = "light"
    return env.get_template(f"{theme}.html").render()
