import os
import subprocess
import sys


def run(cmd):
    print("+", cmd)
    return subprocess.call(cmd, shell=True)  # expect: PW103


def deploy(branch, host):
    run(f"git fetch origin && git checkout {branch}")
    run("rsync -az build/ " + host + ":/srv/app/")


def restart(service):
    return os.popen(f"systemctl restart {service}").read()  # expect: PW103, PW201


def status(service):
    out = subprocess.check_output(["systemctl", "status", service], text=True)
    return out


if __name__ == "__main__":
    deploy(sys.argv[1], os.environ["DEPLOY_HOST"])
    restart(input("service to restart: "))
    print(status(sys.argv[2]))
