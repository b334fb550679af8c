"""Addresses of shared verdict stores: which are accepted, and how they are shown (never with a password)."""

from __future__ import annotations

import os
import re
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit, urlunsplit

SCHEMES = ("redis", "rediss")
NAMESPACE = re.compile(r"[A-Za-z0-9._/-]{1,100}")
"""Redis key prefixes teams choose: no ``:`` (the separator), no glob characters, no spaces."""
_SECRET_PARAMETERS = ("password", "pass", "passwd", "auth", "token")
TLS_FILES = ("ssl_ca_certs", "ssl_certfile", "ssl_keyfile")
"""Files a ``rediss://`` URL may name: the CA certificates to trust instead of the system's, and a client
certificate and its key for a server that asks for one."""
QUERY_PARAMETERS = (*TLS_FILES, "password")
_NO_WEAKER_TLS = ("ssl_cert_reqs", "ssl_check_hostname", "ssl_include_verify_flags", "ssl_exclude_verify_flags",
                  "ssl_min_version", "ssl_ciphers")


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
        # the other parameters (a CA file's path) are shown as they were written
        query = "&".join(f"{piece.partition('=')[0]}=***" if _secret(piece) else piece
                         for piece in parts.query.split("&")) if parts.query else ""
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return "<an unreadable URL>"


def _secret(piece: str) -> bool:
    name, has_value, _ = piece.partition("=")
    return bool(has_value) and unquote_plus(name).lower() in _SECRET_PARAMETERS


def url_secrets(url: str) -> list[str]:
    """The passwords a URL holds (as written and decoded), to blank out of messages that might repeat them."""
    try:
        parts = urlsplit(url)
        found = [parts.password or ""]
        if "@" in parts.netloc and parts.password is None:
            found.append(parts.username or "")
        found += [value for name, value in parse_qsl(parts.query) if name.lower() in _SECRET_PARAMETERS]
    except ValueError:
        return []
    return sorted({form for secret in found if secret for form in (secret, unquote(secret))}, key=len, reverse=True)


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
    return _query_problem(parts.scheme, parts.query)


def _query_problem(scheme: str, query: str) -> str | None:
    seen: set[str] = set()
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in _NO_WEAKER_TLS:
            return (f"{name} is not accepted: the server's certificate is always checked; to trust a private "
                    "CA, give its certificate with ?ssl_ca_certs=/path/to/ca.pem")
        if name not in QUERY_PARAMETERS:
            return (f"unknown parameter {name!r} after '?' (accepted: {', '.join(TLS_FILES)} with rediss://, "
                    "and password)")
        if name in seen:
            return f"{name} is given twice"
        seen.add(name)
        if not value:
            return f"{name} is empty"
        if name in TLS_FILES:
            if scheme != "rediss":
                return f"{name} needs a TLS connection: rediss://, not redis://"
            if not os.path.isfile(value):
                return f"{name}: no file at {value}"
    if "ssl_keyfile" in seen and "ssl_certfile" not in seen:
        return "ssl_keyfile needs ssl_certfile (the client certificate it belongs to)"
    return None


def check_namespace(namespace: str) -> str | None:
    if NAMESPACE.fullmatch(namespace):
        return None
    return "expected 1 to 100 letters, digits, '.', '_', '-' or '/' (no ':', spaces or wildcards)"
