import sqlite3
from contextlib import closing

from flask import Flask, jsonify, request

app = Flask(__name__)
FIELDS = frozenset({"category", "brand", "color"})


def build_filter(field):
    if field not in FIELDS:
        raise ValueError(field)
    return f"{field} = ?"


def run_query(conn, where, params):
    return conn.execute("SELECT id, name FROM products WHERE " + where, params).fetchall()


@app.route("/products")
def products():
    field = request.args.get("field", "category")
    where = build_filter(field)
    with closing(sqlite3.connect("shop.db")) as conn:
        rows = run_query(conn, where, (request.args["value"],))
    return jsonify(rows)


@app.route("/products/by-ids")
def by_ids():
    ids = [int(i) for i in request.args.getlist("id")]
    marks = ",".join("?" for _ in ids)
    with closing(sqlite3.connect("shop.db")) as conn:
        rows = conn.execute(f"SELECT id FROM products WHERE id IN ({marks})", ids).fetchall()
    return jsonify(rows)


@app.route("/products/advanced")
def advanced():
    sql = "SELECT id FROM products WHERE 1 = 1"
    args = []
    name = request.args.get("name")
    if name:
        sql += " AND name = ?"
        args.append(name)
    with closing(sqlite3.connect("shop.db")) as conn:
        return jsonify(conn.execute(sql, args).fetchall())


@app.route("/products/page")
def page():
    size = min(int(request.args.get("size", "20")), 100)
    offset = int(request.args.get("offset", "0"))
    with closing(sqlite3.connect("shop.db")) as conn:
        query = "SELECT id FROM products LIMIT %d OFFSET %d" % (size, offset)
        return jsonify(conn.execute(query).fetchall())
