"""Errors that carry where the problem is and what to do about it.

One ``except PipwardenError`` in :func:`pipwarden.cli.main` prints them as a single line
(plus an optional hint) and exits with :attr:`PipwardenError.exit_code`.
"""

from __future__ import annotations


class PipwardenError(Exception):
    """A failure the user can act on: message, optional location and hint."""

    exit_code: int = 2

    def __init__(self, message: str, *, location: str | None = None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return text

    def render(self) -> str:
        text = f"error: {self}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class UsageError(PipwardenError):
    """Bad command-line arguments or configuration."""


class SourceError(PipwardenError):
    """A dependency file could not be read or parsed."""


class StoreError(PipwardenError):
    """The advisory store is missing, corrupt or could not be built."""


class NetworkError(PipwardenError):
    """A download or index request failed."""


class InstallError(PipwardenError):
    """pip failed or the environment could not be changed."""


class RollbackError(PipwardenError):
    """A rollback failed; the environment needs attention."""

    exit_code = 3


class ScanError(PipwardenError):
    """A file could not be scanned."""
