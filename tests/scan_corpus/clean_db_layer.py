import sqlite3
from contextlib import closing

import psycopg2
from psycopg2 import sql


class UserRepo:
    def __init__(self, dsn):
        self.dsn = dsn

    def find(self, username):
        with psycopg2.connect(self.dsn) as conn, conn.cursor() as cur:
            cur.execute("SELECT id, email FROM users WHERE username = %s", (username,))
            return cur.fetchone()

    def by_column(self, column, value):
        query = sql.SQL("SELECT id FROM users WHERE {} = %s").format(sql.Identifier(column))
        with psycopg2.connect(self.dsn) as conn, conn.cursor() as cur:
            cur.execute(query, (value,))
            return cur.fetchall()


def count(db_path):
    with closing(sqlite3.connect(db_path)) as conn:
        return conn.execute("SELECT count(*) FROM users").fetchone()[0]


def api_find(request):
    repo = UserRepo("dbname=app")
    return repo.find(request.GET["username"])


def api_column(request):
    repo = UserRepo("dbname=app")
    return repo.by_column(request.GET["column"], request.GET["value"])
