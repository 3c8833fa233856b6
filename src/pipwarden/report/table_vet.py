"""``vet`` as a table: one line per package, its verdict and the reasons behind it.

    requests 2.32.3  OK
    reqeusts  BLOCK  looks like requests (letters swapped); first release 2 days ago

With ``-v`` every signal follows its package on indented lines. The verdicts and reasons come
from ``report.extra["packages"]`` (built by :mod:`pipwarden.vet`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pipwarden.models import Report
from pipwarden.report.summary import plural, severity_words

_COLORS = {"OK": "32", "REVIEW": "33", "BLOCK": "31"}


def _paint(text: str, verdict: str, color: bool) -> str:
    code = _COLORS.get(verdict)
    return f"\033[{code}m{text}\033[0m" if color and code else text


def _packages(report: Report) -> list[Mapping[str, object]]:
    raw = report.extra.get("packages", [])
    if not isinstance(raw, Sequence):
        return []
    return [p for p in raw if isinstance(p, Mapping)]


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    packages = _packages(report)
    rows = []
    for package in packages:
        label = f"{package.get('name', '')} {package.get('version') or ''}".strip()
        rows.append((label, str(package.get("verdict", "")), package))
    width = max((len(label) for label, _, _ in rows), default=0)
    lines: list[str] = []
    for label, verdict, package in rows:
        reasons = package.get("reasons")
        text = "; ".join(str(r) for r in reasons) if isinstance(reasons, list) else ""
        line = f"{label.ljust(width)}  {_paint(verdict, verdict, color)}"
        if text:
            line += " " * (6 - len(verdict)) + f"  {text}"
        lines.append(line.rstrip())
        signals = package.get("signals")
        if verbose and isinstance(signals, list):
            for sig in signals:
                if isinstance(sig, Mapping):
                    level = str(sig.get("level", ""))
                    lines.append(f"    {level:<6} {sig.get('name', '')}: {sig.get('text', '')}")
    active = report.active_findings
    if verbose and active:
        lines.append("")
        lines.append(f"{plural(len(active), 'finding')} ({severity_words(active)})")
        for f in active:
            where = f"{f.package} {f.version or ''}".strip()
            lines.append(f"  {f.severity.value:<9} {f.kind:<11} {where}  {f.summary}")
    if report.extra.get("reputation_checked") is False:
        lines.append("reputation not checked (--offline): verdicts use the local store only")
    return "\n".join(lines) + "\n"
