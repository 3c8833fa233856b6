import sqlite3

from flask import Flask, jsonify, request

app = Flask(__name__)


def build_filter(field, value):
    return f"{field} = '{value}'"


def run_query(conn, where):
    return conn.execute("SELECT id, name FROM products WHERE " + where).fetchall()  # expect: PW104


@app.route("/products")
def products():
    conn = sqlite3.connect("shop.db")  # expect: PW201
    where = build_filter("category", request.args["category"])
    rows = run_query(conn, where)
    conn.close()
    return jsonify(rows)


@app.route("/products/by-ids")
def by_ids():
    ids = [i for i in request.args.getlist("id")]
    sql = "SELECT id, name FROM products WHERE id IN (%s)" % ",".join(ids)
    with sqlite3.connect("shop.db") as conn:
        return jsonify(conn.execute(sql).fetchall())  # expect: PW104


@app.route("/products/filter")
def filtered():
    params = {"min": request.args.get("min", "0"), "max": request.args.get("max", "100")}
    sql = "SELECT id FROM products WHERE price BETWEEN {min} AND {max}".format(**params)
    with sqlite3.connect("shop.db") as conn:
        return jsonify(conn.execute(sql).fetchall())  # expect: PW104


@app.route("/products/advanced")
def advanced():
    sql = "SELECT id FROM products WHERE 1 = 1"
    name = request.args.get("name")
    if name:
        sql += " AND name = '" + name + "'"
    with sqlite3.connect("shop.db") as conn:
        return jsonify(conn.execute(sql).fetchall())  # expect: PW104
