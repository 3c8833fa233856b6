"""Reporters: each takes a Report and returns text.

``table`` output is chosen per command: ``pipwarden.report.table_<command>`` renders it when
that module exists, otherwise :mod:`pipwarden.report.table` renders a generic table.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from pipwarden.models import Report

Renderer = Callable[[Report, bool, bool], str]  # (report, verbose, color) -> text


def _module_renderer(module: str) -> Renderer:
    def render(report: Report, verbose: bool, color: bool) -> str:
        mod = importlib.import_module(f"pipwarden.report.{module}")
        result: str = mod.render(report, verbose=verbose, color=color)
        return result

    return render


def _table(report: Report, verbose: bool, color: bool) -> str:
    try:
        mod = importlib.import_module(f"pipwarden.report.table_{report.command}")
    except ModuleNotFoundError:
        mod = importlib.import_module("pipwarden.report.table")
    result: str = mod.render(report, verbose=verbose, color=color)
    return result


REPORTERS: dict[str, Renderer] = {
    "table": _table,
    "json": _module_renderer("json_format"),
    "markdown": _module_renderer("markdown"),
    "sarif": _module_renderer("sarif"),
    "cyclonedx": _module_renderer("cyclonedx_format"),
}


def render(report: Report, fmt: str, *, verbose: bool = False, color: bool = False) -> str:
    return REPORTERS[fmt](report, verbose, color)
