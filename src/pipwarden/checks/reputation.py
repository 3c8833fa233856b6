"""Reputation signals from the package index's JSON API.

The index comes from the user's pip configuration (:func:`pipwarden.net.index_config`); the
project JSON (``<index>/pypi/<name>/json``) gives releases, files, people, URLs and licence,
and the simple API's JSON form (PEP 691) adds PEP 740 provenance and PEP 792 project status
where the index reports them. Responses are cached for a day (:mod:`pipwarden.cache`).

Parsing (:func:`parse_project`) and judging (:func:`signals`, :func:`verdict`) are pure;
only :func:`fetch_project` does I/O, always through :mod:`pipwarden.net`.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import json
import statistics
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from pipwarden import net
from pipwarden.cache import Cache, cached_get
from pipwarden.errors import NetworkError
from pipwarden.models import ReputationFinding, Severity

OK, REVIEW, BLOCK = "OK", "REVIEW", "BLOCK"
VERDICTS = (OK, REVIEW, BLOCK)
_LEVEL = {OK: 0, REVIEW: 1, BLOCK: 2}

YOUNG_PROJECT_DAYS = 30
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
_REPO_HOST_WORDS = ("github", "gitlab", "bitbucket", "codeberg", "sourcehut", "sr.ht", "gitea")


@dataclass(frozen=True)
class FileInfo:
    filename: str
    url: str  # absolute (relative URLs resolved against the JSON's own URL)
    packagetype: str  # bdist_wheel, sdist, ...
    uploaded: datetime.datetime | None
    yanked: bool = False
    yanked_reason: str | None = None
    provenance_url: str | None = None


@dataclass(frozen=True)
class ProjectInfo:
    """What the index says about one project (all optional beyond the name)."""

    name: str
    exists: bool = True
    latest: str | None = None
    releases: Mapping[str, tuple[FileInfo, ...]] = field(default_factory=dict)
    authors: tuple[str, ...] = ()
    project_urls: Mapping[str, str] = field(default_factory=dict)
    license: str | None = None
    status: str | None = None  # PEP 792: active, archived, deprecated, quarantined
    status_reason: str | None = None
    provenance_known: bool = False  # the index answered in a form that can carry provenance
    publisher: str | None = None  # "GitHub owner/repo" of the checked file's attestation
    json_url: str = ""


@dataclass(frozen=True)
class Signal:
    name: str  # age, releases, cooldown, yanked, maintainers, repository, license, wheels, ...
    level: str  # OK, REVIEW or BLOCK
    text: str


# --- parsing -------------------------------------------------------------------------------


def _time(value: object) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    text = value.replace("Z", "+00:00")
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip() and value.strip().upper() != "UNKNOWN":
        return value.strip()
    return None


def _file(raw: Mapping[str, Any], base_url: str) -> FileInfo | None:
    filename = raw.get("filename")
    url = raw.get("url")
    if not isinstance(filename, str) or not isinstance(url, str):
        return None
    yanked = raw.get("yanked", False)
    reason = raw.get("yanked_reason")
    provenance = raw.get("provenance")
    return FileInfo(
        filename=filename,
        url=urllib.parse.urljoin(base_url, url),
        packagetype=str(raw.get("packagetype") or _packagetype(filename)),
        uploaded=_time(raw.get("upload_time_iso_8601") or raw.get("upload_time")),
        yanked=bool(yanked),
        yanked_reason=reason if isinstance(reason, str) and reason else None,
        provenance_url=(
            urllib.parse.urljoin(base_url, provenance) if isinstance(provenance, str) else None
        ),
    )


def _packagetype(filename: str) -> str:
    return "bdist_wheel" if filename.endswith(".whl") else "sdist"


def parse_project(data: Mapping[str, Any], url: str) -> ProjectInfo:
    """A project JSON document (``<index>/pypi/<name>/json``) fetched from ``url``."""
    info = data.get("info")
    if not isinstance(info, Mapping):
        raise ValueError("no 'info' object")
    name = str(info.get("name") or "")
    releases: dict[str, tuple[FileInfo, ...]] = {}
    raw_releases = data.get("releases")
    if isinstance(raw_releases, Mapping):
        for version, files in raw_releases.items():
            if isinstance(files, list):
                parsed = (_file(f, url) for f in files if isinstance(f, Mapping))
                releases[str(version)] = tuple(f for f in parsed if f is not None)
    latest = _text(info.get("version"))
    urls = data.get("urls")
    if latest and isinstance(urls, list) and not releases.get(latest):
        parsed = (_file(f, url) for f in urls if isinstance(f, Mapping))
        releases[latest] = tuple(f for f in parsed if f is not None)
    people = []
    for key in ("author", "maintainer", "author_email", "maintainer_email"):
        value = _text(info.get(key))
        if value and value not in people:
            people.append(value)
    project_urls: dict[str, str] = {}
    raw_urls = info.get("project_urls")
    if isinstance(raw_urls, Mapping):
        project_urls = {str(k): str(v) for k, v in raw_urls.items() if isinstance(v, str) and v}
    home = _text(info.get("home_page"))
    if home and home not in project_urls.values():
        project_urls["Homepage"] = home
    licence = _text(info.get("license_expression")) or _text(info.get("license"))
    if not licence:
        classifiers = info.get("classifiers")
        if isinstance(classifiers, list):
            licence = next(
                (c.split("::")[-1].strip() for c in classifiers if str(c).startswith("License ::")),
                None,
            )
    status, reason = _status(data.get("project-status") or info.get("project_status"))
    return ProjectInfo(
        name=name,
        latest=latest,
        releases=releases,
        authors=tuple(people),
        project_urls=project_urls,
        license=licence if licence and len(licence) <= 200 else (licence and licence[:60] + "..."),
        status=status,
        status_reason=reason,
        json_url=url,
    )


def _status(raw: object) -> tuple[str | None, str | None]:
    if isinstance(raw, str):
        return raw.lower(), None
    if isinstance(raw, Mapping):
        status = raw.get("status")
        reason = raw.get("reason")
        return (
            status.lower() if isinstance(status, str) else None,
            reason if isinstance(reason, str) and reason else None,
        )
    return None, None


def merge_simple(info: ProjectInfo, data: Mapping[str, Any], url: str) -> ProjectInfo:
    """Add PEP 740 provenance URLs and PEP 792 status from a PEP 691 JSON project page."""
    by_name: dict[str, str | None] = {}
    known = False
    files = data.get("files")
    if isinstance(files, list):
        for raw in files:
            if not isinstance(raw, Mapping) or not isinstance(raw.get("filename"), str):
                continue
            if "provenance" in raw:
                known = True
                value = raw.get("provenance")
                by_name[raw["filename"]] = _join(url, value) if isinstance(value, str) else None
    releases = {
        version: tuple(
            f if f.provenance_url or f.filename not in by_name else _with_provenance(f, by_name)
            for f in files_
        )
        for version, files_ in info.releases.items()
    }
    status, reason = _status(data.get("project-status"))
    return dataclasses.replace(
        info,
        releases=releases,
        status=status or info.status,
        status_reason=reason or info.status_reason,
        provenance_known=known or info.provenance_known,
    )


def _join(base: str, url: str) -> str | None:
    """``url`` resolved against ``base``; None when it is malformed (urljoin raises
    ValueError, e.g. on an unbalanced ``[`` in the host)."""
    try:
        return urllib.parse.urljoin(base, url)
    except ValueError:
        return None


def _with_provenance(file: FileInfo, by_name: Mapping[str, str | None]) -> FileInfo:
    return dataclasses.replace(file, provenance_url=by_name.get(file.filename))


def publisher_of(provenance: Mapping[str, Any]) -> str | None:
    """``GitHub owner/repo`` (or the publisher kind) from a PEP 740 provenance object."""
    bundles = provenance.get("attestation_bundles")
    if not isinstance(bundles, list):
        return None
    for bundle in bundles:
        publisher = bundle.get("publisher") if isinstance(bundle, Mapping) else None
        if isinstance(publisher, Mapping):
            kind = str(publisher.get("kind") or "publisher")
            where = publisher.get("repository") or publisher.get("project") or ""
            return f"{kind} {where}".strip()
    return None


# --- judging -------------------------------------------------------------------------------


def _version_key(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def release_key(info: ProjectInfo, version: str) -> str:
    """The index's spelling of ``version`` (``6.0`` for ``6.0.0``: PEP 440 equality, as pip
    matches ``==``); ``version`` itself when no release matches."""
    if version in info.releases:
        return version
    wanted = _version_key(version)
    if wanted is None:
        return version
    return next((v for v in info.releases if _version_key(v) == wanted), version)


def release_times(info: ProjectInfo) -> dict[str, datetime.datetime]:
    """version -> first upload time, for versions that have files with a time."""
    out: dict[str, datetime.datetime] = {}
    for version, files in info.releases.items():
        times = [f.uploaded for f in files if f.uploaded is not None]
        if times:
            out[version] = min(times)
    return out


def _days(delta: datetime.timedelta) -> int:
    return max(round(delta.total_seconds() / 86400), 0)


def _ago(days: int) -> str:
    if days == 0:
        return "today"
    if days < 60:
        return f"{days} day{'s' if days != 1 else ''} ago"
    if days < 730:
        return f"{days // 30} months ago"
    return f"{days // 365} years ago"


def repositories(info: ProjectInfo) -> list[str]:
    """Project URLs that point at a source repository host."""
    found = []
    for url in info.project_urls.values():
        try:
            host = urllib.parse.urlsplit(url).netloc.lower()
        except ValueError:  # the author's metadata: a malformed URL is not a repository
            continue
        if url not in found and any(word in host for word in _REPO_HOST_WORDS):
            found.append(url)
    return found


def _repo_matches(project: str, url: str) -> bool:
    parts = [p for p in urllib.parse.urlsplit(url).path.split("/") if p]
    if len(parts) < 2:
        return False
    repo = str(canonicalize_name(parts[1].removesuffix(".git")))
    owner = str(canonicalize_name(parts[0]))
    name = str(canonicalize_name(project))
    flat = name.replace("-", "")
    for candidate in (repo, owner):
        cflat = candidate.replace("-", "")
        if cflat and (cflat in flat or flat in cflat):
            return True
        if set(candidate.split("-")) & {t for t in name.split("-") if len(t) >= 4}:
            return True
    return False


def signals(
    info: ProjectInfo,
    version: str | None,
    *,
    now: datetime.datetime,
    cooldown_days: int = 7,
) -> list[Signal]:
    """Every signal for ``version`` (default: the latest release) of the project."""
    out: list[Signal] = []
    if not info.exists:
        return [Signal("exists", BLOCK, "no such project on the index")]
    if info.status in ("quarantined",):
        reason = f": {info.status_reason}" if info.status_reason else ""
        out.append(Signal("status", BLOCK, f"quarantined by the index{reason}"))
    elif info.status in ("archived", "deprecated"):
        reason = f": {info.status_reason}" if info.status_reason else ""
        out.append(Signal("status", REVIEW, f"project is {info.status}{reason}"))
    times = release_times(info)
    if version is not None:
        version = release_key(info, version)
    chosen = version or info.latest
    if chosen is None and times:
        chosen = max(times, key=lambda v: times[v])
    if version is not None and version not in info.releases:
        out.append(Signal("version", BLOCK, f"no release {version} on the index"))
    # age and cadence
    if times:
        first = min(times.values())
        age = _days(now - first)
        level = REVIEW if age < YOUNG_PROJECT_DAYS else OK
        out.append(Signal("age", level, f"first release {_ago(age)} ({first.date()})"))
        ordered = sorted(times.values())
        if len(ordered) == 1:
            out.append(Signal("releases", OK, "1 release"))
        else:
            gaps = [(b - a).total_seconds() / 86400 for a, b in itertools.pairwise(ordered)]
            median = statistics.median(gaps)
            burst = sum(1 for t in ordered if now - t < datetime.timedelta(days=1))
            text = f"{len(ordered)} releases, one every {median:.0f} days (median)"
            if burst >= 5:
                out.append(Signal("releases", REVIEW, f"{burst} releases in the last day"))
            out.append(Signal("releases", OK, text))
    elif not info.releases:
        out.append(Signal("releases", BLOCK, "no releases with files"))
    # cool-down for the chosen version
    if chosen and chosen in times:
        days = _days(now - times[chosen])
        if now - times[chosen] < datetime.timedelta(days=cooldown_days):
            out.append(
                Signal(
                    "cooldown",
                    REVIEW,
                    f"{chosen} released {_ago(days)} (cool-down {cooldown_days} days)",
                )
            )
        else:
            out.append(Signal("cooldown", OK, f"{chosen} released {_ago(days)}"))
    # yanked
    files = info.releases.get(chosen or "", ())
    if files and all(f.yanked for f in files):
        why = next((f.yanked_reason for f in files if f.yanked_reason), None)
        out.append(Signal("yanked", REVIEW, f"{chosen} is yanked" + (f": {why}" if why else "")))
    yanked_versions = [v for v, fs in info.releases.items() if fs and all(f.yanked for f in fs)]
    if yanked_versions and chosen not in yanked_versions:
        out.append(Signal("yanked", OK, f"{len(yanked_versions)} yanked release(s)"))
    # people
    if info.authors:
        out.append(Signal("maintainers", OK, "by " + ", ".join(info.authors[:3])))
    else:
        out.append(Signal("maintainers", REVIEW, "no author or maintainer listed"))
    # source repository
    repos = repositories(info)
    if not repos:
        out.append(Signal("repository", REVIEW, "no source repository"))
    elif not any(_repo_matches(info.name, r) for r in repos):
        out.append(Signal("repository", REVIEW, f"source repository {repos[0]} has another name"))
    else:
        out.append(Signal("repository", OK, f"source {repos[0]}"))
    # licence
    if info.license:
        out.append(Signal("license", OK, f"licence {info.license}"))
    else:
        out.append(Signal("license", OK, "no licence declared"))
    # wheels
    if files:
        wheels = [f for f in files if f.packagetype == "bdist_wheel"]
        if not wheels:
            out.append(
                Signal("wheels", REVIEW, "only an sdist (installing it runs its build code)")
            )
        else:
            out.append(Signal("wheels", OK, f"{len(wheels)} wheel(s)"))
    elif chosen and chosen in info.releases:
        out.append(Signal("wheels", BLOCK, f"{chosen} has no files"))
    # provenance (PEP 740)
    attested = [f for f in files if f.provenance_url]
    if attested:
        who = f" by {info.publisher}" if info.publisher else ""
        out.append(Signal("provenance", OK, f"{len(attested)}/{len(files)} file(s) attested{who}"))
    elif info.provenance_known:
        out.append(Signal("provenance", OK, "no PEP 740 provenance"))
    else:
        out.append(Signal("provenance", OK, "provenance not reported by the index"))
    return out


def verdict(items: Iterable[Signal]) -> str:
    return max((s.level for s in items), key=lambda lvl: _LEVEL[lvl], default=OK)


def findings(name: str, version: str | None, items: Iterable[Signal]) -> list[ReputationFinding]:
    """One finding per REVIEW (low) or BLOCK (high) signal."""
    out = []
    for sig in items:
        if sig.level == OK:
            continue
        out.append(
            ReputationFinding(
                id=f"REPUTATION-{sig.name.upper()}",
                severity=Severity.HIGH if sig.level == BLOCK else Severity.LOW,
                summary=f"{name}: {sig.text}",
                package=name,
                version=version,
                signal=sig.name,
                verdict=sig.level,
            )
        )
    return out


# --- fetching ------------------------------------------------------------------------------


def _json(response: net.Response) -> Any:
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


def fetch_project(
    name: str,
    *,
    index: net.IndexConfig,
    cache: Cache | None = None,
    offline: bool = False,
    version: str | None = None,
) -> ProjectInfo:
    """Fetch and parse what the indexes say about ``name`` (canonical): the first index that
    has the project answers (pip looks at every configured index, so a private project on
    an ``--extra-index-url`` exists). An index that fails only matters if none has it."""
    first: ProjectInfo | None = None
    error: NetworkError | None = None
    for url in index.all:
        if not url.startswith(("http://", "https://")):
            continue  # a local (file://) index has no JSON API: it can say nothing here
        try:
            info = _fetch_one(name, net.IndexConfig(url), cache, offline, version)
        except NetworkError as exc:
            error = error or exc
            continue
        if info.exists:
            return info
        first = first or info
    if error is not None:
        raise error
    if first is None:
        raise NetworkError(
            "no configured index is reachable over HTTP(S): reputation not checked",
            location=index.index_url,
        )
    return first


def _fetch_one(
    name: str,
    index: net.IndexConfig,
    cache: Cache | None,
    offline: bool,
    version: str | None,
) -> ProjectInfo:
    url = f"{net.json_api_base(index.index_url)}{urllib.parse.quote(name)}/json"
    response = cached_get(url, cache, offline=offline, accept="application/json")
    if response.status == 404:
        if _on_simple_index(name, index, cache, offline):  # a mirror without the JSON API
            raise NetworkError(
                "the index lists this project but has no JSON API for it: reputation not "
                "checked", location=url)
        return ProjectInfo(name=name, exists=False, json_url=url)
    if not 200 <= response.status < 300:
        raise NetworkError(f"HTTP {response.status}", location=url)
    data = _json(response)
    if not isinstance(data, Mapping):
        raise NetworkError("the index's project JSON is not valid JSON", location=url)
    try:
        info = parse_project(data, response.url or url)
    except ValueError as exc:
        raise NetworkError(f"unexpected project JSON: {exc}", location=url) from None
    info = _add_simple(info, name, index, cache, offline)
    return _add_publisher(info, version or info.latest, cache, offline)


def _on_simple_index(
    name: str, index: net.IndexConfig, cache: Cache | None, offline: bool
) -> bool:
    """Does the simple API list ``name`` (same request and cache entry as _add_simple)?"""
    url = index.index_url.rstrip("/") + f"/{urllib.parse.quote(name)}/"
    try:
        return 200 <= cached_get(url, cache, offline=offline, accept=SIMPLE_JSON).status < 300
    except NetworkError:
        return False


def _add_simple(
    info: ProjectInfo, name: str, index: net.IndexConfig, cache: Cache | None, offline: bool
) -> ProjectInfo:
    """PEP 691 JSON page: provenance URLs and project status. Optional: failures are ignored."""
    url = index.index_url.rstrip("/") + f"/{urllib.parse.quote(name)}/"
    try:
        response = cached_get(url, cache, offline=offline, accept=SIMPLE_JSON)
    except NetworkError:
        return info
    if response.status != 200 or "json" not in response.headers.get("Content-Type", "json"):
        return info
    data = _json(response)
    if not isinstance(data, Mapping):
        return info
    return merge_simple(info, data, response.url or url)


def _add_publisher(
    info: ProjectInfo, version: str | None, cache: Cache | None, offline: bool
) -> ProjectInfo:
    files = info.releases.get(release_key(info, version) if version else "", ())
    target = next((f for f in files if f.provenance_url), None)
    if target is None or target.provenance_url is None:
        return info
    try:
        response = cached_get(target.provenance_url, cache, offline=offline)
    except NetworkError:
        return info
    data = _json(response) if response.status == 200 else None
    publisher = publisher_of(data) if isinstance(data, Mapping) else None
    if publisher is None:
        return info
    return dataclasses.replace(info, publisher=publisher)


def latest_version(info: ProjectInfo) -> str | None:
    """The index's latest version, else the highest version with files."""
    if info.latest:
        return info.latest
    versions = [v for v in info.releases if info.releases[v] and _version_key(v) is not None]
    return max(versions, key=lambda v: _version_key(v) or Version("0"), default=None)
