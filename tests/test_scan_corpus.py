"""The evaluation corpus is well formed, and pipwarden meets its targets on it.

benchmarks/bench_scan_corpus.py prints the full comparison with bandit; this test keeps the
rules from regressing below the targets (precision >= 0.90, recall >= 0.85 per family).
"""

from __future__ import annotations

import re
from pathlib import Path

from pipwarden.scan import Scanner
from pipwarden.scan.rules import by_code, select_rules

CORPUS = Path(__file__).parent / "scan_corpus"
LABEL = re.compile(r"#\s*expect:\s*([A-Z0-9, ]+)")


def labelled() -> set[tuple[str, int, str]]:
    out = set()
    for path in CORPUS.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = LABEL.search(line)
            if match:
                out |= {(path.name, number, c.strip()) for c in match.group(1).split(",")}
    return out


def test_corpus_shape() -> None:
    files = sorted(CORPUS.glob("*.py"))
    clean = [p for p in files if p.name.startswith("clean_")]
    assert len(files) >= 60
    assert 0.35 <= len(clean) / len(files) <= 0.5
    labels = labelled()
    known = set(by_code())
    assert {code for _, _, code in labels} <= known
    assert not {name for name, _, _ in labels} & {p.name for p in clean}
    for family in ("PW1", "PW2"):
        assert sum(1 for label in labels if label[2].startswith(family)) >= 30


def test_precision_and_recall_targets() -> None:
    scanner = Scanner(select_rules())
    found = set()
    for path in sorted(CORPUS.glob("*.py")):
        for finding in scanner.scan_source(path.read_text(), path.name):
            if not finding.ignored:
                found.add((path.name, finding.line or 0, finding.id[:3]))
    expected = {(name, line, code[:3]) for name, line, code in labelled()}
    for family in ("PW1", "PW2"):
        got = {k for k in found if k[2] == family}
        exp = {k for k in expected if k[2] == family}
        tp = len(got & exp)
        precision = tp / len(got)
        recall = tp / len(exp)
        assert precision >= 0.90, (family, precision, sorted(got - exp))
        assert recall >= 0.85, (family, recall, sorted(exp - got))
