"""A fast reader for the strict TOML subset that lock-file generators write.

``tomllib`` walks the text character by character in Python and needs well over 100 ms for
a 1,000-package uv.lock. Lock files are machine-written in a small, regular subset of TOML:
one ``key = value`` per line, ``[table]`` / ``[[array]]`` headers of bare keys, basic and
literal single-line strings, integers, booleans, single-line inline tables, and arrays whose
elements sit one line each. This reader handles exactly that subset line by line with
regular expressions and gives up (:class:`Unsupported`) on anything else: any other
construct, a duplicate key, a redefined table, an escape it does not know. Callers then use
``tomllib``, so a file is either read the same way as ``tomllib`` reads it or by
``tomllib`` itself (tests compare the two on real and fuzzed files).
"""

from __future__ import annotations

import re
from typing import Any


class Unsupported(Exception):
    """The text leaves the subset; parse it with tomllib instead."""


_CTRL = r"\x00-\x08\x0a-\x1f\x7f"
_BASIC = rf'"(?:[^"\\{_CTRL}]|\\[btnfr"\\]|\\u[0-9A-Fa-f]{{4}}|\\U[0-9A-Fa-f]{{8}})*"'
_LITERAL = rf"'[^'{_CTRL}]*'"
_BARE = r"[A-Za-z0-9_-]+"
_KEY = rf"(?:{_BARE}|{_BASIC}|{_LITERAL})"
_COMMENT = rf"[ \t]*(?:#[^{_CTRL}]*)?"

_HEADER_RE = re.compile(rf"^[ \t]*(\[\[?)[ \t]*({_BARE}(?:\.{_BARE})*)[ \t]*(\]\]?){_COMMENT}$")
_KEYVAL_RE = re.compile(rf"^[ \t]*({_KEY})[ \t]*=[ \t]*(.*?)[ \t]*$")
_STRING_RE = re.compile(rf"{_BASIC}|{_LITERAL}")
_INT_RE = re.compile(r"[+-]?(?:0|[1-9](?:_?[0-9])*)(?![0-9A-Za-z_.:+-])")
_BOOL_RE = re.compile(r"(?:true|false)(?![0-9A-Za-z_-])")
_KEY_RE = re.compile(_KEY)
_COMMENT_LINE_RE = re.compile(rf"^{_COMMENT}$")
_WS_RE = re.compile(r"[ \t]*")
_TAIL_RE = re.compile(rf"[ \t]*,?{_COMMENT}$")
_ESCAPE_RE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")
_ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}
# the common line shape: a flat inline table of strings and integers
_FLAT_TABLE_RE = re.compile(
    rf'^[ \t]*\{{[ \t]*((?:{_BARE}[ \t]*=[ \t]*(?:"[^"\\{_CTRL}]*"|[0-9]+)[ \t]*,[ \t]*)*'
    rf'{_BARE}[ \t]*=[ \t]*(?:"[^"\\{_CTRL}]*"|[0-9]+))[ \t]*\}}[ \t]*(,?){_COMMENT}$'
)
_SIMPLE_KV_RE = re.compile(rf'({_BARE}) = (?:"([^"\\{_CTRL}]*)"|(true|false))$')
_TABLE_KV_RE = re.compile(rf"({_BARE}) = (\{{.*\}}|\[.+\])$")
_PACKAGE_TABLE_RE = re.compile(rf"\[package\.({_BARE})\]$")
_ARRAY_START_RE = re.compile(rf"({_BARE}) = \[$")
_STRING_ELEMENT_RE = re.compile(rf'[ \t]+"([^"\\{_CTRL}]*)"(,?)$')
_FLAT_PAIR_RE = re.compile(rf'({_BARE})[ \t]*=[ \t]*(?:"([^"\\{_CTRL}]*)"|([0-9]+))')


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    if code is not None:
        value = int(code, 16)
        if 0xD800 <= value <= 0xDFFF or value > 0x10FFFF:
            raise Unsupported("invalid unicode escape")
        return chr(value)
    return _ESCAPES[match.group(3)]


def _string(token: str) -> str:
    if token[0] == "'":
        return token[1:-1]
    inner = token[1:-1]
    return _ESCAPE_RE.sub(_unescape, inner) if "\\" in inner else inner


def _key(token: str) -> str:
    return _string(token) if token[0] in "\"'" else token


def _int(token: str) -> int:
    if token.isdigit() and (token[0] != "0" or len(token) == 1):
        return int(token)
    if token.lstrip("+-") != "0" and len(token.lstrip("+-")) > 1 and token.lstrip("+-")[0] == "0":
        raise Unsupported("leading zero")
    return int(token.replace("_", ""))


def _value(text: str, pos: int) -> tuple[Any, int]:
    """One value starting at ``pos`` (no leading whitespace); returns (value, end)."""
    if pos >= len(text):
        raise Unsupported("missing value")
    char = text[pos]
    if char in "\"'":
        if text.startswith(('"""', "'''"), pos):
            raise Unsupported("multi-line string")
        match = _STRING_RE.match(text, pos)
        if match is None:
            raise Unsupported("string")
        return _string(match.group(0)), match.end()
    if char == "{":
        return _inline_table(text, pos + 1)
    if char == "[":
        return _inline_array(text, pos + 1)
    match = _BOOL_RE.match(text, pos)
    if match is not None:
        return match.group(0) == "true", match.end()
    match = _INT_RE.match(text, pos)
    if match is not None:
        return _int(match.group(0)), match.end()
    raise Unsupported("value type")


def _skip(text: str, pos: int) -> int:
    match = _WS_RE.match(text, pos)
    return match.end() if match else pos


def _inline_table(text: str, pos: int) -> tuple[dict[str, Any], int]:
    result: dict[str, Any] = {}
    pos = _skip(text, pos)
    if text.startswith("}", pos):
        return result, pos + 1
    while True:
        match = _KEY_RE.match(text, pos)
        if match is None:
            raise Unsupported("inline table key")
        key = _key(match.group(0))
        pos = _skip(text, match.end())
        if not text.startswith("=", pos):
            raise Unsupported("dotted or malformed key")
        value, pos = _value(text, _skip(text, pos + 1))
        if key in result:
            raise Unsupported("duplicate key")
        result[key] = value
        pos = _skip(text, pos)
        if text.startswith("}", pos):
            return result, pos + 1
        if not text.startswith(",", pos):
            raise Unsupported("inline table separator")
        pos = _skip(text, pos + 1)
        if text.startswith("}", pos):
            raise Unsupported("trailing comma in inline table")


def _inline_array(text: str, pos: int) -> tuple[list[Any], int]:
    result: list[Any] = []
    pos = _skip(text, pos)
    while True:
        if text.startswith("]", pos):
            return result, pos + 1
        value, pos = _value(text, pos)
        result.append(value)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif not text.startswith("]", pos):
            raise Unsupported("array separator")


def _line_value(text: str) -> tuple[Any, bool]:
    """A whole single-line value with an optional trailing comment. Returns (value, comma)."""
    match = _FLAT_TABLE_RE.match(text)
    if match is not None:
        table: dict[str, Any] = {}
        for key, string, number in _FLAT_PAIR_RE.findall(match.group(1)):
            if key in table:
                raise Unsupported("duplicate key")
            table[key] = string if number == "" else _int(number)
        return table, match.group(2) == ","
    value, pos = _value(text, _skip(text, 0))
    tail = _TAIL_RE.match(text, pos)
    if tail is None:
        raise Unsupported("trailing text")
    return value, "," in text[pos:tail.end()].split("#", 1)[0]


def loads(text: str) -> dict[str, Any]:
    root: dict[str, Any] = {}
    current = root
    explicit: set[int] = {id(root)}  # tables defined by a header (or the root)
    frozen: set[int] = set()  # values written inline: headers may not extend them
    arrays_of_tables: set[int] = set()
    pending: list[Any] | None = None  # a multi-line array being filled
    separated = True  # the previous element of the pending array ended with a comma
    if "\r" in text:
        text = text.replace("\r\n", "\n")  # a lone CR stays and is rejected below
    simple_kv = _SIMPLE_KV_RE.match
    table_kv = _TABLE_KV_RE.match
    array_start = _ARRAY_START_RE.match
    package_table = _PACKAGE_TABLE_RE.match
    flat_table = _FLAT_TABLE_RE.match
    flat_pairs = _FLAT_PAIR_RE.findall
    string_element = _STRING_ELEMENT_RE.match
    packages: list[Any] | None = None  # root["package"] when it is an array of tables
    for line in text.split("\n"):
        if not line:
            continue
        # fast paths for the line shapes that make up most of a lock file
        if pending is None:
            match = simple_kv(line)
            if match is not None:
                key, string, boolean = match.groups()
                if key in current:
                    raise Unsupported("duplicate key")
                current[key] = string if string is not None else boolean == "true"
                continue
            if line == "[[package]]" and packages is not None:
                current = {}
                packages.append(current)
                explicit.add(id(current))
                continue
            if packages and line.startswith("[package."):
                match = package_table(line)
                if match is not None and match.group(1) not in packages[-1]:
                    current = packages[-1][match.group(1)] = {}
                    explicit.add(id(current))
                    continue
            match = table_kv(line)
            if match is not None:
                key = match.group(1)
                if key in current:
                    raise Unsupported("duplicate key")
                value, comma = _line_value(match.group(2))
                if comma:
                    raise Unsupported("comma after a value")
                current[key] = value
                frozen.add(id(value))
                continue
            match = array_start(line)
            if match is not None:
                key = match.group(1)
                if key in current:
                    raise Unsupported("duplicate key")
                pending = current[key] = []
                separated = True
                frozen.add(id(pending))
                continue
        elif line == "]":
            pending = None
            continue
        else:
            match = flat_table(line)
            if match is not None:
                if not separated:
                    raise Unsupported("missing comma between array elements")
                table: dict[str, Any] = {}
                for key, string, number in flat_pairs(match.group(1)):
                    if key in table:
                        raise Unsupported("duplicate key")
                    table[key] = string if number == "" else _int(number)
                pending.append(table)
                separated = match.group(2) == ","
                continue
            match = string_element(line)
            if match is not None:
                if not separated:
                    raise Unsupported("missing comma between array elements")
                pending.append(match.group(1))
                separated = match.group(2) == ","
                continue
        stripped = line.strip(" \t")
        if pending is not None:
            if not stripped or stripped.startswith("#"):
                if _COMMENT_LINE_RE.match(line) is None:
                    raise Unsupported("comment")
                continue
            if stripped.startswith("]"):
                if _TAIL_RE.match(stripped, 1) is None or "," in stripped[1:].split("#")[0]:
                    raise Unsupported("text after array")
                pending = None
                continue
            if not separated:
                raise Unsupported("missing comma between array elements")
            value, separated = _line_value(line)
            pending.append(value)
            continue
        if not stripped or stripped.startswith("#"):
            if _COMMENT_LINE_RE.match(line) is None:
                raise Unsupported("comment")
            continue
        if stripped.startswith("["):
            match = _HEADER_RE.match(line)
            if match is None or len(match.group(1)) != len(match.group(3)):
                raise Unsupported("header")
            parts = match.group(2).split(".")
            table = root
            for part in parts[:-1]:
                child = table.get(part)
                if child is None:
                    child = table[part] = {}
                elif isinstance(child, list):
                    if id(child) not in arrays_of_tables or not child:
                        raise Unsupported("header through a static array")
                    child = child[-1]
                elif not isinstance(child, dict):
                    raise Unsupported("header through a value")
                if id(child) in frozen:
                    raise Unsupported("header into an inline table")
                table = child
            last = parts[-1]
            if match.group(1) == "[[":
                array = table.get(last)
                if array is None:
                    array = table[last] = []
                    arrays_of_tables.add(id(array))
                elif not isinstance(array, list) or id(array) not in arrays_of_tables:
                    raise Unsupported("array of tables redefined")
                current = {}
                array.append(current)
                if table is root and last == "package":
                    packages = array
            else:
                existing = table.get(last)
                if existing is None:
                    current = table[last] = {}
                elif isinstance(existing, dict) and id(existing) not in frozen \
                        and id(existing) not in explicit:
                    current = existing
                else:
                    raise Unsupported("table redefined")
            explicit.add(id(current))
            continue
        match = _KEYVAL_RE.match(line)
        if match is None:
            raise Unsupported("not a key/value line")
        key = _key(match.group(1))
        if key in current:
            raise Unsupported("duplicate key")
        rest = match.group(2)
        if rest == "[" or (rest.startswith("[") and rest[1:].lstrip(" \t").startswith("#")):
            pending = []
            separated = True
            current[key] = pending
            frozen.add(id(pending))
            continue
        value, _comma = _line_value(rest)
        if _comma:
            raise Unsupported("comma after a value")
        current[key] = value
        if isinstance(value, (dict, list)):
            frozen.add(id(value))
    if pending is not None:
        raise Unsupported("unterminated array")
    return root
