"""Addresses of shared verdict stores: which are accepted, and how they are shown (never with a password)."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SCHEMES = ("redis", "rediss")
NAMESPACE = re.compile(r"[A-Za-z0-9._/-]{1,100}")
"""Redis key prefixes teams choose: no ``:`` (the separator), no glob characters, no spaces."""
_SECRET_PARAMETERS = ("password", "pass", "passwd", "auth", "token")


def redact_url(url: str) -> str:
    """``url`` with any password (in the authority or a query parameter) replaced by ``***``."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            credentials, _, host = netloc.rpartition("@")
            user, has_password, _ = credentials.partition(":")
            # a lone name before the host may be a password too (some clients read it so)
            netloc = f"{user}:***@{host}" if has_password else f"***@{host}"
        query = parts.query
        if query:
            pairs = [(name, "***" if name.lower() in _SECRET_PARAMETERS else value)
                     for name, value in parse_qsl(query, keep_blank_values=True)]
            query = urlencode(pairs, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "<an unreadable URL>"


def check_cache_url(url: str) -> str | None:
    """Why ``url`` cannot name a shared verdict store, or None when it can."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"not a URL ({exc})"
    if parts.scheme not in SCHEMES:
        return "expected redis://[[user]:password@]host[:port][/db] or rediss://... (TLS)"
    if not parts.hostname:
        return "the URL names no host"
    if port == 0:
        return "the URL names port 0"
    database = parts.path.lstrip("/")
    if database and not database.isdigit():
        return f"the database after the host must be a number, not {database!r}"
    return None


def check_namespace(namespace: str) -> str | None:
    if NAMESPACE.fullmatch(namespace):
        return None
    return "expected 1 to 100 letters, digits, '.', '_', '-' or '/' (no ':', spaces or wildcards)"
