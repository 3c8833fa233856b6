"""OSV matching rules for PyPI: ranges, versions lists, withdrawn, aliases, fixes."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.version import Version

from conftest import data_file
from pipwarden.advisories.importer import update
from pipwarden.advisories.osv import Affected, Range, parse_record, parse_version
from pipwarden.advisories.store import Store
from pipwarden.checks.matching import display_id, in_range, is_affected, match, smallest_fix
from pipwarden.models import Dependency, PackageName, Severity


def aff(events: list[tuple[str, str]], versions: tuple[str, ...] = ()) -> Affected:
    return Affected(PackageName("pkg"), (Range("ECOSYSTEM", tuple(events)),), versions)


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.9", False),
        ("1.0", True),
        ("1.0.0", True),  # PEP 440: 1.0 == 1.0.0
        ("1.5.post1", True),
        ("2.0rc1", True),  # a pre-release of the fixed version is still affected
        ("2.0", False),
        ("2.0.1", False),
        ("1!0.5", False),  # epoch 1 sorts above everything without an epoch
        ("1.2+local", True),
    ],
)
def test_introduced_fixed(version: str, expected: bool) -> None:
    assert is_affected(version, aff([("introduced", "1.0"), ("fixed", "2.0")])) is expected


def test_introduced_zero_covers_prereleases_of_zero() -> None:
    entry = aff([("introduced", "0"), ("fixed", "4.0")])
    assert is_affected("0.0.0b0", entry)
    assert is_affected("0.dev1", entry)
    assert not is_affected("4.0", entry)


def test_last_affected_and_limit() -> None:
    entry = aff([("introduced", "1.0"), ("last_affected", "1.4")])
    assert is_affected("1.4", entry)
    assert not is_affected("1.4.1", entry)
    limited = aff([("introduced", "0"), ("limit", "3.0")])
    assert is_affected("2.9", limited)
    assert not is_affected("3.0", limited)


def test_several_ranges_and_reintroduction() -> None:
    entry = aff([("introduced", "1.0"), ("fixed", "1.2"), ("introduced", "2.0"), ("fixed", "2.3")])
    assert [is_affected(v, entry) for v in ("1.1", "1.5", "2.2", "2.3")] == [True, False, True, False]


def test_versions_list_and_git_ranges() -> None:
    git_only = Affected(
        PackageName("pkg"),
        (Range("GIT", (("introduced", "0"), ("fixed", "abc123"))),),
        ("1.0", "1.1"),
    )
    assert is_affected("1.1", git_only)
    assert is_affected("1.1.0", git_only)  # equal under PEP 440
    assert not is_affected("1.2", git_only)  # GIT ranges do not match versions


def test_non_pep440_version_only_matches_literal_entries() -> None:
    entry = aff([("introduced", "0"), ("fixed", "2.0")], versions=("0.9-eevee",))
    assert is_affected("0.9-eevee", entry)
    assert not is_affected("not-a-version", entry)


def _brute(version: Version, events: list[tuple[str, Version]], limits: list[Version]) -> bool:
    """Interval reading of the OSV spec: each introduced opens an interval that the next
    fixed (exclusive) or last_affected (inclusive) event after it closes."""
    if limits and not any(version < lim for lim in limits):
        return False
    ordered = sorted(events, key=lambda e: e[1])
    for index, (kind, start) in enumerate(ordered):
        if kind != "introduced" or version < start:
            continue
        closed = False
        for later_kind, bound in ordered[index + 1 :]:
            if later_kind == "fixed":
                closed = version >= bound
                break
            if later_kind == "last_affected":
                closed = version > bound
                break
        if not closed:
            return True
    return False


POOL = ["0.1", "0.9", "1.0a1", "1.0", "1.0.post1", "1.1", "1.2.dev3", "1.2", "2.0rc1", "2.0", "2.1", "3.0", "1!0.1"]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["introduced", "fixed", "last_affected"]), st.sampled_from(POOL)),
        min_size=1,
        max_size=6,
        unique_by=lambda e: Version(e[1]),
    ),
    st.lists(st.sampled_from(POOL), max_size=2),
    st.sampled_from(POOL),
)
def test_is_affected_matches_brute_force(
    events: list[tuple[str, str]], limits: list[str], version: str
) -> None:
    entry = aff(events + [("limit", v) for v in limits])
    expected = _brute(Version(version), [(k, Version(v)) for k, v in events], [Version(v) for v in limits])
    assert is_affected(version, entry) is expected
    assert in_range(Version(version), entry.ecosystem_ranges[0]) is expected


def test_display_id_is_deterministic() -> None:
    assert display_id(["CVE-2020-1", "GHSA-aaaa", "PYSEC-2020-9"]) == "PYSEC-2020-9"
    assert display_id(["CVE-2020-1", "GHSA-bbbb", "GHSA-aaaa"]) == "GHSA-aaaa"
    assert display_id(["OTHER-1", "CVE-2020-1"]) == "CVE-2020-1"


def test_smallest_fix_prefers_a_version_no_advisory_affects() -> None:
    a = aff([("introduced", "0"), ("fixed", "1.2")])
    b = aff([("introduced", "1.2"), ("fixed", "1.3")])
    assert smallest_fix("1.0", [a]) == "1.2"
    assert smallest_fix("1.0", [a], [a, b]) == "1.3"
    assert smallest_fix("1.0", [aff([("introduced", "0")])]) is None
    assert smallest_fix("1.0", [aff([("introduced", "0"), ("fixed", "2.0a1"), ("fixed", "2.0")])]) == "2.0"


def _record(ident: str, name: str, events: list[dict[str, str]], **extra: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "id": ident,
        "modified": "2024-01-01T00:00:00Z",
        "affected": [{"package": {"name": name, "ecosystem": "PyPI"}, "ranges": [{"type": "ECOSYSTEM", "events": events}]}],
    }
    doc.update(extra)
    return doc


@pytest.fixture
def small_store(tmp_path: Path) -> Store:
    records = [
        _record("PYSEC-1", "Demo_Pkg", [{"introduced": "0"}, {"fixed": "1.5"}], aliases=["CVE-1", "GHSA-x"],
                details="Demo is a library. A crafted header crashes the parser and leaks memory badly."),
        _record("GHSA-x", "demo-pkg", [{"introduced": "0"}, {"fixed": "1.5"}], aliases=["CVE-1", "PYSEC-1"],
                severity=[{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
                summary="Header parsing crash"),
        _record("PYSEC-2", "demo-pkg", [{"introduced": "1.0"}, {"fixed": "1.6"}], withdrawn="2024-02-01T00:00:00Z"),
        _record("MAL-2024-1", "evil", [{"introduced": "0"}], summary="Malicious code in evil (PyPI)"),
        {
            "id": "MAL-2024-2", "modified": "2024-01-01T00:00:00Z", "summary": "Malicious release",
            "affected": [{"package": {"name": "goodlib", "ecosystem": "PyPI"}, "versions": ["2.0.1"]}],
        },
    ]
    directory = tmp_path / "osv"
    directory.mkdir()
    for doc in records:
        (directory / f"{doc['id']}.json").write_text(json.dumps(doc))
    update(tmp_path / "store.sqlite", osv=str(directory))
    return Store.open(tmp_path / "store.sqlite")


def dep(name: str, version: str) -> Dependency:
    return Dependency(PackageName(name), version, "requirements.txt", line=3)


def test_match_merges_aliases_and_skips_withdrawn(small_store: Store) -> None:
    result = match([dep("demo-pkg", "1.2")], small_store)
    assert len(result.findings) == 1
    finding = result.findings[0]
    assert finding.id == "PYSEC-1"
    assert set(finding.aliases) == {"CVE-1", "GHSA-x"}
    assert finding.severity is Severity.CRITICAL  # from the GHSA record's CVSS vector (9.8)
    assert finding.fixed_in == ("1.5",)
    assert finding.summary == "Header parsing crash"
    assert (finding.source, finding.line) == ("requirements.txt", 3)
    assert result.fixes == {"demo-pkg": "1.5"}
    assert match([dep("demo-pkg", "1.5")], small_store).findings == ()


def test_malicious_records_match_only_listed_versions(small_store: Store) -> None:
    found = match([dep("evil", "0.0.1"), dep("goodlib", "2.0.1"), dep("goodlib", "2.0.2")], small_store)
    kinds = sorted((f.kind, f.package, f.version) for f in found.findings)
    assert kinds == [("malicious", "evil", "0.0.1"), ("malicious", "goodlib", "2.0.1")]
    assert all(f.severity is Severity.CRITICAL for f in found.findings)


def test_bad_version_is_reported_not_fatal(small_store: Store) -> None:
    result = match([dep("demo-pkg", "not a version")], small_store)
    assert result.findings == ()
    assert "not a PEP 440 version" in result.warnings[0]


def test_shared_data_versions_lists_agree_with_ranges() -> None:
    """Every listed version should fall inside the record's ECOSYSTEM ranges.

    The PyPA data has a few known disagreements (pre-releases listed below an ``introduced``
    release, a listed version equal to a ``fixed`` event, overlapping ranges in one event list).
    pipwarden matches the union of both, so a listed version is always reported.
    """
    with zipfile.ZipFile(data_file("osv-pypi/all.zip")) as archive:
        documents = [json.loads(archive.read(name)) for name in archive.namelist()]
    checked = 0
    disagreements: list[tuple[str, str]] = []
    for document in documents:
        _advisory, entries = parse_record(document)
        for entry in entries:
            if not entry.versions or not entry.ecosystem_ranges:
                continue
            for text in entry.versions:
                version = parse_version(text)
                if version is None:
                    continue
                checked += 1
                if not any(in_range(version, r) for r in entry.ecosystem_ranges):
                    disagreements.append((_advisory.id, text))
                assert is_affected(text, entry)  # the union always reports listed versions
    assert checked > 20000
    assert sorted({ident for ident, _ in disagreements}) == ["PYSEC-2021-114", "PYSEC-2023-177", "PYSEC-2023-61"]
    assert len(disagreements) == 9
