import paramiko
from flask import Flask, request

app = Flask(__name__)


def connect(host):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.connect(host, username="deploy")
    return client


@app.route("/logs")
def logs():
    service = request.args["service"]
    client = connect("app-1.internal")
    try:
        _, stdout, _ = client.exec_command(f"journalctl -u {service} -n 100")  # expect: PW103
        return stdout.read()
    finally:
        client.close()


@app.route("/uptime")
def uptime():
    client = connect("app-1.internal")
    try:
        _, stdout, _ = client.exec_command("uptime")
        return stdout.read()
    finally:
        client.close()
