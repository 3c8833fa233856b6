"""pipwarden install vs plain pip install: the same 20 local wheels into fresh virtual envs.

Run by hand: ``python benchmarks/bench_install.py [--runs 5]``. Each run creates two fresh
venvs (not timed), then times ``pip install --no-index --find-links DIR pkg0..pkg19`` in one and
``pipwarden install --yes`` with the same arguments in the other, alternating which goes
first. The store is built from ``../shared/data`` when it is there (real advisories and the
15,000-name popular list, so the typosquat and advisory checks do real work), else from one
small record. Prints the medians and the ratio (target: <= 1.3).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from test_install_support import (  # noqa: E402
    build_store,
    host_pip_dir,
    make_venv,
    make_wheel,
    vuln_record,
)

DATA = HERE.parent.parent / "shared" / "data"


def make_wheels(directory: Path, count: int) -> list[str]:
    names = []
    for i in range(count):
        name = f"benchpkg{i:02d}"
        files = {
            f"{name}/__init__.py": f'"""Package {i}."""\nVALUE = {i}\n',
            **{
                f"{name}/mod{j}.py": "".join(
                    f"def f{k}(x):\n    return x + {k}\n" for k in range(60)
                )
                for j in range(10)
            },
        }
        make_wheel(directory, name, "1.0", files=files)
        names.append(name)
    return names


def build_home(home: Path, base: Path) -> str:
    from pipwarden.advisories.importer import update

    home.mkdir(parents=True, exist_ok=True)
    if (DATA / "osv-pypi" / "all.zip").is_file():
        update(
            home / "advisories.sqlite",
            osv=str(DATA / "osv-pypi" / "all.zip"),
            popular=str(DATA / "top-pypi-packages.json"),
        )
        return "shared OSV data + 15,000 popular names"
    osv = base / "osv"
    vuln_record(osv, "PYSEC-2026-1", "unrelated", fixed="1.0")
    build_store(home, osv)
    return "one-record store"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--wheels", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as tmp:
        base = Path(tmp)
        wheels = base / "wheels"
        names = make_wheels(wheels, args.wheels)
        pip_dir = host_pip_dir(base)
        home = base / "home"
        store = build_home(home, base)
        env = dict(os.environ, PIPWARDEN_HOME=str(home), PIP_DISABLE_PIP_VERSION_CHECK="1")
        source = ["--no-index", "--find-links", str(wheels), *names]
        pip_times: list[float] = []
        warden_times: list[float] = []
        cpu: dict[str, list[float]] = {"pip": [], "pipwarden": []}
        for run in range(args.runs):
            venv_pip = make_venv(base / f"pip{run}", pip_dir)
            venv_warden = make_venv(base / f"warden{run}", pip_dir)
            commands = [
                ("pip", [str(venv_pip), "-m", "pip", "install", "--quiet", *source], pip_times),
                (
                    "pipwarden",
                    [
                        sys.executable,
                        "-m",
                        "pipwarden",
                        "install",
                        "--python",
                        str(venv_warden),
                        "--yes",
                        *source,
                    ],
                    warden_times,
                ),
            ]
            if run % 2:
                commands.reverse()
            for label, argv, sink in commands:
                usage = resource.getrusage(resource.RUSAGE_CHILDREN)
                start = time.perf_counter()
                subprocess.run(argv, env=env, check=True, capture_output=True)
                sink.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu[label].append(after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime)
        pip_median = statistics.median(pip_times)
        warden_median = statistics.median(warden_times)
        print(f"store: {store}; {args.wheels} wheels; {args.runs} runs, alternating")
        print(
            f"pip install        median {pip_median:.3f}s  ({', '.join(f'{t:.2f}' for t in pip_times)})"
        )
        print(
            f"pipwarden install  median {warden_median:.3f}s  "
            f"({', '.join(f'{t:.2f}' for t in warden_times)})"
        )
        print(f"ratio {warden_median / pip_median:.2f} (target <= 1.3)")
        paired = statistics.median(w / p for w, p in zip(warden_times, pip_times, strict=True))
        print(
            f"median of the per-run ratios (back-to-back pairs, robust to load drift) {paired:.2f}"
        )
        pip_cpu, warden_cpu = statistics.median(cpu["pip"]), statistics.median(cpu["pipwarden"])
        print(
            f"cpu time (user+sys, all processes): pip {pip_cpu:.3f}s, pipwarden {warden_cpu:.3f}s, "
            f"ratio {warden_cpu / pip_cpu:.2f}; load average {os.getloadavg()[0]:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
