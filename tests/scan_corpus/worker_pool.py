import multiprocessing
import subprocess
from concurrent.futures import ThreadPoolExecutor


def square(x):
    return x * x


def compute(values):
    pool = multiprocessing.Pool(4)  # expect: PW201
    results = pool.map(square, values)
    pool.close()
    pool.join()
    return results


def fetch_all(urls, fetch):
    executor = ThreadPoolExecutor(max_workers=8)  # expect: PW201
    return list(executor.map(fetch, urls))


def start_worker(script):
    proc = subprocess.Popen(["python", script])  # expect: PW201
    print("started", proc.pid)


def run_job(cmd):
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out
