import json
import pickle
import socket
import subprocess
import tempfile


def read_message(sock):
    header = sock.recv(4)
    size = int.from_bytes(header, "big")
    return sock.recv(size)


def consume(host, port):
    sock = socket.create_connection((host, port))  # expect: PW201
    while True:
        raw = read_message(sock)
        if not raw:
            break
        job = pickle.loads(raw)  # expect: PW102
        run_job(job)
    sock.close()


def run_job(job):
    script = tempfile.NamedTemporaryFile("w", suffix=".sh", delete=False)  # expect: PW201, PW204
    script.write(job["script"])
    script.close()
    subprocess.run(["bash", script.name], check=True)


def consume_json(host, port):
    with socket.create_connection((host, port)) as sock:
        raw = read_message(sock)
        job = json.loads(raw)
        subprocess.run(["echo", job["name"]], check=True)
