"""``--format cyclonedx``: a CycloneDX 1.6 JSON BOM built with cyclonedx-python-lib.

- one component per package and version, with its purl (``pkg:pypi/name@version``) as
  bom-ref, its hashes, and properties saying where it was declared;
- the dependency graph from ``Dependency.parents``;
- one vulnerability per advisory (vulnerability and malicious-package findings) with ratings
  (severity, score, CVSS method and vector), ``affects`` pointing at the components,
  a recommendation (``Upgrade to >= X``), the advisory link and the aliases as references;
- other findings (typosquat, reputation, integrity) as component properties, code findings
  as BOM properties.

The library is imported only when this format is rendered: it is heavy, and the JSON and
table paths must stay fast. The serial number and timestamp differ per run; everything else
is deterministic.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from pipwarden import __version__
from pipwarden.models import (
    AnyFinding,
    CodeFinding,
    Dependency,
    IntegrityFinding,
    MaliciousFinding,
    Report,
    ReputationFinding,
    Severity,
    TyposquatFinding,
    VulnerabilityFinding,
)

if TYPE_CHECKING:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component

_OSV_BASE = "https://osv.dev/vulnerability/"
_HASH_RE = re.compile(r"^[0-9a-fA-F]+$")
_HASH_ALGS = {
    "md5": "MD5",
    "sha1": "SHA_1",
    "sha256": "SHA_256",
    "sha384": "SHA_384",
    "sha512": "SHA_512",
    "sha3_256": "SHA3_256",
    "sha3_384": "SHA3_384",
    "sha3_512": "SHA3_512",
    "blake2b_256": "BLAKE2B_256",
    "blake2b_384": "BLAKE2B_384",
    "blake2b_512": "BLAKE2B_512",
}
_HASH_LENGTHS = {"MD5": 32, "SHA_1": 40, "SHA_256": 64, "SHA_384": 96, "SHA_512": 128}


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


def purl(name: str, version: str | None) -> Any:
    """``pkg:pypi/<canonical name>@<version>`` as a PackageURL."""
    from packageurl import PackageURL

    return PackageURL(type="pypi", name=_canonical(name), version=version or None)


def _hashes(values: tuple[str, ...]) -> list[Any]:
    from cyclonedx.model import HashAlgorithm, HashType

    out = []
    seen: set[tuple[str, str]] = set()
    for value in values:
        alg, sep, digest = value.partition(":")
        if not sep:
            continue
        member = _HASH_ALGS.get(alg.strip().lower().replace("-", "_"))
        digest = digest.strip().lower()
        if member is None or not _HASH_RE.match(digest):
            continue
        if member in _HASH_LENGTHS and len(digest) != _HASH_LENGTHS[member]:
            continue
        if (member, digest) in seen:
            continue
        seen.add((member, digest))
        out.append(HashType(alg=HashAlgorithm[member], content=digest))
    return out


def _declared_at(dep: Dependency) -> str:
    return f"{dep.source}:{dep.line}" if dep.line is not None else dep.location


def _components(report: Report) -> dict[tuple[str, str], Component]:
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType

    grouped: dict[tuple[str, str], list[Dependency]] = {}
    for dep in report.dependencies:
        grouped.setdefault((_canonical(dep.name), dep.version), []).append(dep)
    for finding in report.findings:
        if finding.package and not isinstance(finding, CodeFinding):
            grouped.setdefault((_canonical(finding.package), finding.version or ""), [])

    components: dict[tuple[str, str], Component] = {}
    for (name, version), deps in sorted(grouped.items()):
        properties = []
        for dep in sorted(deps, key=lambda d: (d.source, d.line or 0)):
            properties.append(Property(name="pipwarden:declared-at", value=_declared_at(dep)))
            properties.append(Property(name="pipwarden:group", value=dep.group))
            properties.append(
                Property(name="pipwarden:direct", value="true" if dep.direct else "false")
            )
        hashes = _hashes(tuple(h for dep in deps for h in dep.hashes))
        package_url = purl(name, version or None)
        components[(name, version)] = Component(
            type=ComponentType.LIBRARY,
            name=name,
            version=version or None,
            purl=package_url,
            bom_ref=str(package_url.to_string()),
            hashes=hashes,
            properties=properties,
        )
    return components


def _graph(bom: Bom, report: Report, components: dict[tuple[str, str], Component]) -> None:
    by_source_name: dict[tuple[str, str], Dependency] = {
        (d.source, _canonical(d.name)): d for d in report.dependencies
    }
    edges: dict[tuple[str, str], set[tuple[str, str]]] = {key: set() for key in components}
    for dep in report.dependencies:
        child = (_canonical(dep.name), dep.version)
        for parent_name in dep.parents:
            parent = by_source_name.get((dep.source, _canonical(parent_name)))
            if parent is None:
                continue
            key = (_canonical(parent.name), parent.version)
            if key in edges and key != child:
                edges[key].add(child)
    for key in sorted(edges):
        bom.register_dependency(components[key], [components[c] for c in sorted(edges[key])])


def _severity(severity: Severity) -> Any:
    from cyclonedx.model.vulnerability import VulnerabilitySeverity

    return {
        Severity.CRITICAL: VulnerabilitySeverity.CRITICAL,
        Severity.HIGH: VulnerabilitySeverity.HIGH,
        Severity.MODERATE: VulnerabilitySeverity.MEDIUM,
        Severity.LOW: VulnerabilitySeverity.LOW,
        Severity.UNKNOWN: VulnerabilitySeverity.UNKNOWN,
    }[severity]


def _rating(finding: VulnerabilityFinding | MaliciousFinding) -> Any:
    from decimal import Decimal

    from cyclonedx.model.vulnerability import VulnerabilityRating, VulnerabilityScoreSource

    if isinstance(finding, MaliciousFinding):
        return VulnerabilityRating(severity=_severity(finding.severity))
    method = None
    vector = finding.vector
    if vector:
        method = VulnerabilityScoreSource.get_from_vector(vector)
        if method is VulnerabilityScoreSource.OTHER and vector.startswith("AV:"):
            method = VulnerabilityScoreSource.CVSS_V2
    score = Decimal(f"{finding.score:.1f}") if finding.score is not None else None
    return VulnerabilityRating(
        severity=_severity(finding.severity), score=score, method=method, vector=vector
    )


def _source_name(advisory_id: str) -> str:
    prefix = advisory_id.split("-", 1)[0].upper()
    return {
        "GHSA": "GitHub Advisory Database",
        "PYSEC": "PyPI Advisory Database",
        "CVE": "NVD",
        "MAL": "OpenSSF Malicious Packages",
        "OSV": "OSV",
    }.get(prefix, "OSV")


def _osv_url(advisory_id: str) -> str:
    from urllib.parse import quote

    return _OSV_BASE + quote(advisory_id, safe="-._~")


def _source(finding: VulnerabilityFinding | MaliciousFinding) -> tuple[str, str]:
    """(source name, advisory URL): the advisory's own link, else its OSV record."""
    if finding.url and finding.url.startswith(("https://", "http://")):
        return _source_name(finding.id), finding.url
    return "OSV", _osv_url(finding.id)


def _published(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _recommendation(findings: list[VulnerabilityFinding | MaliciousFinding]) -> str | None:
    from pipwarden.report.markdown import smallest_fix

    if all(isinstance(f, MaliciousFinding) for f in findings):
        return "Remove this package: it is known to be malicious."
    fixes: list[str] = []
    for finding in sorted(findings, key=lambda f: (f.package or "", f.version or "")):
        fix = smallest_fix([finding], finding.version)
        if fix and fix not in fixes:
            fixes.append(fix)
    if not fixes:
        return None
    return "Upgrade to >= " + " (or >= ".join(fixes) + ")" * (len(fixes) - 1)


def _vulnerabilities(report: Report, components: dict[tuple[str, str], Component]) -> list[Any]:
    from cyclonedx.model import Property, XsUri
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        Vulnerability,
        VulnerabilityAdvisory,
        VulnerabilityAnalysis,
        VulnerabilityReference,
        VulnerabilitySource,
    )

    grouped: dict[str, list[VulnerabilityFinding | MaliciousFinding]] = {}
    for finding in report.findings:
        if isinstance(finding, (VulnerabilityFinding, MaliciousFinding)) and finding.package:
            grouped.setdefault(finding.id, []).append(finding)

    out = []
    for advisory_id in sorted(grouped):
        items = sorted(grouped[advisory_id], key=lambda f: (f.package or "", f.version or ""))
        first = max(items, key=lambda f: f.severity.rank)
        source_name, url = _source(first)
        affects = []
        for finding in items:
            key = (_canonical(finding.package or ""), finding.version or "")
            component = components.get(key)
            if component is None:
                continue
            versions = (
                [
                    BomTargetVersionRange(
                        version=finding.version, status=ImpactAnalysisAffectedStatus.AFFECTED
                    )
                ]
                if finding.version
                else []
            )
            affects.append(BomTarget(ref=str(component.bom_ref.value), versions=versions))
        aliases = sorted({a for f in items for a in f.aliases if a != advisory_id})
        references = [
            VulnerabilityReference(
                id=alias,
                source=VulnerabilitySource(name=_source_name(alias), url=XsUri(_osv_url(alias))),
            )
            for alias in aliases
        ]
        analysis = None
        ignored = [f for f in items if f.ignored]
        if ignored and len(ignored) == len(items):
            reason = ignored[0].ignore_reason or "ignored by policy"
            analysis = VulnerabilityAnalysis(detail=f"ignored: {reason}")
        details = first.details if isinstance(first, VulnerabilityFinding) else ""
        properties = [Property(name="pipwarden:kind", value=first.kind)]
        if any(f.ignored for f in items):
            properties.append(Property(name="pipwarden:ignored", value="true"))
        out.append(
            Vulnerability(
                bom_ref=f"vulnerability:{advisory_id}",
                id=advisory_id,
                source=VulnerabilitySource(name=source_name, url=XsUri(url)),
                references=references,
                ratings=[_rating(first)],
                description=first.summary or None,
                detail=details or None,
                recommendation=_recommendation(items),
                advisories=[VulnerabilityAdvisory(url=XsUri(url), title=first.summary or None)],
                published=_published(
                    first.published if isinstance(first, VulnerabilityFinding) else None
                ),
                analysis=analysis,
                affects=affects,
                properties=properties,
            )
        )
    return out


def _finding_property(finding: AnyFinding) -> str:
    text = f"{finding.id} [{finding.severity.value}] {finding.summary}".strip()
    if isinstance(finding, TyposquatFinding) and finding.imitates:
        text += f" (imitates {finding.imitates})"
    elif isinstance(finding, ReputationFinding):
        text += f" ({finding.verdict}: {finding.signal})"
    elif isinstance(finding, IntegrityFinding):
        text += f" ({finding.check}{': ' + finding.file if finding.file else ''})"
    elif isinstance(finding, CodeFinding):
        text = f"{finding.file}:{finding.line}:{finding.column}: {text}"
    if finding.ignored:
        text += f" — ignored: {finding.ignore_reason or ''}".rstrip()
    return text


def build_bom(report: Report) -> Bom:
    from cyclonedx.model import Property
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    components = _components(report)
    # Non-advisory package findings become properties of their component.
    for finding in report.findings:
        if isinstance(finding, (VulnerabilityFinding, MaliciousFinding, CodeFinding)):
            continue
        if not finding.package:
            continue
        component = components.get((_canonical(finding.package), finding.version or ""))
        if component is not None:
            component.properties.add(
                Property(name=f"pipwarden:{finding.kind}", value=_finding_property(finding))
            )

    bom = Bom(components=list(components.values()))
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="pipwarden", version=__version__)
    )
    bom.metadata.properties.add(Property(name="pipwarden:command", value=report.command))
    if report.partial:
        bom.metadata.properties.add(Property(name="pipwarden:partial", value="true"))
    for item in report.unchecked:
        bom.metadata.properties.add(Property(name="pipwarden:not-checked", value=item))
    for skip in report.skipped:
        where = (
            f" ({skip.source}:{skip.line})"
            if skip.line
            else (f" ({skip.source})" if skip.source else "")
        )
        bom.metadata.properties.add(
            Property(name="pipwarden:skipped", value=f"{skip.name}: {skip.reason}{where}")
        )
    for finding in report.findings:
        if isinstance(finding, CodeFinding):
            bom.properties.add(Property(name="pipwarden:code", value=_finding_property(finding)))
    _graph(bom, report, components)
    for vulnerability in _vulnerabilities(report, components):
        bom.vulnerabilities.add(vulnerability)
    return bom


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    from cyclonedx.output.json import JsonV1Dot6

    text: str = JsonV1Dot6(build_bom(report)).output_as_string(indent=2)
    return text + "\n"
