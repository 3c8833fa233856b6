import json
import socket
import socketserver
import threading


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline(65536)
        message = json.loads(line)
        self.wfile.write(json.dumps({"echo": message}).encode() + b"\n")


def handle(conn):
    with conn:
        data = conn.recv(65536)
        conn.sendall(json.dumps({"len": len(data)}).encode())


def serve(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as srv:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(("127.0.0.1", port))
        srv.listen()
        while True:
            conn, _ = srv.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()


def probe(host, port):
    s = socket.create_connection((host, port), timeout=3)
    try:
        s.sendall(b"PING\n")
        return s.recv(16)
    finally:
        s.close()


class Pool:
    def __init__(self, host, port, size):
        self.conns = [socket.create_connection((host, port)) for _ in range(size)]
        self.lock = threading.Lock()

    def close(self):
        for c in self.conns:
            c.close()
