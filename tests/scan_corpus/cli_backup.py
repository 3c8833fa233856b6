"""Back up a directory to a remote host."""
import argparse
import os
import subprocess
import sys
import tarfile
import tempfile


def make_archive(src):
    fd, path = tempfile.mkstemp(suffix=".tar.gz")  # expect: PW202
    tar = tarfile.open(path, "w:gz")  # expect: PW201
    tar.add(src, arcname=os.path.basename(src))
    tar.close()
    return os.path.getsize(path)


def upload(path, host):
    os.system("scp %s %s:/backups/" % (path, host))  # expect: PW103


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("src")
    parser.add_argument("--host", default=os.environ.get("BACKUP_HOST", "backup"))
    args = parser.parse_args()
    size = make_archive(args.src)
    print("archive size", size)
    upload(args.src, args.host)
    subprocess.run(["rsync", "-a", args.src, f"{args.host}:/mirror/"], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
