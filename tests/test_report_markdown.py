"""``--format markdown``: golden output, escaping, and one sensible summary per command."""

from __future__ import annotations

import re

from pipwarden.models import (
    Dependency,
    PackageName,
    Report,
    Severity,
    VulnerabilityFinding,
)
from pipwarden.report import markdown, render
from test_report_registry import audit_report, sample_reports

GOLDEN_AUDIT = """\
### pipwarden audit

**audited 6 packages: 3 vulnerabilities in 2 packages (1 critical, 1 high, 1 moderate); 1 malicious package; 1 possible typosquat (1 ignored)**

| Package | Version | Severity | Advisories | Fixed in | Via |
|---|---|---|---|---|---|
| `django` | `3.2.0` | **critical** | [GHSA-aaaa-bbbb-cccc](https://github.com/advisories/GHSA-aaaa-bbbb-cccc) (CVE-2024-0001, PYSEC-2024-1)<br>[PYSEC-2023-100](https://osv.dev/vulnerability/PYSEC-2023-100) | `3.2.25` | direct |
| `evil-pkg` | `1.0` | **critical** | [MAL-2024-42](https://osv.dev/vulnerability/MAL-2024-42) (malicious) | remove | direct |
| `reqeusts` | `2.31.0` | **high** | typosquat (imitates `requests`) | remove | direct |
| `starlette` | `0.27.0` | moderate | [GHSA-ssss-tttt-uuuu](https://osv.dev/vulnerability/GHSA-ssss-tttt-uuuu) | `0.36.2` | via fastapi |

- Run `pipwarden fix` to apply these upgrades.
- 2 dependencies not checked (1 editable, 1 not pinned).
- Warning: the advisory store is 9 days old

<details><summary>1 ignored finding</summary>

| ID | Package | Reason |
|---|---|---|
| [GHSA-iiii-jjjj-kkkk](https://osv.dev/vulnerability/GHSA-iiii-jjjj-kkkk) | `jinja2` | templates are trusted |

</details>
"""


def _unescaped_pipes(line: str) -> int:
    return len(re.findall(r"(?<!\\)\|", line))


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("|")]


def test_golden_audit() -> None:
    assert render(audit_report(), "markdown") == GOLDEN_AUDIT


def test_golden_is_stable_under_finding_order() -> None:
    report = audit_report()
    shuffled = Report(
        command=report.command,
        dependencies=report.dependencies,
        skipped=report.skipped,
        findings=tuple(reversed(report.findings)),
        warnings=report.warnings,
    )
    assert render(shuffled, "markdown") == GOLDEN_AUDIT


def test_clean_audit_says_so() -> None:
    text = render(sample_reports()["audit-clean"], "markdown")
    assert "**audited 1 package: no known vulnerabilities**" in text
    assert "|" not in text


def test_pipes_newlines_and_html_cannot_break_the_table() -> None:
    nasty = VulnerabilityFinding(
        id="GHSA-pipe-pipe-pipe",
        severity=Severity.HIGH,
        summary="a | b\nc\r\nd <script>alert(1)</script> & e",
        package="pkg|name",
        version="1.0",
        fixed_in=("2.0",),
        url="https://example.invalid/adv(1)",
    )
    report = Report(
        command="audit",
        dependencies=(Dependency(name=PackageName("pkg|name"), version="1.0", source="r.txt"),),
        findings=(nasty,),
    )
    for verbose in (False, True):
        text = render(report, "markdown", verbose=verbose)
        rows = _table_rows(text)
        assert rows, text
        for table in text.split("\n\n"):
            lines = _table_rows(table)
            if lines:
                assert len({_unescaped_pipes(line) for line in lines}) == 1, table
        assert "<script>" not in text
        assert "`pkg\\|name`" in text
        assert "(https://example.invalid/adv%281%29)" in text
    verbose_text = render(report, "markdown", verbose=True)
    assert "a \\| b<br>c<br>d &lt;script>alert(1)&lt;/script> &amp; e" in verbose_text


def test_cell_escaping() -> None:
    assert markdown.cell("a|b") == "a\\|b"
    assert markdown.cell("one\ntwo\r\n\nthree") == "one<br>two<br>three"
    assert markdown.cell("<b>&") == "&lt;b>&amp;"
    assert markdown.cell(None) == ""


def test_verbose_lists_each_advisory_with_score_and_date() -> None:
    text = render(audit_report(), "markdown", verbose=True)
    assert (
        "| critical 9.8 | `django` | SQL injection in QuerySet \\| annotate | 2024-02-01 |" in text
    )
    assert "<summary>Skipped</summary>" in text
    assert "| `flask` | not pinned: >=2 | `requirements.txt:8` |" in text


def test_summary_lines_for_other_commands() -> None:
    reports = sample_reports()
    assert markdown.summary_line(reports["vet"]) == (
        "vetted 1 package: 3 findings in 1 package (1 critical, 1 high, 1 moderate)"
    )
    assert markdown.summary_line(reports["verify"]) == (
        "verified 1 package: 2 findings in 1 package (1 critical, 1 moderate)"
    )
    assert markdown.summary_line(reports["scan"]) == (
        "scanned 3 files: 1 finding in 1 file (1 high) (1 ignored)"
    )
    partial = Report(command="verify", unchecked=("b.txt: unreadable",), partial=True)
    assert markdown.summary_line(partial) == (
        "verified 0 packages: no findings (partial: 1 input not checked)"
    )


def test_scan_findings_get_one_row_each_with_location() -> None:
    text = render(sample_reports()["scan"], "markdown")
    assert "| Location | Severity | Rule | Message |" in text
    assert (
        "| `src/app/run.py:12:5` | high | PW101 subprocess-shell-untrusted "
        "| subprocess call with shell=True and untrusted input |"
    ) in text
    # The ignored finding is listed with its reason, not as an active row.
    assert "| PW201 | `src/app/tmp.py` | test helper |" in text


def test_vet_table_leaves_out_empty_columns() -> None:
    text = render(sample_reports()["vet"], "markdown")
    header = next(line for line in text.splitlines() if line.startswith("| Package"))
    assert header == "| Package | Version | Severity | Findings | Fixed in |"
    assert "[MAL-2022-7](https://example.invalid/MAL-2022-7) (malicious)" in text
    assert "typosquat (imitates `colorama`)" in text


def test_audit_data_wins_over_recomputed_via_and_fix() -> None:
    base = audit_report()
    report = Report(
        command="audit",
        dependencies=base.dependencies,
        findings=base.findings,
        extra={
            "packages": [
                {
                    "name": "starlette",
                    "version": "0.27.0",
                    "via": "via app > fastapi",
                    "fix": "0.40.0",
                }
            ]
        },
    )
    row = next(line for line in render(report, "markdown").splitlines() if "`starlette`" in line)
    assert row.endswith("| `0.40.0` | via app > fastapi |")


def test_via_walks_parents_to_a_direct_dependency() -> None:
    deps = (
        Dependency(name=PackageName("app"), version="1", source="uv.lock"),
        Dependency(
            name=PackageName("mid"), version="1", source="uv.lock", direct=False, parents=("app",)
        ),
        Dependency(
            name=PackageName("leaf"), version="1", source="uv.lock", direct=False, parents=("mid",)
        ),
    )
    report = Report(command="audit", dependencies=deps)
    assert markdown.via_text("leaf", "1", report) == "via app > mid"
    assert markdown.via_text("mid", "1", report) == "via app"
    assert markdown.via_text("app", "1", report) == "direct"
    assert markdown.via_text("absent", "1", report) == ""


def test_smallest_fix_covers_every_advisory() -> None:
    def vuln(*fixed: str) -> VulnerabilityFinding:
        return VulnerabilityFinding(id="X", severity=Severity.LOW, summary="", fixed_in=fixed)

    assert markdown.smallest_fix([vuln("3.2.25", "4.2.11"), vuln("3.2.20")], "3.2.0") == "3.2.25"
    assert markdown.smallest_fix([vuln("3.2.25", "4.2.11")], "4.0") == "4.2.11"
    assert markdown.smallest_fix([vuln()], "1.0") is None
    assert markdown.smallest_fix([vuln("1.10"), vuln("1.9")], "1.0") == "1.10"


def test_huge_report_is_cut_to_fit_a_pull_request_comment() -> None:
    findings = tuple(
        VulnerabilityFinding(
            id=f"GHSA-{i:04d}-xxxx-yyyy",
            severity=Severity.HIGH,
            summary="long summary " * 20,
            package=f"pkg{i:04d}",
            version="1.0",
            aliases=tuple(f"CVE-2024-{i:05d}{j}" for j in range(5)),
            fixed_in=("2.0",),
            ignored=i % 10 == 0,
            ignore_reason="accepted",
        )
        for i in range(2000)
    )
    report = Report(command="audit", findings=findings)
    text = render(report, "markdown", verbose=True)
    assert len(text) <= markdown.MAX_CHARS
    shown = sum(1 for line in _table_rows(text) if line.startswith("| `pkg"))
    assert 0 < shown < 1800
    assert f"_{1800 - shown} more rows not shown to fit a comment;" in text
    assert "_200 ignored findings not listed._" in text
    # The summary still counts everything.
    assert "1800 vulnerabilities in 1800 packages (1800 high)" in text
