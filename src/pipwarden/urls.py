"""Credentials in URLs: pip accepts ``https://user:token@host/simple``; pipwarden sends them
as a header (see :mod:`pipwarden.net`) and never prints them. Light on purpose (urllib.parse
only): the dependency readers use it too."""

from __future__ import annotations

import base64
import urllib.parse


def split_auth(url: str) -> tuple[str, str | None]:
    """``(url without user:password@, Basic authorization value or None)``: the credentials
    pip accepts in index URLs are sent as a header, never in the URL, the cache or a message."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, host = parts.netloc.rpartition("@")
    user, _, password = userinfo.partition(":")
    clean = urllib.parse.urlunsplit(parts._replace(netloc=host))
    raw = f"{urllib.parse.unquote(user)}:{urllib.parse.unquote(password)}".encode()
    return clean, "Basic " + base64.b64encode(raw).decode("ascii")


def redact(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@`` (for messages)."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urllib.parse.urlunsplit(parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]))
