# ruff: noqa
"""Fixture for PW110."""
import jinja2
from flask import render_template_string, request


def hello():
    name = request.args["name"]
    return render_template_string("<h1>Hello " + name + "</h1>")  # expect: PW110@12


def custom():
    env = jinja2.Environment(autoescape=True)
    return env.from_string(request.form["template"]).render()  # expect: PW110@12


def fixed():
    name = request.args["name"]
    page = render_template_string("<h1>Hello {{ name }}</h1>", name=name)  # ok
    return page + jinja2.Template("{{ x }}").render(x=name)  # ok
