"""Back up a directory to a remote host (the careful version)."""
import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile


def make_archive(src, dest_dir):
    fd, path = tempfile.mkstemp(suffix=".tar.gz", dir=dest_dir)
    os.close(fd)
    try:
        with tarfile.open(path, "w:gz") as tar:
            tar.add(src, arcname=os.path.basename(src))
    except BaseException:
        os.unlink(path)
        raise
    return path


def upload(path, host):
    subprocess.run(["scp", path, f"{host}:/backups/"], check=True)


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("src")
    parser.add_argument("--host", default=os.environ.get("BACKUP_HOST", "backup"))
    args = parser.parse_args(argv)
    work = tempfile.mkdtemp(prefix="backup-")
    try:
        archive = make_archive(args.src, work)
        upload(archive, args.host)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
