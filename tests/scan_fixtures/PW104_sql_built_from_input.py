# ruff: noqa
"""Fixture for PW104."""
import sqlite3

from flask import request

conn = sqlite3.connect("app.db")


def find_user():
    name = request.args["name"]
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}'")  # expect: PW104@5
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))  # ok
    query = "SELECT * FROM users WHERE id = %s" % request.args["id"]
    cur.execute(query)  # expect: PW104@5
    return cur.fetchall()


def order(column):
    sql = "SELECT * FROM items ORDER BY " + column
    return conn.execute(sql).fetchall()  # expect: PW104@12


def listing():
    column = request.args.get("sort", "name")
    if column not in {"name", "price"}:
        column = "name"
    conn.execute("SELECT * FROM items ORDER BY " + column)  # ok
    return order(request.args["sort"])
