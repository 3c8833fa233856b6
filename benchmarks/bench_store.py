"""Store benchmark: import of the shared OSV zip, store open, matching 1,000 pinned deps.

Targets (2-core machine): import <= 0.3 s per 1,000 records; open <= 20 ms;
matching 1,000 dependencies <= 50 ms.

    python benchmarks/bench_store.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from pathlib import Path

from pipwarden.advisories.importer import update
from pipwarden.advisories.osv import parse_version
from pipwarden.advisories.store import Store
from pipwarden.checks.matching import match
from pipwarden.models import Dependency, PackageName

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _affected_version(store: Store, name: str, rng: random.Random) -> str:
    """A version that some advisory of ``name`` affects: the one before a fixed release."""
    fixed = sorted(
        {b for _adv, aff in store.advisories_for(name) for r in aff.ecosystem_ranges
         for k, b in r.events if k == "fixed"}
    )
    if not fixed:
        return "0.0.1"
    target = rng.choice(fixed)
    release = list(target.release) + [0] * (3 - len(target.release))
    release[-1] = max(release[-1] - 1, 0)
    return ".".join(str(p) for p in release)


def realistic_deps(store: Store, count: int) -> list[Dependency]:
    """The ``count`` most downloaded projects, each with advisories pinned at an affected
    version: a large real-world lock file on a bad day."""
    rng = random.Random(7)
    out = []
    for index, name in enumerate(list(store.popular())[:count]):
        version = _affected_version(store, name, rng) if name in store.packages() else "1.0.0"
        out.append(Dependency(PackageName(name), version, "bench.txt", line=index + 1))
    return out


def stress_deps(store: Store) -> list[Dependency]:
    """Every package that has advisories, pinned at an affected version (worst case)."""
    rng = random.Random(7)
    return [
        Dependency(PackageName(name), _affected_version(store, name, rng), "bench.txt", line=i + 1)
        for i, name in enumerate(sorted(store.packages()))
    ]


def _time_match(target: Path, deps: list[Dependency]) -> tuple[float, int]:
    timings = []
    findings = 0
    for _ in range(5):
        parse_version.cache_clear()
        store = Store.open(target)
        started = time.perf_counter()
        found = match(deps, store)
        timings.append(time.perf_counter() - started)
        findings = len(found.findings)
        store.close()
    return statistics.median(timings), findings


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "advisories.sqlite"
        runs = []
        for _ in range(3):
            started = time.perf_counter()
            result = update(Path(tmp) / "osv-only.sqlite", osv=str(DATA / "osv-pypi" / "all.zip"), force=True)
            runs.append(time.perf_counter() - started)
        per_thousand = statistics.median(runs) / result.advisories * 1000
        print(f"import (OSV zip): {result.advisories} records in {statistics.median(runs):.3f} s "
              f"= {per_thousand:.3f} s per 1,000 records (target <= 0.3)")
        started = time.perf_counter()
        update(
            target,
            osv=str(DATA / "osv-pypi" / "all.zip"),
            popular=str(DATA / "top-pypi-packages.json"),
            force=True,
        )
        print(f"full db update (OSV zip + 15,000 popular names and their typosquat "
              f"neighbourhoods): {time.perf_counter() - started:.2f} s")
        opens = []
        for _ in range(20):
            started = time.perf_counter()
            store = Store.open(target)
            store.packages()
            opens.append(time.perf_counter() - started)
            store.close()
        print(f"open: {statistics.median(opens) * 1000:.2f} ms median (target <= 20)")
        store = Store.open(target)
        realistic = realistic_deps(store, 1000)
        stress = stress_deps(store)
        store.close()
        seconds, findings = _time_match(target, realistic)
        with_adv = sum(1 for d in realistic if d.name in Store.open(target).packages())
        print(f"match: 1,000 most popular projects ({with_adv} with advisories, pinned at "
              f"affected versions): {findings} findings in {seconds * 1000:.1f} ms median, "
              "cold caches (target <= 50)")
        seconds, findings = _time_match(target, stress)
        print(f"match (stress): all {len(stress)} packages with advisories at affected versions: "
              f"{findings} findings in {seconds * 1000:.1f} ms median")


if __name__ == "__main__":
    main()
