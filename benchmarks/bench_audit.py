"""Wall time of `pipwarden audit` on a generated 1,000-dependency pinned requirements file
(store ready) against `python -m pip --version`, alternating, median of N runs.

Two files: "realistic" (the 1,000 most downloaded projects; those with advisories pinned at
their newest fixed version, one in ten of them at an affected one) and "stress" (every
project at 1.0.0, so hundreds of old releases match). Target: ratio <= 0.4.

Bytecode matters: an installed pipwarden has .pyc files (pip compiles on install), so the
script compiles the package and clears PYTHONDONTWRITEBYTECODE for its runs.

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
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        import pipwarden

        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(Path(pipwarden.__file__).parent)],
            check=False, capture_output=True,
        )
        files = {"realistic": realistic_pins(home, rows), "stress": [f"{r['project']}==1.0.0" for r in rows]}
        exe = str(Path(sys.executable).with_name("pipwarden"))
        pip_cmd = [sys.executable, "-m", "pip", "--version"]
        for label, lines in files.items():
            req = Path(tmp) / f"{label}.txt"
            req.write_text("".join(f"{line}\n" for line in lines))
            audit_cmd = [exe, "audit", str(req), "--format", args.format, "--offline"]
            _timed(audit_cmd, env)  # warm the OS file cache
            _timed(pip_cmd, env)
            audit_times, pip_times = [], []
            code = 0
            for _ in range(args.runs):
                seconds, code = _timed(audit_cmd, env)
                audit_times.append(seconds)
                pip_times.append(_timed(pip_cmd, env)[0])
            a, p = statistics.median(audit_times), statistics.median(pip_times)
            print(f"pipwarden audit ({label}, 1,000 pins, --format {args.format}): {a * 1000:.0f} ms "
                  f"median (exit {code}); pip --version: {p * 1000:.0f} ms median; ratio {a / p:.2f} "
                  "(target <= 0.4)")


def realistic_pins(home: Path, rows: list[dict[str, object]]) -> list[str]:
    """Newest fixed version for projects with advisories (one in ten at an affected one)."""
    from pipwarden.advisories.store import Store

    store = Store.open(home / "advisories.sqlite")
    lines = []
    for index, row in enumerate(rows):
        name = str(row["project"])
        fixed = sorted(
            {b for _adv, aff in store.advisories_for(name) for r in aff.ecosystem_ranges
             for kind, b in r.events if kind == "fixed"}
        )
        if not fixed:
            lines.append(f"{name}==1.0.0")
        elif index % 10 == 0 and len(fixed) > 1:
            lines.append(f"{name}=={fixed[0]}")  # an old release: some advisories match
        else:
            lines.append(f"{name}=={fixed[-1]}")
    store.close()
    return lines


if __name__ == "__main__":
    main()
