"""Every ``--format`` choice has a reporter, and every reporter renders every command's Report.

The sample Reports here are built by hand from the models and shared with the per-format
tests (``from test_report_registry import sample_reports``).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pipwarden.models import (
    CodeFinding,
    Dependency,
    IntegrityFinding,
    MaliciousFinding,
    PackageName,
    Report,
    ReputationFinding,
    Severity,
    Skipped,
    TyposquatFinding,
    VulnerabilityFinding,
)
from pipwarden.report import REPORTERS, render
from pipwarden.settings import FORMATS

SHA_A = "sha256:" + "a" * 64
SHA_B = "sha256:" + "b" * 64
CVSS_CRIT = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS_HIGH = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"


def _dep(name: str, version: str, **kw: object) -> Dependency:
    return Dependency(name=PackageName(name), version=version, **kw)  # type: ignore[arg-type]


def audit_report() -> Report:
    deps = (
        _dep("django", "3.2.0", source="requirements.txt", line=3, hashes=(SHA_A, SHA_B)),
        _dep("fastapi", "0.100.0", source="requirements.txt", line=4),
        _dep(
            "starlette",
            "0.27.0",
            source="poetry.lock",
            format="poetry.lock",
            key_path="package[7]",
            direct=False,
            parents=("fastapi",),
        ),
        _dep(
            "fastapi", "0.100.0", source="poetry.lock", format="poetry.lock", key_path="package[3]"
        ),
        _dep("reqeusts", "2.31.0", source="requirements.txt", line=5),
        _dep("evil-pkg", "1.0", source="requirements.txt", line=6, group="dev"),
        _dep("jinja2", "3.1.2", source="requirements.txt", line=7),
    )
    findings = (
        VulnerabilityFinding(
            id="GHSA-aaaa-bbbb-cccc",
            severity=Severity.CRITICAL,
            summary="SQL injection in QuerySet | annotate",
            package="django",
            version="3.2.0",
            aliases=("CVE-2024-0001", "PYSEC-2024-1"),
            fixed_in=("3.2.25", "4.2.11"),
            source="requirements.txt",
            line=3,
            score=9.8,
            vector=CVSS_CRIT,
            published="2024-02-01T00:00:00Z",
            url="https://github.com/advisories/GHSA-aaaa-bbbb-cccc",
            details="Line one of the details.\nLine <two> with a | pipe.",
        ),
        VulnerabilityFinding(
            id="PYSEC-2023-100",
            severity=Severity.HIGH,
            summary="Denial of service\nin multipart parsing",
            package="django",
            version="3.2.0",
            fixed_in=("3.2.20",),
            source="requirements.txt",
            line=3,
            score=7.5,
            vector=CVSS_HIGH,
        ),
        VulnerabilityFinding(
            id="GHSA-ssss-tttt-uuuu",
            severity=Severity.MODERATE,
            summary="Path traversal in StaticFiles",
            package="starlette",
            version="0.27.0",
            fixed_in=("0.36.2",),
            source="poetry.lock",
        ),
        MaliciousFinding(
            id="MAL-2024-42",
            severity=Severity.CRITICAL,
            summary="Malicious code in evil-pkg (PyPI)",
            package="evil-pkg",
            version="1.0",
            source="requirements.txt",
            line=6,
        ),
        TyposquatFinding(
            id="typosquat",
            severity=Severity.HIGH,
            summary="reqeusts looks like requests",
            package="reqeusts",
            version="2.31.0",
            source="requirements.txt",
            line=5,
            imitates="requests",
            rule="transposition",
        ),
        VulnerabilityFinding(
            id="GHSA-iiii-jjjj-kkkk",
            severity=Severity.LOW,
            summary="Ignored XSS",
            package="jinja2",
            version="3.1.2",
            fixed_in=("3.1.3",),
            source="requirements.txt",
            line=7,
            ignored=True,
            ignore_reason="templates are trusted",
        ),
    )
    return Report(
        command="audit",
        dependencies=deps,
        skipped=(
            Skipped(name="flask", reason="not pinned: >=2", source="requirements.txt", line=8),
            Skipped(name="mylib", reason="editable", source="requirements.txt", line=9),
        ),
        findings=findings,
        warnings=("the advisory store is 9 days old",),
        exit_code=1,
    )


def clean_audit_report() -> Report:
    return Report(
        command="audit",
        dependencies=(_dep("attrs", "23.2.0", source="requirements.txt", line=1),),
    )


def vet_report() -> Report:
    return Report(
        command="vet",
        findings=(
            TyposquatFinding(
                id="typosquat",
                severity=Severity.HIGH,
                summary="colourama looks like colorama",
                package="colourama",
                version="0.1",
                imitates="colorama",
                rule="spelling",
            ),
            ReputationFinding(
                id="new-project",
                severity=Severity.MODERATE,
                summary="First release 2 days ago",
                package="colourama",
                version="0.1",
                signal="first release 2 days ago",
                verdict="REVIEW",
            ),
            MaliciousFinding(
                id="MAL-2022-7",
                severity=Severity.CRITICAL,
                summary="Steals credentials",
                package="colourama",
                version="0.1",
                url="https://example.invalid/MAL-2022-7",
            ),
        ),
        exit_code=1,
    )


def verify_report() -> Report:
    return Report(
        command="verify",
        dependencies=(_dep("six", "1.16.0", source="requirements.txt", line=2, hashes=(SHA_A,)),),
        findings=(
            IntegrityFinding(
                id="hash-mismatch",
                severity=Severity.CRITICAL,
                summary="six-1.16.0-py2.py3-none-any.whl does not match the pinned hash",
                package="six",
                version="1.16.0",
                file="six-1.16.0-py2.py3-none-any.whl",
                check="hash",
            ),
            IntegrityFinding(
                id="pth-file",
                severity=Severity.MODERATE,
                summary="installs a .pth file that runs code at start-up",
                package="six",
                version="1.16.0",
                file="/opt/venv/lib/python3.11/site-packages/six-init.pth",
                check="pth",
            ),
        ),
        exit_code=1,
    )


def scan_report() -> Report:
    return Report(
        command="scan",
        findings=(
            CodeFinding(
                id="PW101",
                severity=Severity.HIGH,
                summary="subprocess call with shell=True and untrusted input",
                file="src/app/run.py",
                line=12,
                column=5,
                end_line=12,
                end_column=40,
                source_line=8,
                rule_name="subprocess-shell-untrusted",
            ),
            CodeFinding(
                id="PW201",
                severity=Severity.LOW,
                summary="insecure temporary file (mktemp)",
                file="src/app/tmp.py",
                line=3,
                column=1,
                rule_name="insecure-mktemp",
                ignored=True,
                ignore_reason="test helper",
            ),
        ),
        exit_code=1,
        extra={"files": ["src/app/run.py", "src/app/tmp.py", "src/app/__init__.py"]},
    )


def sample_reports() -> dict[str, Report]:
    return {
        "audit": audit_report(),
        "audit-clean": clean_audit_report(),
        "vet": vet_report(),
        "verify": verify_report(),
        "scan": scan_report(),
        "empty": Report(command="audit"),
    }


def test_every_format_choice_has_a_reporter() -> None:
    assert set(FORMATS) == set(REPORTERS)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", sorted(sample_reports()))
def test_every_reporter_renders_every_command(fmt: str, kind: str) -> None:
    report = sample_reports()[kind]
    text = render(report, fmt, verbose=True, color=False)
    assert text.endswith("\n")
    assert text.strip()
    if fmt in {"json", "sarif", "cyclonedx"}:
        json.loads(text)
    # Each active finding's id shows up in every format that lists findings.
    for finding in report.active_findings:
        if fmt in {"markdown", "json", "sarif"}:
            assert finding.id in text, (fmt, kind, finding.id)


def test_cyclonedx_library_is_imported_only_for_cyclonedx() -> None:
    code = (
        "import sys\n"
        "from pipwarden.models import Report\n"
        "from pipwarden.report import render\n"
        "for fmt in ('json', 'markdown', 'sarif'):\n"
        "    render(Report(command='audit'), fmt)\n"
        "import pipwarden.report.cyclonedx_format\n"
        "assert not any(m == 'cyclonedx' or m.startswith('cyclonedx.') for m in sys.modules), "
        "sorted(m for m in sys.modules if m.startswith('cyclonedx'))\n"
        "render(Report(command='audit'), 'cyclonedx')\n"
        "assert 'cyclonedx' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
