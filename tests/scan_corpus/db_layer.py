import sqlite3

import psycopg2


class UserRepo:
    def __init__(self, dsn):
        self.dsn = dsn

    def find(self, username):
        conn = psycopg2.connect(self.dsn)  # expect: PW201
        cur = conn.cursor()
        cur.execute("SELECT id, email FROM users WHERE username = '%s'" % username)  # expect: PW104
        row = cur.fetchone()
        conn.close()
        return row

    def delete(self, user_id):
        conn = psycopg2.connect(self.dsn)
        try:
            with conn.cursor() as cur:
                cur.execute("DELETE FROM users WHERE id = %s", (user_id,))
            conn.commit()
        finally:
            conn.close()


def count(db_path, table):
    conn = sqlite3.connect(db_path)  # expect: PW201
    n = conn.execute("SELECT count(*) FROM " + table).fetchone()[0]
    return n


def api_find(request):
    repo = UserRepo("dbname=app")
    return repo.find(request.GET["username"])
