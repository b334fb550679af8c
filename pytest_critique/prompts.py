"""Prompt templates: packaged jinja2 files, each identified by the digest of its source.

The digest is part of every cache key, so editing a template re-judges what it renders.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from importlib import resources
from typing import Any


@functools.lru_cache(maxsize=None)
def template_source(name: str) -> str:
    return resources.files("pytest_critique").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


@functools.lru_cache(maxsize=None)
def template_digest(name: str) -> str:
    return hashlib.sha256(template_source(name).encode("utf-8")).hexdigest()[:16]


@functools.lru_cache(maxsize=None)
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FunctionLoader(template_source),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=False,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_messages(name: str, **context: Any) -> list[dict[str, str]]:
    """Render a template into chat messages.

    A template holds a system part and a user part separated by a line ``=== user ===``.
    Every rendering gets a fresh ``nonce``, used to fence untrusted text (the response under
    test) with delimiters it cannot forge.
    """
    text = _environment().get_template(name).render(nonce=secrets.token_hex(6), **context)
    system, _, user = text.partition("=== user ===")
    messages = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    messages.append({"role": "user", "content": user.strip()})
    return messages
