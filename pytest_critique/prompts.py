"""Prompt templates: packaged jinja2 files, each identified by the digest of its source.

The digest is part of every cache key, so editing a template re-judges what it renders.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import resources
from typing import Any, Mapping

PER_REQUEST: dict[str, tuple[str, ...]] = {
    "tick_item.j2": ("question",),
    "checkeval_subaspect.j2": ("dimension", "definition", "sub_aspect", "questions"),
    "consistency_support.j2": ("sentence",),
    "grounding_check.j2": ("claim",),
}
"""The fields of a template that change from one request to the next for the same response: they come
last in the prompt, fenced by ``item_nonce``, so the requests about one response share everything before."""


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


def fence_nonce(name: str, fields: Mapping[str, Any]) -> str:
    """16 hex digits of a hash of the template's name and the fields: the delimiters of the fenced text.

    Text inside a fence cannot hold the fence's closing tag, since the tag holds a hash of that text
    (finding a text that contains 64 bits of its own hash is out of reach).  The same request renders
    the same bytes on every machine and run, so providers' prompt caches and recorded cassettes match.
    """
    data = json.dumps([name, sorted(fields.items())], default=str, ensure_ascii=True)
    return hashlib.sha256(data.encode("ascii")).hexdigest()[:16]


PER_REQUEST_MARK = "=== per request ===\n"
"""Where a template's part shared by the requests about one response ends (removed from the prompt)."""


def render_messages(name: str, **context: Any) -> list[dict[str, str]]:
    """Render a template into chat messages (see :func:`render_shared`)."""
    return render_shared(name, **context)[0]


def render_shared(name: str, **context: Any) -> tuple[list[dict[str, str]], int]:
    """Render a template into chat messages, and how many characters the user message begins with
    that every request about the same response shares (0 when the template marks no such part).

    A template holds a system part and a user part separated by a line ``=== user ===``.
    Untrusted text (the response under test) is fenced with ``nonce``, a hash of every field but
    the template's :data:`PER_REQUEST` ones; those are fenced with ``item_nonce``, a hash of all,
    and follow a line ``=== per request ===``.
    """
    per_request = PER_REQUEST.get(name, ())
    nonce = fence_nonce(name, {key: value for key, value in context.items() if key not in per_request})
    item_nonce = fence_nonce(name, context) if per_request else nonce
    text = _environment().get_template(name).render(nonce=nonce, item_nonce=item_nonce, **context)
    system, _, user = text.partition("=== user ===")
    shared, mark, rest = user.strip().partition(PER_REQUEST_MARK)
    user = shared + rest if mark else shared
    messages = []
    if system.strip():
        messages.append({"role": "system", "content": system.strip()})
    messages.append({"role": "user", "content": user})
    return messages, len(shared) if mark else 0


def render_text(name: str, **context: Any) -> str:
    """A packaged template rendered as plain text (not chat messages): text the plugin hands to the user's code."""
    return str(_environment().get_template(name).render(**context))


def text_template(source: str) -> Any:
    """A template given as text (the user's), compiled like the packaged ones (undefined names are errors);
    jinja2's ``TemplateSyntaxError`` when it does not parse."""
    return _environment().from_string(source)
