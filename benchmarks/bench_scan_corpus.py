"""Precision and recall of `pipwarden scan` and of bandit on tests/scan_corpus.

Labels are `# expect: PW1xx[, PW2xx]` comments on the sink (PW1xx) or acquisition (PW2xx)
line. A finding counts as a true positive when a label of the same family (PW1 = untrusted
input reaching a sink, PW2 = resources and temporary files) sits on its line; rule-level
scores (exact code) are printed for pipwarden too.

bandit is run from the same interpreter if it is installed (`pip install bandit` in the
benchmark environment; it is not a dependency of pipwarden). Its test ids are mapped to the
two families; import-only checks (B4xx) and informational subprocess checks (B603/B607) are
left out, since they do not claim a flaw on a line.

    python benchmarks/bench_scan_corpus.py [-v]
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from pipwarden.scan import Scanner
from pipwarden.scan.rules import select_rules

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "scan_corpus"
LABEL = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")

BANDIT_FAMILY = {
    # untrusted input reaching a sink
    "B102": "PW1", "B307": "PW1", "B301": "PW1", "B302": "PW1", "B506": "PW1",
    "B601": "PW1", "B602": "PW1", "B604": "PW1", "B605": "PW1", "B609": "PW1",
    "B608": "PW1", "B202": "PW1", "B310": "PW1", "B313": "PW1", "B314": "PW1",
    "B315": "PW1", "B316": "PW1", "B317": "PW1", "B318": "PW1", "B319": "PW1",
    "B320": "PW1", "B701": "PW1", "B702": "PW1", "B703": "PW1", "B614": "PW1",
    "B615": "PW1",
    # temporary files
    "B108": "PW2", "B306": "PW2",
}

Key = tuple[str, int, str]


def labels() -> tuple[set[Key], int, int]:
    found: set[Key] = set()
    files = sorted(CORPUS.glob("*.py"))
    clean = 0
    for path in files:
        text = path.read_text()
        for number, line in enumerate(text.splitlines(), start=1):
            match = LABEL.search(line)
            if match:
                for code in match.group(1).split(","):
                    if code.strip():
                        found.add((path.name, number, code.strip()))
        if path.name.startswith("clean_"):
            clean += 1
            assert not any(k[0] == path.name for k in found), f"{path.name} has labels"
    return found, len(files), clean


def pipwarden_findings() -> set[Key]:
    scanner = Scanner(select_rules())
    out: set[Key] = set()
    for path in sorted(CORPUS.glob("*.py")):
        for finding in scanner.scan_source(path.read_text(), path.name):
            if not finding.ignored:
                out.add((path.name, finding.line or 0, finding.id))
    return out


def bandit_findings() -> set[Key] | None:
    exe = shutil.which("bandit", path=str(Path(sys.executable).parent)) or shutil.which("bandit")
    if exe is None:
        return None
    files = [str(p) for p in sorted(CORPUS.glob("*.py"))]
    proc = subprocess.run([exe, "-q", "-f", "json", *files], capture_output=True, text=True)
    data = json.loads(proc.stdout)
    out: set[Key] = set()
    for result in data["results"]:
        family = BANDIT_FAMILY.get(result["test_id"])
        if family:
            out.add((Path(result["filename"]).name, result["line_number"], family))
    return out


def family(keys: set[Key]) -> set[Key]:
    return {(f, line, code[:3]) for f, line, code in keys}


def score(found: set[Key], expected: set[Key]) -> tuple[int, int, int, float, float]:
    tp = len(found & expected)
    fp = len(found - expected)
    fn = len(expected - found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return tp, fp, fn, precision, recall


def main() -> int:
    verbose = "-v" in sys.argv
    expected, n_files, n_clean = labels()
    print(f"corpus: {n_files} files ({n_clean} clean, {n_clean / n_files:.0%}), "
          f"{len(expected)} labelled violations "
          f"({dict(sorted(Counter(k[2][:3] for k in expected).items()))})")
    ours = pipwarden_findings()
    theirs = bandit_findings()
    fam_expected = family(expected)
    rows = [("pipwarden", family(ours))]
    if theirs is not None:
        rows.append(("bandit", theirs))
    print(f"\n{'family':<7} {'tool':<10} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>7}")
    for fam in ("PW1", "PW2"):
        exp = {k for k in fam_expected if k[2] == fam}
        for name, found in rows:
            got = {k for k in found if k[2] == fam}
            tp, fp, fn, p, r = score(got, exp)
            print(f"{fam:<7} {name:<10} {tp:>4} {fp:>4} {fn:>4} {p:>10.2f} {r:>7.2f}")
    tp, fp, fn, p, r = score(ours, expected)
    print(f"\npipwarden, exact rule code: TP {tp} FP {fp} FN {fn} precision {p:.2f} recall {r:.2f}")
    if theirs is None:
        print("bandit: not installed in this environment (pip install bandit)")
    if verbose:
        for title, items in (("false positives", ours - expected), ("misses", expected - ours)):
            print(f"\npipwarden {title}:")
            for key in sorted(items):
                print(f"  {key[0]}:{key[1]} {key[2]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
