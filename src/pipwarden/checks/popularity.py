"""Popularity: download counts and ranks from the store's popular-package list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pipwarden.advisories.store import Store
from pipwarden.checks.typosquat import human_count


@dataclass(frozen=True)
class Popularity:
    name: str
    downloads: int | None  # monthly downloads, None when not among the popular projects
    rank: int | None
    listed: int  # how many names the popular list holds

    @property
    def text(self) -> str:
        if self.downloads is None:
            if not self.listed:
                return "popularity unknown (no popular list in the store)"
            return f"not among the {self.listed:,} most downloaded projects"
        return f"{human_count(self.downloads)} downloads/month (rank {self.rank:,})"


def popularity(name: str, popular: Mapping[str, int]) -> Popularity:
    """``popular``: canonical name -> downloads, most downloaded first."""
    downloads = popular.get(name)
    rank = None
    if downloads is not None:
        rank = 1 + sum(1 for d in popular.values() if d > downloads)
    return Popularity(name, downloads, rank, len(popular))


def from_store(name: str, store: Store) -> Popularity:
    return popularity(name, store.popular())
