import multiprocessing
import subprocess
from concurrent.futures import ThreadPoolExecutor


def square(x):
    return x * x


def compute(values):
    with multiprocessing.Pool(4) as pool:
        return pool.map(square, values)


def fetch_all(urls, fetch):
    with ThreadPoolExecutor(max_workers=8) as executor:
        return list(executor.map(fetch, urls))


class Worker:
    def __init__(self, script):
        self.proc = subprocess.Popen(["python", script])

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def start(script):
    """Returns the running process; the caller waits for it."""
    proc = subprocess.Popen(["python", script])
    return proc


def run_job(cmd):
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc:
        out, _ = proc.communicate(timeout=60)
    return out
