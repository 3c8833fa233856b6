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

# From PEP 723 ("Reference Implementation"); :func:`blocks` finds what it finds, in linear time
# (the regex backtracks quadratically over a file of many ``# /// x`` lines).
REGEX = r"(?m)^# /// (?P<type>[a-zA-Z0-9-]+)$\s(?P<content>(^#(| .*)$\s)+)^# ///$"
_OPENER = re.compile(r"# /// ([a-zA-Z0-9-]+)")


def _comment(line: str) -> bool:
    return line == "#" or line.startswith("# ")


def blocks(text: str) -> list[tuple[str, int, list[str]]]:
    """``(type, index of the first content line, content lines with their newlines)`` of each
    metadata block, as ``re.finditer(REGEX, text)`` would give them (``\n`` line ends)."""
    lines = text.split("\n")
    count = len(lines)
    # last_close[i]: the last "# ///" line at or after i in the run of comment lines around i,
    # followed by nothing or a newline (a content line needs a newline after it)
    last_close = [-1] * (count + 1)
    for i in range(count - 1, -1, -1):
        if not _comment(lines[i]):
            continue
        later = last_close[i + 1]
        last_close[i] = later if later >= 0 else (i if lines[i] == "# ///" else -1)
    found = []
    i = 0
    while i < count - 1:  # an opener needs a newline after it
        opener = _OPENER.fullmatch(lines[i])
        close = last_close[i + 2] if opener and i + 2 < count and _comment(lines[i + 1]) else -1
        if opener is None or close < 0:
            i += 1
            continue
        found.append((opener.group(1), i + 1, [line + "\n" for line in lines[i + 1 : close]]))
        i = close + 1
    return found


def parse(path: Path, markers: MarkerEnvironment) -> Collector:
    source = str(path)
    return parse_text(read_text(path), source, markers)


def parse_text(text: str, source: str, markers: MarkerEnvironment) -> Collector:
    collector = Collector(source=source, format=FORMAT, markers=markers)
    collector.files.append(source)
    text = text.replace("\r\n", "\n")
    matches = [b for b in blocks(text) if b[0] == "script"]
    if len(matches) > 1:
        line = matches[1][1]  # the opener's line (1-based) is the content's index
        raise SourceError("multiple '# /// script' blocks", location=f"{source}:{line}")
    if not matches:
        return collector
    _type, index, raw_lines = matches[0]
    first_line = index + 1
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
