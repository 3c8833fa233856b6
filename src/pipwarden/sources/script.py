"""PEP 723 inline script metadata: the ``# /// script`` block of a ``.py`` file.

The block is found with the reference regular expression from the PEP; two ``script``
blocks are an error (as the PEP requires). ``dependencies`` are PEP 508 strings (group
``main``); ``[tool.uv] dev-dependencies`` and similar tool tables are not read. The script
is never imported or run.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipwarden.errors import SourceError
from pipwarden.sources._common import Collector, MarkerEnvironment, load_toml, read_text

FORMAT = "script"

# From PEP 723 ("Reference Implementation").
REGEX = r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$"


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    return parse_text(read_text(path), source, markers)


def parse_text(text: str, source: str, markers: MarkerEnvironment) -> Collector:
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    text = text.replace("\r\n", "\n")
    matches = [m for m in re.finditer(REGEX, text) if m.group("type") == "script"]
    if len(matches) > 1:
        line = text.count("\n", 0, matches[1].start()) + 1
        raise SourceError("multiple '# /// script' blocks", location=f"{source}:{line}")
    if not matches:
        return collector
    match = matches[0]
    first_line = text.count("\n", 0, match.start("content")) + 1
    raw_lines = match.group("content").splitlines(keepends=True)
    content = "".join(line[2:] if line.startswith("# ") else line[1:] for line in raw_lines)
    try:
        data = load_toml(content, source)
    except SourceError as exc:
        found = re.search(r":(\d+)$", exc.location or "")
        line = first_line + int(found.group(1)) - 1 if found else first_line
        raise SourceError(exc.message, location=f"{source}:{line}") from None
    dependencies = data.get("dependencies", [])
    if not isinstance(dependencies, list):
        raise SourceError("'dependencies' must be a list of requirement strings",
                          location=f"{source}:{first_line}")
    for index, item in enumerate(dependencies):
        if not isinstance(item, str):
            collector.error("must be a requirement string", key=f"dependencies[{index}]")
            continue
        found_line = next(
            (first_line + offset for offset, raw in enumerate(raw_lines)
             if f'"{item}"' in raw or f"'{item}'" in raw),
            None,
        )
        collector.add_requirement(item, line=found_line, key_path=f"dependencies[{index}]")
    return collector
