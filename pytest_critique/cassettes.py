"""A warning for a judged test that replays an HTTP cassette (pytest-recording) matched without the
request body: judge requests to one URL differ only in their body, so such a replay can hand a
question another question's answer whenever requests are in flight at once."""

from __future__ import annotations

from typing import Any

import pytest

VCR_DEFAULT_MATCH_ON = ("method", "scheme", "host", "port", "path", "query")
RECORDING_ONLY = ("all", "rewrite")
"""Record modes that never replay."""

WARNING = ("a pytest-recording cassette replays this run's judge requests matched without their body; "
           "requests to the judge differ only there, so with several in flight an answer can go to the wrong "
           "question. Add \"body\" to match_on in vcr_config (see the cache docs: recorded cassettes)")


def replays_without_body(node: pytest.Item) -> bool:
    """Whether the test uses pytest-recording's cassette in a mode that replays, matched without the body."""
    markers = list(node.iter_markers("vcr"))
    request = getattr(node, "_request", None)  # a test function's own fixture request
    if not markers or "vcr" not in getattr(node, "fixturenames", ()) or request is None:
        return False
    config: dict[str, Any] = {}
    try:
        config.update(request.getfixturevalue("vcr_config") or {})
    except pytest.FixtureLookupError:
        pass
    for marker in reversed(markers):  # the closest marker wins, as pytest-recording merges them
        config.update(marker.kwargs)
    record_mode = config.get("record_mode") or node.config.getoption("record_mode", default=None) or "none"
    if record_mode in RECORDING_ONLY:
        return False
    match_on = config.get("match_on", VCR_DEFAULT_MATCH_ON)
    return not any(name in ("body", "raw_body") for name in match_on)
