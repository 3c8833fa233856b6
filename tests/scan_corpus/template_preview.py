import jinja2
from django.http import HttpResponse
from django.template import Context, Template
from flask import Flask, render_template_string, request

app = Flask(__name__)
env = jinja2.Environment(autoescape=True)


@app.route("/preview", methods=["POST"])
def preview():
    body = request.form["body"]
    return render_template_string(body)  # expect: PW110


@app.route("/greet")
def greet():
    name = request.args.get("name", "world")
    tpl = env.from_string("<p>Hello " + name + "</p>")  # expect: PW110
    return tpl.render()


def django_preview(request):
    src = request.POST.get("template", "")
    return HttpResponse(Template(src).render(Context({})))  # expect: PW110


@app.route("/mail")
def mail():
    subject = request.args["subject"]
    return jinja2.Template(f"Subject: {subject}").render()  # expect: PW110
