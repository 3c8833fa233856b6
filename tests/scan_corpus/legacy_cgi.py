#!/usr/bin/env python3
import os
import sys
from urllib.parse import parse_qs

LOG = "/tmp/legacy-cgi.log"  # expect: PW206


def main():
    params = parse_qs(os.environ.get("QUERY_STRING", ""))
    action = params.get("action", ["status"])[0]
    log = open(LOG, "a")  # expect: PW201
    log.write(action + "\n")
    print("Content-Type: text/plain\n")
    if action == "status":
        os.system("uptime")
    else:
        os.system("service app " + action)  # expect: PW103
    body = sys.stdin.read()
    if body:
        print(eval(body))  # expect: PW101


main()
