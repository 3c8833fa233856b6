import os
import sqlite3
import subprocess

DB = os.environ.get("APP_DB", "app.db")
TABLE = os.environ.get("APP_TABLE", "events")
HOOK = os.getenv("POST_DEPLOY_HOOK")


def purge(days):
    conn = sqlite3.connect(DB)
    try:
        conn.execute(f"DELETE FROM {TABLE} WHERE age > ?", (days,))  # expect: PW104
        conn.commit()
    finally:
        conn.close()


def post_deploy():
    if HOOK:
        subprocess.run(HOOK, shell=True, check=True)  # expect: PW103


def debug_level():
    return int(os.environ.get("DEBUG_LEVEL", "0"))


def cache_path():
    return os.path.join(os.environ.get("XDG_CACHE_HOME", "~/.cache"), "app")
