"""``--format markdown``: a report fit for a pull-request comment.

One summary line (the same words as the terminal table), then one table row per affected
package (package, version, worst severity, advisories with links, fixed in, via), then code
findings one row each, then what was ignored, skipped or not checked. Every cell is escaped
so that ``|``, newlines and HTML in advisory text cannot break the table.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import quote

from pipwarden.models import (
    AnyFinding,
    CodeFinding,
    Dependency,
    IntegrityFinding,
    MaliciousFinding,
    Report,
    ReputationFinding,
    TyposquatFinding,
    VulnerabilityFinding,
)
from pipwarden.report.summary import plural, severity_words, worst

_VERBS = {
    "audit": "audited",
    "vet": "vetted",
    "verify": "verified",
    "outdated": "checked",
    "install": "checked",
}
_ADVISORY_BASE = "https://osv.dev/vulnerability/"


# --- escaping -----------------------------------------------------------------------------------


def cell(text: object) -> str:
    """Text safe inside a table cell: HTML and pipes escaped, line breaks as ``<br>``."""
    value = "" if text is None else str(text)
    # ``<`` and ``&`` are enough to stop HTML tags and entities; ``>`` alone cannot open one.
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    value = value.replace("|", "\\|")
    lines = [line.strip() for line in value.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "<br>".join(line for line in lines if line)


def _code(text: str) -> str:
    """Inline code for a cell (package names, versions, commands)."""
    if not text:
        return ""
    escaped = text.replace("|", "\\|").replace("\n", " ")
    fence = "``" if "`" in escaped else "`"
    pad = " " if "`" in escaped else ""
    return f"{fence}{pad}{escaped}{pad}{fence}"


def _link(label: str, url: str | None) -> str:
    text = cell(label).replace("[", "\\[").replace("]", "\\]")
    if not url or not url.startswith(("https://", "http://")):
        return text
    safe_url = quote(url, safe=":/?#@!$&'*+,;=%-._~")
    safe_url = safe_url.replace("(", "%28").replace(")", "%29")
    return f"[{text}]({safe_url})"


def advisory_url(finding: AnyFinding) -> str | None:
    """The finding's link, or the OSV page for advisory ids without one."""
    if isinstance(finding, (VulnerabilityFinding, MaliciousFinding)):
        if finding.url:
            return finding.url
        return _ADVISORY_BASE + quote(finding.id, safe="-._~")
    return None


# --- versions -----------------------------------------------------------------------------------


def _version_key(text: str) -> tuple[int, object]:
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(text))
    except InvalidVersion:
        return (0, text)


def smallest_fix(findings: list[AnyFinding], installed: str | None) -> str | None:
    """The smallest version that fixes every finding that has a fix (``None`` if none has)."""
    needed: list[str] = []
    for finding in findings:
        candidates = list(finding.fixed_in)
        if installed:
            above = [v for v in candidates if _version_key(v) > _version_key(installed)]
            candidates = above or candidates
        if candidates:
            needed.append(min(candidates, key=_version_key))
    return max(needed, key=_version_key) if needed else None


# --- "via" --------------------------------------------------------------------------------------


def via_text(name: str, version: str, report: Report) -> str:
    """``direct`` or ``via fastapi > starlette``: from the audit's data when it has it."""
    packages = report.extra.get("packages")
    if isinstance(packages, list):
        for entry in packages:
            if (
                isinstance(entry, dict)
                and str(entry.get("name")) == name
                and str(entry.get("version")) == version
                and entry.get("via")
            ):
                return str(entry["via"])
    deps = [d for d in report.dependencies if d.name == name and d.version == version]
    if not deps:
        return ""
    if any(d.direct for d in deps):
        return "direct"
    dep = sorted(deps, key=lambda d: d.source)[0]
    return _walk_parents(dep, report.dependencies)


def _walk_parents(dep: Dependency, all_deps: tuple[Dependency, ...]) -> str:
    by_name: dict[str, Dependency] = {str(d.name): d for d in all_deps if d.source == dep.source}
    seen = {str(dep.name)}
    frontier: list[list[str]] = [[str(dep.name)]]
    while frontier:
        nxt: list[list[str]] = []
        for path in frontier:
            node = by_name.get(path[-1]) if len(path) > 1 else dep
            for parent in sorted(node.parents if node else ()):
                if parent in seen:
                    continue
                seen.add(parent)
                parent_dep = by_name.get(parent)
                new_path = [*path, parent]
                if parent_dep is None or parent_dep.direct:
                    return "via " + " > ".join(reversed(new_path[1:]))
                nxt.append(new_path)
        frontier = nxt
    return "transitive"


def _fix_from_extra(name: str, version: str, report: Report) -> tuple[bool, str | None]:
    packages = report.extra.get("packages")
    if isinstance(packages, list):
        for entry in packages:
            if (
                isinstance(entry, dict)
                and str(entry.get("name")) == name
                and str(entry.get("version")) == version
            ):
                fix = entry.get("fix")
                return True, str(fix) if fix else None
    return False, None


# --- rows ---------------------------------------------------------------------------------------


def _finding_label(finding: AnyFinding) -> str:
    """One advisory/finding in the advisories cell."""
    label = _link(finding.id, advisory_url(finding))
    extra: list[str] = []
    if finding.aliases:
        extra.append(", ".join(cell(a) for a in finding.aliases))
    match finding:
        case TyposquatFinding():
            extra.append(f"imitates {_code(finding.imitates)}" if finding.imitates else "")
        case ReputationFinding():
            extra.append(
                cell(f"{finding.verdict}: {finding.signal}" if finding.signal else finding.verdict)
            )
        case IntegrityFinding():
            bits = [finding.check, finding.file or ""]
            extra.append(cell(" ".join(b for b in bits if b)))
        case MaliciousFinding():
            extra.append("malicious")
        case _:
            pass
    extra = [e for e in extra if e]
    return f"{label} ({'; '.join(extra)})" if extra else label


def _package_rows(report: Report, findings: list[AnyFinding]) -> list[list[str]]:
    grouped: dict[tuple[str, str], list[AnyFinding]] = {}
    for finding in findings:
        if isinstance(finding, CodeFinding) or finding.package is None:
            continue
        grouped.setdefault((finding.package, finding.version or ""), []).append(finding)
    rows: list[tuple[tuple[int, str, str], list[str]]] = []
    for (name, version), items in grouped.items():
        items.sort(key=lambda f: (-f.severity.rank, f.id))
        sev = worst(items)
        known, fix = _fix_from_extra(name, version, report)
        if not known:
            fix = smallest_fix(items, version or None)
        if fix:
            fix_text = _code(fix)
        elif any(isinstance(f, (MaliciousFinding, TyposquatFinding)) for f in items):
            fix_text = "remove"
        else:
            fix_text = "no fix" if any(isinstance(f, VulnerabilityFinding) for f in items) else ""
        row = [
            _code(name),
            _code(version),
            f"**{sev.value}**" if sev.rank >= 3 else sev.value,
            "<br>".join(_finding_label(f) for f in items),
            fix_text,
            cell(via_text(name, version, report)),
        ]
        rows.append(((-sev.rank, name, version), row))
    rows.sort(key=lambda item: item[0])
    return [row for _, row in rows]


def _code_rows(findings: list[AnyFinding]) -> list[list[str]]:
    code = [f for f in findings if isinstance(f, CodeFinding)]
    code.sort(key=lambda f: (f.file, f.line or 0, f.column, f.id))
    rows = []
    for f in code:
        where = f"{f.file}:{f.line or 1}:{f.column}"
        rule = f"{f.id} {f.rule_name}".strip()
        rows.append([_code(where), f.severity.value, cell(rule), cell(f.summary)])
    return rows


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# --- summary ------------------------------------------------------------------------------------


def summary_line(report: Report) -> str:
    if report.command == "audit":
        from pipwarden.report.table_audit import summary_line as audit_line

        return audit_line(report)
    active = report.active_findings
    if report.command == "scan":
        files = {f.file for f in active if isinstance(f, CodeFinding)}
        head = "scanned"
        count = report.extra.get("files")
        if isinstance(count, list):
            head += f" {plural(len(count), 'file')}"
        elif isinstance(count, int):
            head += f" {plural(count, 'file')}"
        body = (
            f"{plural(len(active), 'finding')} in {plural(len(files), 'file')} ({severity_words(active)})"
            if active
            else "no findings"
        )
    else:
        verb = _VERBS.get(report.command, report.command)
        names: set[tuple[str, str | None]] = {(d.name, d.version) for d in report.dependencies}
        names |= {(f.package, f.version) for f in report.findings if f.package}
        head = f"{verb} {plural(len(names), 'package')}"
        packages = {(f.package, f.version) for f in active if f.package}
        body = (
            f"{plural(len(active), 'finding')} in {plural(len(packages), 'package')} "
            f"({severity_words(active)})"
            if active
            else "no findings"
        )
    text = f"{head}: {body}"
    if report.partial:
        text += f" (partial: {plural(len(report.unchecked), 'input')} not checked)"
    ignored = len(report.findings) - len(active)
    if ignored:
        text += f" ({ignored} ignored)"
    return text


def _skipped_line(report: Report) -> str | None:
    if not report.skipped:
        return None
    reasons = Counter(s.reason.split(":")[0].strip() for s in report.skipped)
    words = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items(), key=lambda i: (-i[1], i[0])))
    return (
        f"{plural(len(report.skipped), 'dependency', 'dependencies')} not checked ({cell(words)})"
    )


# --- render -------------------------------------------------------------------------------------


# GitHub rejects comments over 65,536 characters; stay below with room for a header.
MAX_CHARS = 60_000


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    """The whole report; rows are cut (with a note) when it would not fit in a PR comment."""
    limit: int | None = None
    while True:
        text, total = _render(report, verbose=verbose, limit=limit)
        if len(text) <= MAX_CHARS or limit == 0:
            return text
        limit = (total if limit is None else limit) // 2


def _render(report: Report, *, verbose: bool, limit: int | None) -> tuple[str, int]:
    active = list(report.active_findings)
    lines = [f"### pipwarden {cell(report.command)}", "", f"**{cell(summary_line(report))}**"]

    package_rows = _package_rows(report, active)
    code_rows = _code_rows(active)
    total = len(package_rows) + len(code_rows)
    if limit is not None:
        verbose = False
        package_rows = package_rows[:limit]
        code_rows = code_rows[: max(limit - len(package_rows), 0)]
    if package_rows:
        second = "Advisories" if report.command == "audit" else "Findings"
        headers = ["Package", "Version", "Severity", second, "Fixed in", "Via"]
        # Leave out "Fixed in" and "Via" when no row has anything to say there (vet, verify).
        keep = [i for i in range(len(headers)) if i < 4 or any(row[i] for row in package_rows)]
        lines += [""]
        lines += _table(
            [headers[i] for i in keep], [[row[i] for i in keep] for row in package_rows]
        )
    if code_rows:
        lines += [""]
        lines += _table(["Location", "Severity", "Rule", "Message"], code_rows)
    shown = len(package_rows) + len(code_rows)
    if shown < total:
        lines += [
            "",
            f"_{plural(total - shown, 'more row')} not shown to fit a comment; "
            "run with `--format json` for the full report._",
        ]

    if verbose and active:
        lines += ["", "<details><summary>Details</summary>", ""]
        detail_rows = []
        for f in sorted(active, key=lambda f: (f.package or "", f.id)):
            score = ""
            published = ""
            if isinstance(f, VulnerabilityFinding):
                score = f" {f.score:.1f}" if f.score is not None else ""
                published = (f.published or "")[:10]
            detail_rows.append(
                [
                    _link(f.id, advisory_url(f)),
                    cell(", ".join(f.aliases)),
                    f"{f.severity.value}{score}",
                    _code(f.package or (f.file if isinstance(f, CodeFinding) else "")),
                    cell(f.summary),
                    published,
                ]
            )
        lines += _table(
            ["ID", "Aliases", "Severity", "Package", "Summary", "Published"], detail_rows
        )
        lines += ["", "</details>"]

    notes: list[str] = []
    if any(isinstance(f, VulnerabilityFinding) and f.fixed_in for f in active) and (
        report.command == "audit"
    ):
        notes.append("Run `pipwarden fix` to apply these upgrades.")
    skipped = _skipped_line(report)
    if skipped:
        notes.append(skipped.capitalize() + ".")
    for item in report.unchecked:
        notes.append(f"Not checked: {cell(item)}")
    for warning in report.warnings:
        notes.append(f"Warning: {cell(warning)}")
    if notes:
        lines += [""]
        lines += [f"- {n}" for n in notes]

    ignored = [f for f in report.findings if f.ignored]
    if ignored and limit is not None:
        lines += ["", f"_{plural(len(ignored), 'ignored finding')} not listed._"]
    elif ignored:
        lines += ["", f"<details><summary>{plural(len(ignored), 'ignored finding')}</summary>", ""]
        rows = [
            [
                _link(f.id, advisory_url(f)),
                _code(f.package or (f.file if isinstance(f, CodeFinding) else "")),
                cell(f.ignore_reason or ""),
            ]
            for f in sorted(ignored, key=lambda f: (f.id, f.package or ""))
        ]
        lines += _table(["ID", "Package", "Reason"], rows)
        lines += ["", "</details>"]
    if verbose and report.skipped:
        lines += ["", "<details><summary>Skipped</summary>", ""]
        rows = [
            [_code(s.name), cell(s.reason), _code(f"{s.source}:{s.line}" if s.line else s.source)]
            for s in report.skipped
        ]
        lines += _table(["Requirement", "Reason", "Where"], rows)
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n", total
