"""Wall time of `pipwarden audit` on a generated 1,000-dependency pinned requirements file
(store ready) against `python -m pip --version`, alternating, median of N runs.

Target: ratio <= 0.4.

    python benchmarks/bench_audit.py [--runs 7] [--format json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
    return time.perf_counter() - started, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--format", default="json")
    args = parser.parse_args()
    rows = json.loads((DATA / "top-pypi-packages.json").read_text())["rows"][:1000]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        env = {**os.environ, "PIPWARDEN_HOME": str(home)}
        subprocess.run(
            [sys.executable, "-m", "pipwarden", "db", "update",
             "--osv", str(DATA / "osv-pypi" / "all.zip"),
             "--popular", str(DATA / "top-pypi-packages.json")],
            env=env, check=True, capture_output=True,
        )
        req = Path(tmp) / "requirements.txt"
        # Old-ish pins so that some of them match advisories, as in a neglected project.
        req.write_text("".join(f"{r['project']}==1.0.0\n" for r in rows))
        exe = str(Path(sys.executable).with_name("pipwarden"))
        audit_cmd = [exe, "audit", str(req), "--format", args.format, "--offline"]
        pip_cmd = [sys.executable, "-m", "pip", "--version"]
        _timed(audit_cmd, env)  # warm the OS file cache
        _timed(pip_cmd, env)
        audit_times, pip_times = [], []
        code = 0
        for _ in range(args.runs):
            seconds, code = _timed(audit_cmd, env)
            audit_times.append(seconds)
            pip_times.append(_timed(pip_cmd, env)[0])
        a, p = statistics.median(audit_times), statistics.median(pip_times)
        print(f"pipwarden audit (1,000 pins, --format {args.format}): {a * 1000:.0f} ms median "
              f"(exit {code}); pip --version: {p * 1000:.0f} ms median; ratio {a / p:.2f} "
              "(target <= 0.4)")


if __name__ == "__main__":
    main()
