import socket
import subprocess

COMMANDS = {"date": ["date"], "uptime": ["uptime"], "who": ["who"]}


def serve_forever(port):
    with socket.create_server(("127.0.0.1", port)) as srv:
        while True:
            conn, _ = srv.accept()
            with conn:
                handle(conn)


def handle(conn):
    line = conn.recv(1024).decode().strip()
    if line in COMMANDS:
        conn.sendall(subprocess.run(COMMANDS[line], capture_output=True).stdout)
    elif line.startswith("!"):
        out = subprocess.check_output(line[1:], shell=True)  # expect: PW103
        conn.sendall(out)
    else:
        conn.sendall(b"unknown\n")
