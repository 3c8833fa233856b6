"""Regenerate the generated parts of the docs: the CLI reference in README.md.

Run: python tools/gen_docs.py   (tests/test_cli.py fails when the README is stale)
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = "<!-- cli-reference:start -->"
END = "<!-- cli-reference:end -->"


def readme_with_reference(text: str, reference: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.S)
    return pattern.sub(lambda _m: f"{START}\n{reference}{END}", text)


def main() -> int:
    from pipwarden.cli import reference

    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = readme_with_reference(text, reference())
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print("README.md updated")
    scan_docs = ROOT / "docs" / "rules.md"
    try:
        from pipwarden.scan.docs import render_rules_doc  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return 0
    scan_docs.write_text(render_rules_doc(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
