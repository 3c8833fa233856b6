# ruff: noqa
"""Fixture for PW101: violations carry `# expect`, clean code carries `# ok`."""
import ast
import sys

from flask import Flask, request

app = Flask(__name__)


def calc(expr):
    return eval(expr)  # expect: PW101@12


@app.route("/calc")
def calc_view():
    expr = request.args.get("expr", "")
    return str(calc(expr))


@app.route("/run", methods=["POST"])
def run_view():
    code = request.form["code"]
    wrapped = f"result = ({code})"
    exec(wrapped, {})  # expect: PW101@5
    compiled = compile("1 + 1", "<fixed>", "eval")  # ok
    return str(eval(compiled))  # ok


@app.route("/safe")
def safe_view():
    value = ast.literal_eval(request.args["value"])  # ok
    eval(str(int(request.args["n"])))  # ok
    text = request.args["text"]
    text = "1 + 2"
    return str(eval(text))  # ok


def main():
    print(eval(sys.argv[1]))  # expect: PW101@11
    model = load_model()
    model.eval()  # ok
