"""--format json: golden output (key order included) for an audit and a scan report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from pipwarden import __version__
from pipwarden.report import render
from test_report_registry import audit_report, scan_report

GOLDEN = Path(__file__).parent / "assets" / "golden"


@pytest.mark.parametrize(("name", "build"), [("audit", audit_report), ("scan", scan_report)])
def test_json_golden(name: str, build: object) -> None:
    assert callable(build)
    out = render(build(), "json")
    assert out.endswith("\n") and out.count("\n") == 1  # one compact line
    pretty = json.dumps(json.loads(out), indent=2, ensure_ascii=False) + "\n"
    pretty = pretty.replace(f'"version": "{__version__}"', '"version": "VERSION"')
    path = GOLDEN / f"{name}.json"
    if os.environ.get("PIPWARDEN_UPDATE_GOLDEN"):
        path.write_text(pretty, encoding="utf-8")
    assert pretty == path.read_text(encoding="utf-8"), "PIPWARDEN_UPDATE_GOLDEN=1 to refresh"


def test_every_finding_kind_is_in_the_contract() -> None:
    from typing import get_args

    from pipwarden.models import FINDING_KINDS, AnyFinding

    assert sorted(cls.kind for cls in get_args(AnyFinding)) == sorted(FINDING_KINDS)
