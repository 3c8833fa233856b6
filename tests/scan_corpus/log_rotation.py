import gzip
import os
import shutil

PID_FILE = "/tmp/rotator.pid"  # expect: PW206


def compress(path):
    src = open(path, "rb")  # expect: PW201
    dst = gzip.open(path + ".gz", "wb")  # expect: PW201
    shutil.copyfileobj(src, dst)
    src.close()
    dst.close()
    os.remove(path)


def rotate(paths):
    for p in paths:
        if os.path.getsize(p) > 10_000_000:
            compress(p)


def write_pid():
    f = open(PID_FILE, "w")  # expect: PW201
    f.write(str(os.getpid()))


def tail(path, n=10):
    lines = open(path).readlines()  # expect: PW201
    return lines[-n:]
