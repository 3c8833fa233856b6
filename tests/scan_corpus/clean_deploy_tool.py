import shlex
import subprocess
import sys


def run(args):
    print("+", shlex.join(args))
    return subprocess.call(args)


def sh(command):
    """Run a fixed shell pipeline."""
    return subprocess.run(command, shell=True, check=True)


def deploy(branch, host):
    run(["git", "fetch", "origin"])
    run(["git", "checkout", branch])
    run(["rsync", "-az", "build/", f"{host}:/srv/app/"])
    sh("git log -1 --format=%H > build/REVISION")
    sh(f"echo deployed {shlex.quote(branch)} >> deploy.log")


def restart(service):
    proc = subprocess.run(["systemctl", "restart", service], capture_output=True, text=True)
    return proc.stdout


if __name__ == "__main__":
    deploy(sys.argv[1], sys.argv[2])
    restart(sys.argv[3])
