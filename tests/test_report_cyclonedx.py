"""``--format cyclonedx``: CycloneDX 1.6 JSON, valid per cyclonedx-python-lib's validator."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from pipwarden.models import (
    Dependency,
    PackageName,
    Report,
    Severity,
    VulnerabilityFinding,
)
from pipwarden.report import render
from test_report_registry import SHA_A, SHA_B, audit_report, sample_reports

PURL_DJANGO = "pkg:pypi/django@3.2.0"


@pytest.fixture(scope="module")
def validator() -> JsonStrictValidator:
    return JsonStrictValidator(SchemaVersion.V1_6)


def _bom(report: Report) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(render(report, "cyclonedx"))
    return data


def _normalised(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    data["serialNumber"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    data["metadata"]["timestamp"] = "2000-01-01T00:00:00+00:00"
    return data


def _vuln(bom: dict[str, Any], advisory_id: str) -> dict[str, Any]:
    for vuln in bom["vulnerabilities"]:
        if vuln["id"] == advisory_id:
            found: dict[str, Any] = vuln
            return found
    raise AssertionError(advisory_id)


def _urls(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "url" and isinstance(value, str):
                found.append(value)
            found += _urls(value)
    elif isinstance(node, list):
        for item in node:
            found += _urls(item)
    return found


@pytest.mark.parametrize("kind", sorted(sample_reports()))
def test_valid_per_the_library_validator(kind: str, validator: JsonStrictValidator) -> None:
    text = render(sample_reports()[kind], "cyclonedx")
    error = validator.validate_str(text)
    assert error is None, str(error)
    data = json.loads(text)
    assert data["bomFormat"] == "CycloneDX"
    assert data["specVersion"] == "1.6"
    # Formats jsonschema cannot check without optional packages: check them here.
    datetime.fromisoformat(data["metadata"]["timestamp"])
    for url in _urls(data):
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc, url


def test_validator_catches_a_broken_bom(validator: JsonStrictValidator) -> None:
    data = _bom(audit_report())
    data["components"][0]["hashes"][0]["content"] = "not-a-hash"
    assert validator.validate_str(json.dumps(data)) is not None


def test_components_have_purls_hashes_and_declarations() -> None:
    bom = _bom(audit_report())
    components = {c["bom-ref"]: c for c in bom["components"]}
    assert sorted(components) == [
        PURL_DJANGO,
        "pkg:pypi/evil-pkg@1.0",
        "pkg:pypi/fastapi@0.100.0",
        "pkg:pypi/jinja2@3.1.2",
        "pkg:pypi/reqeusts@2.31.0",
        "pkg:pypi/starlette@0.27.0",
    ]
    django = components[PURL_DJANGO]
    assert django["purl"] == PURL_DJANGO
    assert django["type"] == "library"
    assert django["hashes"] == [
        {"alg": "SHA-256", "content": SHA_A.split(":")[1]},
        {"alg": "SHA-256", "content": SHA_B.split(":")[1]},
    ]
    props = {(p["name"], p["value"]) for p in components["pkg:pypi/fastapi@0.100.0"]["properties"]}
    # Declared in two files: one component, both declarations.
    assert ("pipwarden:declared-at", "requirements.txt:4") in props
    assert ("pipwarden:declared-at", "poetry.lock:package[3]") in props
    squat = {p["name"]: p["value"] for p in components["pkg:pypi/reqeusts@2.31.0"]["properties"]}
    assert "imitates requests" in squat["pipwarden:typosquat"]


def test_bad_hashes_are_left_out_not_emitted() -> None:
    dep = Dependency(
        name=PackageName("x"),
        version="1",
        source="r.txt",
        hashes=("sha256:" + "z" * 64, "sha256:abc", "md5:" + "0" * 32, "nohash"),
    )
    bom = _bom(Report(command="audit", dependencies=(dep,)))
    assert bom["components"][0]["hashes"] == [{"alg": "MD5", "content": "0" * 32}]


def test_dependency_graph_from_parents() -> None:
    bom = _bom(audit_report())
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert graph["pkg:pypi/fastapi@0.100.0"] == ["pkg:pypi/starlette@0.27.0"]
    assert graph[PURL_DJANGO] == []
    assert set(graph) == {c["bom-ref"] for c in bom["components"]}


def test_vulnerability_with_rating_affects_and_recommendation() -> None:
    bom = _bom(audit_report())
    vuln = _vuln(bom, "GHSA-aaaa-bbbb-cccc")
    assert vuln["ratings"] == [
        {
            "method": "CVSSv31",
            "score": 9.8,
            "severity": "critical",
            "vector": "AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        }
    ]
    assert vuln["affects"] == [
        {"ref": PURL_DJANGO, "versions": [{"status": "affected", "version": "3.2.0"}]}
    ]
    assert vuln["recommendation"] == "Upgrade to >= 3.2.25"
    assert vuln["advisories"][0]["url"] == "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"
    assert vuln["source"]["url"] == "https://github.com/advisories/GHSA-aaaa-bbbb-cccc"
    assert [r["id"] for r in vuln["references"]] == ["CVE-2024-0001", "PYSEC-2024-1"]
    assert vuln["description"] == "SQL injection in QuerySet | annotate"
    assert vuln["detail"].startswith("Line one of the details.")
    assert vuln["published"].startswith("2024-02-01T00:00:00")
    moderate = _vuln(bom, "GHSA-ssss-tttt-uuuu")
    assert moderate["ratings"] == [{"severity": "medium"}]
    assert moderate["source"] == {
        "name": "OSV",
        "url": "https://osv.dev/vulnerability/GHSA-ssss-tttt-uuuu",
    }


def test_malicious_and_ignored_findings() -> None:
    bom = _bom(audit_report())
    mal = _vuln(bom, "MAL-2024-42")
    assert mal["recommendation"].startswith("Remove this package")
    assert mal["ratings"] == [{"severity": "critical"}]
    ignored = _vuln(bom, "GHSA-iiii-jjjj-kkkk")
    assert ignored["analysis"] == {"detail": "ignored: templates are trusted"}
    assert {"name": "pipwarden:ignored", "value": "true"} in ignored["properties"]


def test_one_advisory_on_two_packages_is_one_vulnerability_with_two_targets() -> None:
    findings = tuple(
        VulnerabilityFinding(
            id="GHSA-same",
            severity=Severity.HIGH,
            summary="shared",
            package=name,
            version=version,
            fixed_in=fixed,
            score=7.5,
            vector="CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N",
        )
        for name, version, fixed in (
            ("Pkg_One", "1.0", ("1.5",)),
            ("pkg-two", "2.0", ("2.5", "3.0")),
        )
    )
    bom = _bom(Report(command="audit", findings=findings))
    vuln = _vuln(bom, "GHSA-same")
    assert [a["ref"] for a in vuln["affects"]] == ["pkg:pypi/pkg-one@1.0", "pkg:pypi/pkg-two@2.0"]
    assert vuln["recommendation"] == "Upgrade to >= 1.5 (or >= 2.5)"
    assert vuln["ratings"][0]["method"] == "CVSSv4"
    assert {c["name"] for c in bom["components"]} == {"pkg-one", "pkg-two"}


def test_other_commands_keep_their_findings() -> None:
    vet = _bom(sample_reports()["vet"])
    assert [c["bom-ref"] for c in vet["components"]] == ["pkg:pypi/colourama@0.1"]
    names = {p["name"] for p in vet["components"][0]["properties"]}
    assert {"pipwarden:typosquat", "pipwarden:reputation"} <= names
    assert [v["id"] for v in vet["vulnerabilities"]] == ["MAL-2022-7"]
    verify = _bom(sample_reports()["verify"])
    props = [p["value"] for p in verify["components"][0]["properties"]]
    assert any("hash-mismatch" in value for value in props)
    scan = _bom(sample_reports()["scan"])
    code = [p["value"] for p in scan["properties"] if p["name"] == "pipwarden:code"]
    assert any(value.startswith("src/app/run.py:12:5: PW101") for value in code)


def test_deterministic_except_serial_and_timestamp() -> None:
    report = audit_report()
    first = render(report, "cyclonedx")
    second = render(report, "cyclonedx")
    assert json.loads(first)["serialNumber"] != json.loads(second)["serialNumber"]
    assert _normalised(first) == _normalised(second)
    reordered = Report(
        command="audit",
        dependencies=tuple(reversed(report.dependencies)),
        skipped=report.skipped,
        findings=tuple(reversed(report.findings)),
        warnings=report.warnings,
    )
    assert _normalised(render(reordered, "cyclonedx")) == _normalised(first)
