"""Benchmark: verify the RECORD files of an environment with 100 installed distributions.

Builds 100 tiny wheels, installs them into a fresh venv with pip --no-index, then times
``environment_paths`` + ``check_environment`` (the interpreter query, every RECORD parsed,
every file hashed, the unclaimed-file walk and the .pth/customize checks). Target: <= 1 s.

    /tmp/venv/bin/python benchmarks/bench_verify.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from pipwarden.verify.record import check_environment, environment_paths
from test_verify_helpers import make_venv, make_wheel, pip_install

COUNT = 100
TARGET = 1.0


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        wheels = root / "wheels"
        wheels.mkdir()
        names = []
        for i in range(COUNT):
            name = f"benchpkg{i:03d}"
            names.append(name)
            make_wheel(wheels, name, "1.0", {
                f"{name}/__init__.py": f'"""Package {i}."""\nfrom {name}.core import run\n',
                f"{name}/core.py": "def run():\n    return " + repr("x" * 200) + "\n" * 20,
                f"{name}/util.py": "VALUE = " + str(i) + "\n",
                f"{name}/data.json": '{"values": [' + ", ".join(map(str, range(300))) + "]}\n",
            })
        python = make_venv(root / "venv")
        start = time.perf_counter()
        pip_install(python, wheels, *names)
        print(f"setup: installed {COUNT} wheels in {time.perf_counter() - start:.1f} s")
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            result = check_environment(environment_paths(str(python)))
            timings.append(time.perf_counter() - start)
        assert len(result.distributions) == COUNT, len(result.distributions)
        assert not result.findings, result.findings
        best, median = min(timings), statistics.median(timings)
        print(
            f"verify RECORD: {len(result.distributions)} distributions, "
            f"{result.files_checked} files hashed: best {best:.3f} s, median {median:.3f} s "
            f"(target <= {TARGET:.1f} s) -> {'OK' if median <= TARGET else 'TOO SLOW'}"
        )
        return 0 if median <= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
