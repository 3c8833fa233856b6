"""Files per second of `pipwarden scan` on Django's source, beside bandit's on the same tree.

Fetches the Django sdist with pip (`pip download --no-deps --no-binary :all: django`) into a
temporary folder, unpacks it, and runs both scanners as subprocesses in the same run. bandit
must be installed in the benchmark environment (`pip install bandit`); it is not a
dependency of pipwarden.

    python benchmarks/bench_scan_speed.py [--tree DIR] [--repeat N]

Targets: >= 200 files/s and >= 4x bandit.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path


def fetch_django(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
         "--quiet", "django", "-d", str(workdir)],
        check=True,
    )
    [sdist] = sorted(workdir.glob("[Dd]jango-*.tar.gz"))
    with tarfile.open(sdist) as tar:
        tar.extractall(workdir, filter="data")
    [tree] = [p for p in workdir.iterdir() if p.is_dir()]
    return tree


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return time.perf_counter() - start, proc


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tree", help="an unpacked source tree (default: fetch Django)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool (best is kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pw-bench-") as tmp:
        tree = Path(args.tree) if args.tree else fetch_django(Path(tmp))
        py_files = sum(1 for _ in tree.rglob("*.py"))
        print(f"tree: {tree.name} ({py_files} .py files)")
        report = Path(tmp) / "pipwarden.json"
        ours = []
        for _ in range(args.repeat):
            seconds, _proc = timed(
                [sys.executable, "-m", "pipwarden", "scan", str(tree), "--format", "json",
                 "--output", str(report), "--fail-on", "none"]
            )
            ours.append(seconds)
        data = json.loads(report.read_text())
        scanned = int(data["extra"]["files_scanned"]) + len(data["unchecked"])
        best = min(ours)
        print(f"pipwarden: {scanned} files in {best:.2f} s = {scanned / best:.0f} files/s "
              f"({len(data['findings'])} findings)")
        bandit = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which(
            "bandit"
        )
        if bandit is None:
            print("bandit: not installed (pip install bandit in this environment)")
            return 0
        theirs = []
        out = Path(tmp) / "bandit.json"
        for _ in range(args.repeat):
            seconds, _proc = timed([bandit, "-r", "-q", "-f", "json", "-o", str(out), str(tree)])
            theirs.append(seconds)
        bandit_data = json.loads(out.read_text())
        bandit_files = len(bandit_data.get("metrics", {})) - 1 or py_files
        slow = min(theirs)
        print(f"bandit:    {bandit_files} files in {slow:.2f} s = {bandit_files / slow:.0f} files/s "
              f"({len(bandit_data['results'])} results)")
        print(f"speed-up:  {(scanned / best) / (bandit_files / slow):.1f}x "
              "(targets: >= 200 files/s, >= 4x bandit)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
