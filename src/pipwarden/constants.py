"""Values the command-line parser needs, kept apart so that parsing imports nothing heavy."""

from __future__ import annotations

FAIL_ON_CHOICES = ("critical", "high", "moderate", "low", "none")
FORMATS = ("table", "json", "markdown", "sarif", "cyclonedx")
