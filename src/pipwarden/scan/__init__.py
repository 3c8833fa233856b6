"""``pipwarden scan``: untrusted input reaching dangerous code, and resources never released."""

from __future__ import annotations

from pipwarden.scan.engine import Scanner, ScanResult, run, scan_paths

__all__ = ["ScanResult", "Scanner", "run", "scan_paths"]
