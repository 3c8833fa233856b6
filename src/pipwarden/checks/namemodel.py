"""Names built like known malware: a character n-gram model of the store's malicious records.

Most malicious PyPI names imitate nothing popular: they come from campaigns that generate
names by the thousand from a few word lists and patterns (``esq`` + three short words,
``sideload-<project>-bin-<hex>``, ``artifact-lab-3-package-<hex>``...). Those names share
letter groups with each other far more than with real projects, which is what this model
measures, as a spam filter does: every 3- and 4-letter group of a name gets the log-ratio of
how often it occurs in known malicious names and in the popular names (smoothed), and a name's
score is their sum over the square root of their number.

``db update`` learns the weights from the store's own malicious records (OSV ``MAL-``) against
the popular list, and sets the threshold so that only :data:`FALSE_ALARM_RATE` of popular names
would pass it when left out of the training (five folds). With fewer than
:data:`MIN_MALICIOUS` malicious names the store gets no model. What it recognises is the naming
of campaigns already in the store: the first names of a new campaign pass until the advisory
database lists some of them.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipwarden.advisories.store import Store

SIGNAL = "malware-like-name"  # the reputation signal's name
GRAM_SIZES = (3, 4)
SMOOTHING = 0.1
MIN_MALICIOUS = 200  # known malicious names needed to learn anything
FOLDS = 5
FALSE_ALARM_RATE = 0.0005  # of the (held-out) popular names, allowed over the threshold

_SEPARATORS = re.compile(r"[-_.]+")

WeightLookup = Callable[[Collection[str]], Mapping[str, float]]


def grams(name: str) -> set[str]:
    """The 3- and 4-letter groups of a name (PEP 503 form, ``^``/``$`` at its ends)."""
    text = "^" + _SEPARATORS.sub("-", name.lower()) + "$"
    return {text[i : i + size] for size in GRAM_SIZES for i in range(len(text) - size + 1)}


@dataclass(frozen=True)
class Weights:
    """Per-gram log-ratios, the weight of a gram seen in neither corpus, and the threshold."""

    weights: dict[str, float]
    unseen: float
    threshold: float
    malicious: int  # names learned from
    legit: int


def _counts(names: Iterable[str]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    total = 0
    for name in names:
        counts.update(grams(name))
        total += 1
    return counts, total


def _weights(
    bad: Counter[str], n_bad: int, good: Counter[str], n_good: int
) -> tuple[dict[str, float], float]:
    unseen = math.log((SMOOTHING / (n_bad + 1)) / (SMOOTHING / (n_good + 1)))
    out = {
        gram: math.log(
            ((bad[gram] + SMOOTHING) / (n_bad + 1)) / ((good[gram] + SMOOTHING) / (n_good + 1))
        )
        for gram in set(bad) | set(good)
    }
    return out, unseen


def _score(
    name: str, weights: Mapping[str, float], unseen: float, found: set[str] | None = None
) -> float:
    found = grams(name) if found is None else found
    if not found:
        return -math.inf
    return sum(weights.get(g, unseen) for g in found) / math.sqrt(len(found))


def _fold(name: str) -> int:
    return hashlib.sha256(name.encode("utf-8")).digest()[0] % FOLDS


def train(malicious: Iterable[str], legit: Sequence[str]) -> Weights | None:
    """Learn from canonical malicious names (those on the popular list are left out: a
    compromised popular project is not named like malware) and the popular names."""
    good_names = list(dict.fromkeys(legit))
    popular = set(good_names)
    bad_names = sorted({n for n in malicious if n not in popular})
    if len(bad_names) < MIN_MALICIOUS or len(good_names) < FOLDS * 100:
        return None
    bad, n_bad = _counts(bad_names)
    # the threshold: scores of popular names by models that did not see them
    held_out: list[float] = []
    for fold in range(FOLDS):
        train_names = [n for n in good_names if _fold(n) != fold]
        good, n_good = _counts(train_names)
        weights, unseen = _weights(bad, n_bad, good, n_good)
        held_out += [_score(n, weights, unseen) for n in good_names if _fold(n) == fold]
    held_out.sort(reverse=True)
    threshold = held_out[min(len(held_out) - 1, int(len(held_out) * FALSE_ALARM_RATE))]
    good, n_good = _counts(good_names)
    weights, unseen = _weights(bad, n_bad, good, n_good)
    return Weights(weights, unseen, threshold, n_bad, n_good)


@dataclass(frozen=True)
class NameModel:
    """Scores names through a gram look-up (the store's ``name_grams`` table)."""

    lookup: WeightLookup
    unseen: float
    threshold: float

    def scores(self, names: Sequence[str]) -> list[float]:
        each = [grams(name) for name in names]
        weights = self.lookup(set().union(*each))
        return [_score(n, weights, self.unseen, g) for n, g in zip(names, each, strict=True)]

    def suspicious(self, names: Sequence[str]) -> list[bool]:
        """Whether each name scores over the threshold (callers skip popular names)."""
        return [score > self.threshold for score in self.scores(names)]

    def telling(self, name: str, count: int = 3) -> list[str]:
        """The letter groups of ``name`` that weigh most towards malware, separators and the
        ``^``/``$`` ends stripped (for the explanation)."""
        weights = self.lookup(grams(name))
        ranked = sorted(grams(name), key=lambda g: -weights.get(g, self.unseen))
        out: list[str] = []
        for gram in ranked:
            text = gram.strip("^$-")
            if len(text) >= 3 and not any(text in kept or kept in text for kept in out):
                out.append(text)
            if len(out) == count:
                break
        return out


def malware_like(store: Store, names: Sequence[str]) -> dict[str, str]:
    """Canonical name -> the reason, for the ``names`` (canonical, not popular) the store's
    model flags: ``named like known malicious packages (esqcpupy, esqgetcraftstudy)``."""
    model = store.name_model()
    if model is None or not names:
        return {}
    wanted = [n for n in dict.fromkeys(names) if store.downloads(n) is None]  # not popular
    out: dict[str, str] = {}
    for name, flagged in zip(wanted, model.suspicious(wanted), strict=True):
        if not flagged:
            continue
        examples: list[str] = []
        for fragment in model.telling(name):
            examples += [e for e in store.malicious_like(fragment) if e not in examples]
            if len(examples) >= 2:
                break
        like = f" ({', '.join(examples[:2])})" if examples else ""
        out[name] = f"named like known malicious packages{like}"
    return out
