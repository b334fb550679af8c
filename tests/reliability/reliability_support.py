"""Helpers shared by the reliability tests (plain functions, no fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def cache_entries(directory: Path) -> dict[str, Any]:
    """Every entry of a verdict cache directory, read with diskcache itself (not the plugin)."""
    import diskcache

    if not directory.exists():
        return {}
    with diskcache.Cache(str(directory)) as cache:
        return {key: cache.get(key) for key in cache.iterkeys()}


def valid_entry(value: Any) -> bool:
    """A cache entry as the plugin writes it: JSON text of an object holding the answer data."""
    if not isinstance(value, str):
        return False
    try:
        entry = json.loads(value)
    except ValueError:
        return False
    return isinstance(entry, dict) and isinstance(entry.get("data"), dict)


def load_report(path: Path) -> dict[str, Any]:
    """A JSON report, parsed strictly (bytes must be UTF-8, the text must be JSON)."""
    return json.loads(path.read_bytes().decode("utf-8"))
