import marshal
import pickle
import socket
import threading


def handle(conn):
    data = conn.recv(65536)
    message = pickle.loads(data)  # expect: PW102
    conn.sendall(b"ok")
    conn.close()
    return message


def handle_code(conn):
    try:
        blob = conn.recv(4096)
        code = marshal.loads(blob)  # expect: PW102
        exec(code)  # expect: PW101
    finally:
        conn.close()


def serve(port):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # expect: PW201
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen()
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def probe(host, port):
    s = socket.create_connection((host, port), timeout=3)  # expect: PW201
    s.sendall(b"PING\n")
    return s.recv(16)
