"""Typosquat detection: is this name a look-alike of a popular project?

A candidate is compared with the popular list (name -> monthly downloads) through the key
neighbourhoods of :mod:`pipwarden.advisories.neighbours` (a handful of dictionary or SQLite
look-ups per name, never a loop over the whole list). Each relation found is a *rule*:

- strong (high confidence): adjacent letters swapped, a doubled or dropped double letter,
  look-alike letters (``rn``/``m``, ``vv``/``w``, ``1``/``l``/``I``, ``0``/``o``), non-ASCII
  letters (suspicious on their own), separators changed, tokens reordered;
- edits (high confidence for well-known targets, else low): one letter added, missing or
  changed (a neighbouring key counts as stronger than any other letter);
- affixes (``python-``, ``py``, ``-py``, ``3``, ``2``, ``lib``, ``-dev``, ``-sdk``) added,
  removed or swapped;
- combosquats (low confidence): a widely used name plus other words, e.g. ``requests-pro``.

The popularity gate: a relation is reported only when the imitated project is popular enough
for that rule (weaker rules need a more popular target, short names need more evidence, long
names less: one or two slips in a 10-letter name rarely happen by chance, unless they only
change one short word of a multi-word name, ``django-soil``/``django-silk``) and
the candidate is not popular itself, or is at least :attr:`Thresholds.ratio` times less
downloaded than its target (``requests-toolbelt`` is real and popular, so it is not a squat of
``requests``). The thresholds were chosen by measurement (``benchmarks/bench_typosquat.py``).

Targets under attack: ``db update`` matches the names of the store's malicious records to the
popular names they imitate (any rule, no popularity floor; :func:`attack_counts`). A popular
name imitated at least :attr:`Thresholds.attacked_min` times keeps being attacked (requests,
colorama, selenium...), so a look-alike of it is reported without the popularity floors (combos
still need lure words; low confidence). Learned from one half of the shared malicious names and
measured on the other, this adds about 3 points of recall and no false positive.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from pipwarden.advisories import neighbours as nb
from pipwarden.advisories.store import Store
from pipwarden.models import Severity, TyposquatFinding
from pipwarden.names import canonicalize_name

Hits = Mapping[str, Sequence[tuple[str, int]]]


class NeighbourLookup(Protocol):
    """key -> [(popular name, downloads)] for the keys that exist."""

    def __call__(self, keys: Collection[str]) -> Hits: ...


# --- rules -----------------------------------------------------------------------------------

SWAP = "letters swapped"
DOUBLED = "letter doubled"
UNDOUBLED = "doubled letter dropped"
CONFUSABLE = "look-alike letters"
NON_ASCII = "non-ASCII letters"
SEPARATORS = "separators changed"
REORDERED = "words reordered"
KEYBOARD = "neighbouring key or a digit typed"
INSERTED = "one letter added"
DELETED = "one letter missing"
SUBSTITUTED = "one letter changed"
AFFIX_ADDED = "affix added"
AFFIX_REMOVED = "affix removed"
AFFIX_SWAPPED = "affix changed"
COMBO = "popular name plus other words"
DISTANCE2 = "two letters changed"
DOUBLED_PLUS = "doubled letters and one more slip"

STRONG = frozenset({SWAP, DOUBLED, UNDOUBLED, CONFUSABLE, NON_ASCII, SEPARATORS, REORDERED})
EDITS = frozenset({KEYBOARD, INSERTED, DELETED, SUBSTITUTED, DOUBLED_PLUS})
AFFIXES = frozenset({AFFIX_ADDED, AFFIX_REMOVED, AFFIX_SWAPPED})

# Preference when several rules fire (lower first), then the most downloaded target.
_TIER = {
    NON_ASCII: 0,
    CONFUSABLE: 0,
    SEPARATORS: 0,
    SWAP: 1,
    DOUBLED: 1,
    UNDOUBLED: 1,
    REORDERED: 1,
    KEYBOARD: 2,
    INSERTED: 2,
    DELETED: 2,
    SUBSTITUTED: 2,
    AFFIX_ADDED: 3,
    AFFIX_REMOVED: 3,
    AFFIX_SWAPPED: 3,
    COMBO: 4,
    DOUBLED_PLUS: 2,
    DISTANCE2: 5,
}

MAX_GLUED_REST = 6  # letters glued to a popular name that still count as a combosquat
LONG_NAME = 10  # letters; a stray first letter on a name this long is a slip, not a prefix
MAX_RUN_TOKENS = 4  # popular names of more words are not looked for inside other names
GLUED_MIN_LEN = 8  # below this, a glued name needs a lure word (``requestspro``)
# deletion variants cost len**2 letters; a name longer than this (no project on the popular
# list is half as long) cannot be one edit from a popular name anyway
MAX_DELETE_NAME_LEN = 128
_VERSIONISH = re.compile(r"v?\d+[a-z]?")
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard() -> dict[str, frozenset[str]]:
    """QWERTY neighbours; each row is shifted half a key right of the one above it."""
    where = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    near: dict[str, set[str]] = {ch: set() for ch in where}
    for ch, (r, c) in where.items():
        for dr, dc in ((0, -1), (0, 1), (-1, 0), (-1, 1), (1, -1), (1, 0)):
            row = r + dr
            if 0 <= row < len(_KEYBOARD_ROWS) and 0 <= c + dc < len(_KEYBOARD_ROWS[row]):
                near[ch].add(_KEYBOARD_ROWS[row][c + dc])
    return {ch: frozenset(v) for ch, v in near.items()}


KEYBOARD_NEIGHBOURS = _keyboard()

def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say nothing about a project: a popular name plus only these is a combosquat
# pattern; a popular name that *is* one of these is never a combosquat target.
GENERIC_WORDS = _words(
    """installer install build coverage datasets regex docker make args panda crypto
    transaction logger tools tool utils util core setup config common base test tests client
    server plugin plugins helper helpers python lib api sdk http json text data time path files
    file cli app web auth async cache color colors log logging types typing attrs six mock toml
    package packages update updater loader system network proxy session sessions request shell
    print random model models string strings numbers image images video audio"""
)

# Words a combosquat adds to a popular name to look official, newer or better (in addition to
# the generic words above). A popular name plus only such words (or digits) is suspicious; a
# popular name plus a word of its own (``django-soil``) is a normal project.
LURE_WORDS = _words(
    """pro plus new newer newest latest free fix fixed fixes upgrade upgraded upgrades updated
    fast faster easy rapid rapidly quick secure security safe official lite light mod module
    modules pkg pkgs full dev devel beta alpha stable release v1 v2 v3 v4 https proxies socks
    utf8 toolkit toolbelt kit kits enhancer enhanced extended ext extra extras patch patched
    fork forked mirror installer download downloader binary bin win windows linux mac macos
    local async aio helper helpers addon addons support wrapper wrappers master main lib3
    original real true super ultra better best simple simplified module2 connector handler"""
) | GENERIC_WORDS

# Cyrillic and Greek letters that render like Latin ones (lower case).
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ј": "j",
        "ԁ": "d", "ɡ": "g", "ӏ": "l", "α": "a", "ο": "o", "ρ": "p", "ν": "v", "κ": "k",
        "τ": "t", "ι": "i", "υ": "u",
    }
)


_M = 1_000_000


# Length buckets of the popularity floors (separator-free letters of the candidate).
LENGTH_BUCKETS = (5, 6, 7, 9, 11)  # up to 5, 6, 7, 8-9, 10-11, 12 or more


def length_bucket(length: int) -> int:
    return next((i for i, top in enumerate(LENGTH_BUCKETS) if length <= top), len(LENGTH_BUCKETS))


@dataclass(frozen=True)
class Thresholds:
    """Popularity gates: the monthly downloads the imitated project needs, per kind of rule
    and per length of the candidate (separator-free letters: up to 5, 6, 7, 8-9, 10-11, 12 or
    more; see :data:`LENGTH_BUCKETS`).

    Short names need a more popular target (a 5-letter name has many real neighbours); long
    names are rarely one or two slips away from a real project by chance, so they need less;
    strong rules (swaps, doubles, look-alikes) need little. ``None`` means never.
    """

    ratio: float = 1000.0  # a popular candidate must be this many times less downloaded
    strong: tuple[int | None, ...] = (2 * _M, 0, 0, 0, 0, 0)
    deleted: tuple[int | None, ...] = (100 * _M, _M // 2, _M // 2, 0, 0, 0)
    inserted: tuple[int | None, ...] = (100 * _M, 10 * _M, 0, 0, 0, 0)
    keyboard: tuple[int | None, ...] = (100 * _M, _M * 3 // 10, 0, 0, 0, 0)
    substituted: tuple[int | None, ...] = (None, 100 * _M, 100 * _M, 100 * _M, _M * 3 // 10, _M * 3 // 10)
    high_confidence_downloads: int = 10 * _M
    affix_min_downloads: int = 5 * _M
    combo_min_downloads: int = 100 * _M
    combo_min_len: int = 5
    glued_min_len: int = GLUED_MIN_LEN  # a name this long glued to other letters: combosquat
    distance2: tuple[int | None, ...] = (None, None, 100 * _M, 5 * _M, _M * 3 // 10, _M * 3 // 10)
    # A popular name that this many known malicious packages already imitate (the store's
    # malicious records, see :func:`attack_counts`) is a target under attack: a look-alike of
    # it passes without the popularity floors and short-word exceptions above.
    attacked_min: int = 4

    def floor(self, rule: str, length: int) -> int | None:
        table = {
            DELETED: self.deleted,
            INSERTED: self.inserted,
            DOUBLED_PLUS: self.inserted,
            KEYBOARD: self.keyboard,
            SUBSTITUTED: self.substituted,
            DISTANCE2: self.distance2,
        }.get(rule, self.strong)
        return table[min(length_bucket(length), len(table) - 1)]


DEFAULT_THRESHOLDS = Thresholds()

# Every relation, without popularity floors: what counts as "imitates" when the store's known
# malicious names are matched to their targets, and the gate for targets under attack.
_ZERO = (0, 0, 0, 0, 0, 0)
LOOSE_THRESHOLDS = Thresholds(
    strong=_ZERO,
    deleted=_ZERO,
    inserted=_ZERO,
    keyboard=_ZERO,
    substituted=_ZERO,
    distance2=(None, 0, 0, 0, 0, 0),  # two slips in five letters make too many real words
    high_confidence_downloads=0,
    affix_min_downloads=0,
    combo_min_downloads=0,
    combo_min_len=4,
)


@dataclass(frozen=True)
class Match:
    candidate: str
    imitates: str
    rule: str
    imitates_downloads: int
    downloads: int | None
    detail: str = ""
    attacked: int = 0  # known malicious look-alikes of the target, when that decided it

    @property
    def rule_text(self) -> str:
        return f"{self.rule} ({self.detail})" if self.detail else self.rule


# --- classification --------------------------------------------------------------------------


def _is_double(text: str, i: int) -> bool:
    ch = text[i]
    return (i > 0 and text[i - 1] == ch) or (i + 1 < len(text) and text[i + 1] == ch)


def classify_edit(cand: str, target: str) -> str | None:
    """The single-edit relation between two separator-free names, or None."""
    lc, lt = len(cand), len(target)
    if lc == lt + 1:
        for i in range(lc):
            if cand[:i] + cand[i + 1 :] == target:
                if _is_double(cand, i):
                    return DOUBLED
                # a letter put in front of a short name is a prefix, a digit is a version
                if (i == 0 and lc < LONG_NAME) or cand[i].isdigit():
                    return None
                return INSERTED
        return None
    if lt == lc + 1:
        for i in range(lt):
            if target[:i] + target[i + 1 :] == cand:
                return UNDOUBLED if _is_double(target, i) else DELETED
        return None
    if lc != lt:
        return None
    diff = [i for i in range(lc) if cand[i] != target[i]]
    if len(diff) == 1:
        a, b = cand[diff[0]], target[diff[0]]
        if nb.skeleton(a) == nb.skeleton(b):
            return CONFUSABLE
        if a in KEYBOARD_NEIGHBOURS.get(b, frozenset()) or (a.isdigit() and b.isalpha()):
            return KEYBOARD
        return SUBSTITUTED
    if (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and cand[diff[0]] == target[diff[1]]
        and cand[diff[1]] == target[diff[0]]
    ):
        return SWAP
    return None


# --- the index ---------------------------------------------------------------------------------


def memory_lookup(popular: Mapping[str, int]) -> NeighbourLookup:
    """A look-up over an in-memory index built from ``popular`` (canonical name -> downloads)."""
    ranked = sorted(
        ((str(canonicalize_name(n)), int(d)) for n, d in popular.items()), key=lambda i: -i[1]
    )
    index = nb.build(ranked)

    def lookup(keys: Collection[str]) -> Hits:
        return {key: found for key in keys if (found := index.get(key))}

    return lookup


@dataclass(frozen=True)
class _Probe:
    """The keys one candidate asks for, and what a hit on each would mean."""

    raw: str
    canonical: str
    flat: str
    keys: tuple[tuple[str, str, str], ...]  # (key, purpose, detail)
    non_ascii: bool


def _ascii_fold(raw: str) -> str:
    """Homoglyphs to the Latin letters they imitate, accents dropped."""
    text = unicodedata.normalize("NFKD", raw.lower().translate(_HOMOGLYPHS))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _canonical(raw: str) -> str:
    return str(canonicalize_name(_ascii_fold(raw) if not raw.isascii() else raw))


def _popular_probe(raw: str, canonical: str, top: bool) -> _Probe:
    """A popular candidate can only imitate a far more popular name, and only by looking like
    it (combinations and affixes of a popular name are real projects): with ``top``, one
    precomputed key answers; otherwise the look-alike keys over the whole list."""
    flat = nb.flat(canonical)
    if top:
        keys = [("n" + canonical, "self", ""), ("x" + canonical, "lookalike", "")]
    else:
        keys = [("n" + canonical, "self", "")] + [
            (key.replace("D", "d", 1) if key.startswith("D") else key, purpose, "")
            for key, purpose in nb.lookalike_keys(canonical)
        ]
    return _Probe(raw, canonical, flat, tuple(keys), False)


def _probe(raw: str) -> _Probe:
    """Every key a name that is not popular asks for."""
    non_ascii = not raw.isascii()
    text = _ascii_fold(raw) if non_ascii else raw
    canonical = str(canonicalize_name(text))
    flat = nb.flat(canonical)
    keys: list[tuple[str, str, str]] = [("n" + canonical, "self", "")]
    keys.append(("f" + flat, "flat", ""))
    if nb.MIN_DELETE_LEN - 1 <= len(flat) <= MAX_DELETE_NAME_LEN:
        keys.append(("d" + flat, "edit", ""))
        for variant in nb.deletions(flat):
            keys.append(("d" + variant, "edit", ""))
    keys.append(("s" + nb.skeleton(nb.visual_flat(text)), "skeleton", ""))
    parts = nb.tokens(canonical)
    if len(parts) >= 2:
        keys.append(("t" + "-".join(sorted(parts)), "tokens", ""))
    keys.append(("c" + flat, "affix-removed", ""))
    for core in nb.cores(flat):
        keys.append(("f" + core, "affix-added", ""))
        keys.append(("c" + core, "affix-swapped", ""))
    # combosquats: a proper run of tokens, or a long prefix/suffix of the flat form
    for part in parts:
        keys.append(("n" + part, "word", ""))
    for i in range(len(parts)):
        for j in range(i + 1, min(len(parts), i + MAX_RUN_TOKENS) + 1):
            run = "-".join(parts[i:j])
            if j - i < len(parts) and len(run) >= 4:
                keys.append(("n" + run, "combo", ""))
    # a popular name glued to a few more letters (``requestspro``, ``easyrequests``): a long
    # name with anything, a shorter one only with a lure word or a number
    for k in range(max(5, len(flat) - MAX_GLUED_REST), len(flat)):
        head, tail = flat[:k], flat[k:]
        if k >= GLUED_MIN_LEN or _lure_word(tail):
            keys.append(("f" + head, "combo", ""))
        head, tail = flat[: len(flat) - k], flat[len(flat) - k :]
        if k >= GLUED_MIN_LEN or _lure_word(head):
            keys.append(("f" + tail, "combo", ""))
    if len(flat) >= 3:
        for size in range(len(flat) - 2, len(flat) + 3):
            keys.append((nb.pool_key(flat[0], size), "far", ""))
            if len(flat) >= nb.POOL_LONG_QUERY_LEN:
                keys.append((nb.pool_key(flat[0], size, long=True), "far", ""))
    return _Probe(raw, canonical, flat, tuple(keys), non_ascii)


class TyposquatIndex:
    """Judge candidate names against the popular projects behind ``lookup``."""

    def __init__(
        self,
        lookup: NeighbourLookup,
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        attacked: Mapping[str, int] | None = None,
    ):
        """``attacked``: popular name -> how many known malicious names imitate it."""
        self._lookup = lookup
        self.thresholds = thresholds
        self.attacked = {
            name: count
            for name, count in (attacked or {}).items()
            if count >= thresholds.attacked_min
        }
        # (first letter, length) of the attacked targets' flat forms: distance-2 pre-filter
        self._attacked_shapes = {(nb.flat(n)[:1], len(nb.flat(n))) for n in self.attacked}
        self._pool_flats: dict[str, list[str]] = {}  # distance-2 pools, separator-free
        # pool key -> (size of the whole pool, its attacked members, their flat forms)
        self._attacked_pools: dict[str, tuple[int, list[tuple[str, int]], list[str]]] = {}

    @classmethod
    def from_popular(
        cls,
        popular: Mapping[str, int],
        thresholds: Thresholds = DEFAULT_THRESHOLDS,
        attacked: Mapping[str, int] | None = None,
    ) -> TyposquatIndex:
        return cls(memory_lookup(popular), thresholds, attacked)

    def _distance2(
        self,
        probe: _Probe,
        own: int | None,
        hits: Hits,
        th: Thresholds | None = None,
        only: Collection[str] | None = None,
    ) -> Match | None:
        """Two slips: a doubled letter plus one edit, or two typing slips in a long name
        (popular targets, same first letter, not two letters added at one end). ``only``:
        consider these targets only (judged with ``th``)."""
        length = len(probe.flat)
        if own is not None or length < nb.MIN_DELETE_LEN:
            return None
        from rapidfuzz.distance import OSA
        from rapidfuzz.process import extract

        th = th or self.thresholds
        squeezed = nb.squeeze(probe.flat)
        best: Match | None = None
        first, sizes = probe.flat[0], range(length - 2, length + 3)
        pool_keys = [nb.pool_key(first, size) for size in sizes]
        if length >= nb.POOL_LONG_QUERY_LEN:
            pool_keys += [nb.pool_key(first, size, long=True) for size in sizes]
        for pool_key in pool_keys:
            pool = hits.get(pool_key)
            if not pool:
                continue
            if only is not None:  # the targets under attack of this pool only
                cached = self._attacked_pools.get(pool_key)
                if cached is None or cached[0] != len(pool):
                    kept = [e for e in pool if e[0] in only]
                    cached = (len(pool), kept, [nb.flat(name) for name, _ in kept])
                    self._attacked_pools[pool_key] = cached
                _size, pool, flats = cached
                if not pool:
                    continue
            else:
                known = self._pool_flats.get(pool_key)
                if known is None or len(known) != len(pool):
                    known = self._pool_flats[pool_key] = [nb.flat(name) for name, _ in pool]
                flats = known
            for tflat, score, i in extract(
                probe.flat, flats, scorer=OSA.distance, score_cutoff=2, limit=None
            ):
                name, downloads = pool[i]
                if best and downloads <= best.imitates_downloads:
                    continue
                floor2 = th.floor(DISTANCE2, length)
                if score == 1:
                    # one slip that its own gate turned down: as strong as two slips at least
                    edit = classify_edit(probe.flat, tflat)
                    if edit is None:
                        continue  # a version digit or a prefix letter, not a slip
                    if edit == SUBSTITUTED and (
                        downloads < th.high_confidence_downloads
                        and _word_changed(probe.canonical, name)
                    ):
                        continue
                    rule = edit
                    floor = th.floor(edit, length)
                    if floor is None or (floor2 is not None and floor2 < floor):
                        floor = floor2
                elif (
                    _doubles(probe.flat) > _doubles(tflat)
                    and OSA.distance(squeezed, nb.squeeze(tflat)) <= 1
                ):
                    rule = DOUBLED_PLUS
                    floor = th.floor(rule, length)
                elif not _is_affix_edit(probe.flat, tflat) and not (
                    downloads < th.high_confidence_downloads
                    and _word_changed(probe.canonical, name)
                ):
                    rule = DISTANCE2
                    floor = floor2
                else:
                    continue
                if floor is not None and downloads >= floor:
                    best = Match(probe.canonical, name, rule, downloads, own)
        return best

    # -- judgement --------------------------------------------------------------------------
    def matches(self, names: Iterable[str]) -> list[Match | None]:
        """The best match for each name (None when it looks like nothing popular)."""
        raw = list(names)
        canonical = [_canonical(n) for n in raw]
        known = self._lookup({"n" + c for c in canonical} | {nb.TOP_KEY})
        top = max((d for _, d in known.get(nb.TOP_KEY, ())), default=None)
        ratio = self.thresholds.ratio
        probes: list[_Probe | None] = []
        for name, canon in zip(raw, canonical, strict=True):
            own = next((d for n, d in known.get("n" + canon, ()) if n == canon), None)
            if own is None or not name.isascii():
                probes.append(_probe(name))
            elif top is not None and own * ratio > top:
                probes.append(None)  # nothing is popular enough to be imitated by it
            else:
                probes.append(_popular_probe(name, canon, own * ratio >= nb.TOP_MIN_DOWNLOADS))
        wanted = {key for p in probes if p is not None for key, _, _ in p.keys} - set(known)
        hits = dict(known)
        hits.update(self._lookup(wanted))
        return [self._judge(p, hits) if p is not None else None for p in probes]

    def check(self, names: Iterable[str]) -> list[TyposquatFinding]:
        out: list[TyposquatFinding] = []
        for match in self.matches(names):
            if match is not None:
                out.append(finding(match, self.thresholds))
        return out

    def _judge(self, probe: _Probe, hits: Hits) -> Match | None:
        own = None
        for name, downloads in hits.get("n" + probe.canonical, ()):
            if name == probe.canonical:
                own = downloads
        if probe.non_ascii and own is not None:
            # the letters, read as the Latin ones they imitate, spell a popular name
            return Match(probe.raw, probe.canonical, NON_ASCII, own, None, CONFUSABLE)
        candidates: list[Match] = []
        related: list[Match] = []  # look-alikes that fail their popularity gate
        attacked: list[Match] = []  # look-alikes of targets under attack that failed it too
        seen: set[tuple[str, str]] = set()
        for key, purpose, _detail in probe.keys:
            for target, downloads in hits.get(key, ()):
                if purpose in ("word", "far") or target == probe.canonical:
                    continue
                if (target, purpose) in seen:
                    continue
                seen.add((target, purpose))
                rule, detail = self._rule(probe, purpose, target)
                if rule is None:
                    continue
                if probe.non_ascii and rule != COMBO:
                    detail = rule if rule not in (SEPARATORS, CONFUSABLE) else ""
                    rule = NON_ASCII
                who = probe.raw if probe.non_ascii else probe.canonical
                match = Match(who, target, rule, downloads, own, detail)
                if self._passes(match, probe, hits):
                    candidates.append(match)
                    continue
                if target in self.attacked:
                    attacked.append(match)
                if rule in STRONG | EDITS and (
                    own is None or downloads >= self.thresholds.ratio * own
                ):
                    related.append(match)
        if candidates:
            best = min(candidates, key=lambda m: (_TIER[m.rule], -m.imitates_downloads))
            # The name is a slip of something popular; of its look-alikes as close as that
            # one, name the most used, even when it alone would not have been enough
            # (``pysbark``: pyspark rather than pyshark).
            rivals = [
                m
                for m in related
                if _TIER[m.rule] <= _TIER[best.rule] and best.rule in STRONG | EDITS
            ]
            return min([best, *rivals], key=lambda m: (_TIER[m.rule], -m.imitates_downloads))
        far = self._distance2(probe, own, hits)
        if far is not None:
            return far
        if self.attacked:
            under_attack = self._under_attack(probe, hits, own, attacked)
            if under_attack is not None:
                return under_attack
        if probe.non_ascii:
            return Match(probe.raw, "", NON_ASCII, 0, own)
        return None

    def _under_attack(
        self, probe: _Probe, hits: Hits, own: int | None, failed: Sequence[Match]
    ) -> Match | None:
        """A look-alike of a target under attack (``failed``: those the gates turned down),
        judged without popularity floors."""
        loose = LOOSE_THRESHOLDS
        found = [m for m in failed if self._passes(m, probe, hits, loose)]
        first, length = probe.flat[:1], len(probe.flat)
        if not found and any((first, length + d) in self._attacked_shapes for d in range(-2, 3)):
            far = self._distance2(probe, own, hits, loose, self.attacked)
            found = [far] if far is not None else []
        if not found:
            return None
        best = min(found, key=lambda m: (_TIER[m.rule], -m.imitates_downloads))
        return dataclasses.replace(best, attacked=self.attacked[best.imitates])

    def _rule(self, probe: _Probe, purpose: str, target: str) -> tuple[str | None, str]:
        tflat = nb.flat(target)
        if purpose == "lookalike":
            for kind in ("flat", "edit", "skeleton", "tokens"):
                rule, detail = self._rule(probe, kind, target)
                if rule is None:
                    continue
                if kind == "skeleton" and not _same_skeleton(probe, tflat):
                    continue
                if kind == "tokens" and sorted(nb.tokens(target)) != sorted(
                    nb.tokens(probe.canonical)
                ):
                    continue
                return rule, detail
            return None, ""
        if purpose == "flat":
            return (SEPARATORS if tflat == probe.flat else None), ""
        if purpose == "edit":
            return classify_edit(probe.flat, tflat), ""
        if purpose == "skeleton":
            if tflat == probe.flat:
                return SEPARATORS, ""
            edit = classify_edit(probe.flat, tflat)
            if edit in (DOUBLED, UNDOUBLED, CONFUSABLE):
                return edit, ""
            if nb.squeeze(probe.flat) == nb.squeeze(tflat):
                if len(probe.flat) > len(tflat):
                    return DOUBLED, ""
                # several letters dropped at once is weaker evidence than one
                return (UNDOUBLED if len(tflat) - len(probe.flat) == 1 else DOUBLED_PLUS), ""
            return CONFUSABLE, ""
        if purpose == "tokens":
            return REORDERED, ""
        if purpose.startswith("affix"):
            return _affix_rule(purpose, probe.flat, tflat)
        if purpose == "combo":
            rest = _combo_rest(probe.canonical, probe.flat, target)
            return COMBO, f"+{rest}" if rest else ""
        return None, ""

    def _passes(
        self, match: Match, probe: _Probe, hits: Hits, th: Thresholds | None = None
    ) -> bool:
        loose = th is LOOSE_THRESHOLDS
        th = th or self.thresholds
        if match.downloads is not None and (
            match.imitates_downloads < th.ratio * match.downloads
            or match.rule not in STRONG | EDITS  # a popular combination is a real project
        ):
            return False
        length = len(probe.flat)
        rule = match.rule
        target = match.imitates_downloads
        if rule == NON_ASCII:
            return True
        if rule in STRONG or rule in EDITS:
            if (
                rule == SUBSTITUTED
                and not loose
                and target < th.high_confidence_downloads
                and _word_changed(probe.canonical, match.imitates)
            ):
                return False  # another short word (``dagster-drt``), not a slip
            floor = th.floor(rule, length)
            return length >= nb.MIN_DELETE_LEN and floor is not None and target >= floor
        if rule in AFFIXES:
            return target >= th.affix_min_downloads
        if rule == COMBO:
            return (
                target >= th.combo_min_downloads
                and len(nb.flat(match.imitates)) >= th.combo_min_len
                and match.imitates not in GENERIC_WORDS
                and (
                    self._lure(match.detail.removeprefix("+"), hits)
                    or _glued(probe.canonical, match.imitates, th.glued_min_len)
                )
            )
        return False

    def _lure(self, rest: str, hits: Hits) -> bool:
        """Whether the words added to a popular name are lures, digits or another popular name."""
        words = [w for w in rest.split("-") if w]
        if not words:
            return False
        for word in words:
            if word in LURE_WORDS or _VERSIONISH.fullmatch(word):
                continue
            found = hits.get("n" + word, ())
            if any(d >= self.thresholds.combo_min_downloads for _, d in found):
                continue
            return False
        return True


def _lure_word(word: str) -> bool:
    return word in LURE_WORDS or bool(_VERSIONISH.fullmatch(word))


def _same_skeleton(probe: _Probe, tflat: str) -> bool:
    return nb.skeleton(nb.visual_flat(probe.raw)) == nb.skeleton(tflat)


def _doubles(text: str) -> int:
    return len(text) - len(nb.squeeze(text))


def _glued(canonical: str, target: str, min_len: int) -> bool:
    """The target's letters run straight into other letters (``instarequests``)."""
    tflat = nb.flat(target)
    if len(tflat) < min_len:
        return False
    return any(tflat in token and tflat != token for token in nb.tokens(canonical))


SHORT_WORD = 4  # letters; two slips inside a word this short make another word


def _word_changed(canonical: str, target: str) -> bool:
    """The names differ in one short word only (``django-soil``, ``django-silk``): a change
    there makes a different word more often than a slip (checked for less popular targets)."""
    parts, tparts = nb.tokens(canonical), nb.tokens(target)
    if len(parts) != len(tparts) or len(parts) < 2:
        return False
    differ = [(a, b) for a, b in zip(parts, tparts, strict=True) if a != b]
    return len(differ) == 1 and min(len(differ[0][0]), len(differ[0][1])) <= SHORT_WORD


def _is_affix_edit(cand: str, target: str) -> bool:
    """Two letters added or removed together at one end: a word, not a typing slip."""
    if abs(len(cand) - len(target)) != 2:
        return False
    longer, shorter = (cand, target) if len(cand) > len(target) else (target, cand)
    return longer.startswith(shorter) or longer.endswith(shorter)


def _affix_rule(purpose: str, cand: str, target: str) -> tuple[str | None, str]:
    if purpose == "affix-added":
        return AFFIX_ADDED, _affix_text(cand, target)
    if purpose == "affix-removed":
        return AFFIX_REMOVED, _affix_text(target, cand)
    return AFFIX_SWAPPED, ""


def _affix_text(longer: str, core: str) -> str:
    if longer.endswith(core):
        return f"'{longer[: -len(core)]}' before it"
    if longer.startswith(core):
        return f"'{longer[len(core):]}' after it"
    return ""


def _combo_rest(canonical: str, flat: str, target: str) -> str:
    parts = nb.tokens(canonical)
    tparts = nb.tokens(target)
    for i in range(len(parts) - len(tparts) + 1):
        if parts[i : i + len(tparts)] == tparts:
            return "-".join(parts[:i] + parts[i + len(tparts) :])
    tflat = nb.flat(target)
    return flat.replace(tflat, "", 1)


# --- findings ----------------------------------------------------------------------------------


def human_count(value: int) -> str:
    for size, suffix in ((1_000_000_000, "B"), (1_000_000, "M"), (1_000, "k")):
        if value >= size:
            number = value / size
            text = f"{number:.1f}" if number < 10 else f"{number:.0f}"
            return text.removesuffix(".0") + suffix
    return str(value)


def confidence(match: Match, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> str:
    if match.attacked:
        return "low"  # passed only because its target is under attack
    if match.rule in STRONG:
        return "high"
    if match.rule in EDITS:
        return "high" if match.imitates_downloads >= thresholds.high_confidence_downloads else "low"
    return "low"


def summary(match: Match) -> str:
    if not match.imitates:
        return f"{match.candidate}: the name contains non-ASCII letters (no project name does)"
    own = (
        f"{match.candidate} has {human_count(match.downloads)}"
        if match.downloads is not None
        else f"{match.candidate} is not among the popular projects"
    )
    text = (
        f"{match.candidate}: looks like {match.imitates} ({match.rule_text}); "
        f"{match.imitates} has {human_count(match.imitates_downloads)} downloads/month, {own}"
    )
    if match.attacked:
        text += f"; {match.attacked} known malicious packages already imitate {match.imitates}"
    return text


def finding(match: Match, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> TyposquatFinding:
    conf = confidence(match, thresholds)
    return TyposquatFinding(
        id=f"TYPOSQUAT-{match.imitates}" if match.imitates else "TYPOSQUAT-NON-ASCII",
        severity=Severity.HIGH if conf == "high" else Severity.MODERATE,
        summary=summary(match),
        package=match.candidate,
        imitates=match.imitates,
        rule=match.rule_text,
        downloads=match.downloads,
        imitates_downloads=match.imitates_downloads or None,
        confidence=conf,
    )


def find_typosquats(
    names: Iterable[str],
    popular: Mapping[str, int],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[TyposquatFinding]:
    """Findings for the ``names`` that imitate a project in ``popular`` (name -> downloads)."""
    return TyposquatIndex.from_popular(popular, thresholds).check(names)


def store_index(store: Store, thresholds: Thresholds = DEFAULT_THRESHOLDS) -> TyposquatIndex:
    """An index over the store's precomputed neighbourhoods (built by ``db update``); a store
    built before those existed gets an in-memory index of its popular list instead."""
    attacked = store.attacked()
    if store.has_neighbours():
        return TyposquatIndex(store.neighbours, thresholds, attacked)
    return TyposquatIndex.from_popular(store.popular(), thresholds, attacked)


def attack_counts(lookup: NeighbourLookup, malicious: Iterable[str]) -> dict[str, int]:
    """Popular name -> how many of the ``malicious`` names look like it, by any rule and
    without popularity floors (``db update`` stores this from the malicious records)."""
    index = TyposquatIndex(lookup, LOOSE_THRESHOLDS)
    counts: dict[str, int] = {}
    for match in index.matches(sorted({_canonical(name) for name in malicious})):
        if match is not None and match.imitates and match.downloads is None:
            counts[match.imitates] = counts.get(match.imitates, 0) + 1
    return counts
