# ruff: noqa
"""Fixture for PW103."""
import os
import shlex
import subprocess
import sys

from flask import request


def ping():
    host = request.args["host"]
    os.system("ping -c 1 " + host)  # expect: PW103@5
    subprocess.run(["ping", "-c", "1", host], check=True)  # ok
    subprocess.run(f"ping -c 1 {shlex.quote(host)}", shell=True)  # ok
    return subprocess.check_output("ping -c 1 %s" % host, shell=True)  # expect: PW103@12


def archive(name):
    cmd = "tar czf backup.tgz {}".format(name)
    return os.popen(cmd).read()  # expect: PW103@12


def main():
    archive(sys.argv[1])
    count = int(sys.argv[2])
    os.system(f"seq {count}")  # ok
    subprocess.call("ls -l", shell=True)  # ok
