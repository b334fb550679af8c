"""What litellm's packaged model table says about a model (schema support, prices), read without importing litellm.

The report header is written before any judge is needed; importing litellm takes seconds.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re

TABLE = "model_prices_and_context_window_backup.json"


def _entry(text: str, name: str) -> dict[str, object] | None:
    match = re.search(r'\n\s*' + re.escape(json.dumps(name)) + r'\s*:\s*\{', text)
    if match is None:
        return None
    try:
        entry, _ = json.JSONDecoder().raw_decode(text, match.end() - 1)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


@functools.lru_cache(maxsize=1)
def _table() -> str:
    """The table's text (read once: a jury's models share it); empty when litellm is not installed."""
    spec = importlib.util.find_spec("litellm")
    for location in list(spec.submodule_search_locations or []) if spec is not None else []:
        try:
            with open(os.path.join(location, TABLE), encoding="utf-8") as file:
                return file.read()
        except OSError:
            continue
    return ""


@functools.lru_cache(maxsize=None)
def listed_with_schema(model: str) -> bool:
    """Whether the table lists the model (with or without its provider prefix) as taking a response schema."""
    text = _table()
    entry = _entry(text, model) or _entry(text, model.partition("/")[2])
    return bool(entry and entry.get("supports_response_schema") is True)


@functools.lru_cache(maxsize=None)
def prices(model: str) -> tuple[float, float]:
    """US dollars per prompt token and per completion token; (0, 0) for a model the table does not price."""
    text = _table()
    entry = _entry(text, model) or _entry(text, model.partition("/")[2])
    if not entry:
        return 0.0, 0.0
    try:
        return float(entry.get("input_cost_per_token") or 0.0), float(entry.get("output_cost_per_token") or 0.0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0, 0.0
