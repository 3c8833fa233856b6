# ruff: noqa
"""Fixture for PW201."""
import json
import os
import socket
import sqlite3
import subprocess
from contextlib import ExitStack, closing


def read_config(path):
    f = open(path)  # expect: PW201@9
    data = json.load(f)
    f.close()
    return data


def read_quick(path):
    return json.load(open(path))  # expect: PW201@22


def send(addr, payload):
    sock = socket.create_connection(addr)  # expect: PW201@12
    sock.sendall(payload)


def count_rows(db):
    conn = sqlite3.connect(db)  # expect: PW201@12
    if not db:
        return 0
    n = conn.execute("SELECT count(*) FROM t").fetchone()[0]
    conn.close()
    return n


def ok_with(path):
    with open(path) as f:  # ok
        return f.read()


def ok_finally(db):
    conn = sqlite3.connect(db)  # ok
    try:
        return conn.execute("SELECT 1").fetchone()
    finally:
        conn.close()


def ok_returned(path):
    return open(path, "rb")  # ok


class Client:
    def __init__(self, addr):
        self.sock = socket.create_connection(addr)  # ok

    def close(self):
        self.sock.close()


def ok_stack(paths):
    stack = ExitStack()
    files = [stack.enter_context(open(p)) for p in paths]  # ok
    return stack, files


def ok_closing(addr):
    with closing(socket.create_connection(addr)) as s:  # ok
        s.sendall(b"x")


def ok_process(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)  # ok
    out, _ = proc.communicate()
    return out


def ok_none_guard(path):
    f = None
    try:
        f = open(path)  # ok
        return f.read()
    finally:
        if f is not None:
            f.close()


def ok_descriptor_handed_to_fdopen(path):
    fd = os.open(path, os.O_RDONLY)  # ok
    try:
        handle = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with handle:
        return handle.read()
