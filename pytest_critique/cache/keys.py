"""Cache keys: a versioned digest of everything that can change a judge's answer.

Only semantic inputs go in: the task, the judge's identity, the prompt template's digest,
the sampling parameters, the inputs the prompt is rendered from, and the sample index.
Timeouts, retries and concurrency are left out, so changing them never invalidates a verdict.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

CACHE_FORMAT_VERSION = 1


def key_material(
    *,
    task: str,
    judge: str,
    template_digest: str,
    params: Mapping[str, Any],
    fields: Mapping[str, Any],
    sample: int,
) -> dict[str, Any]:
    return {
        "format": CACHE_FORMAT_VERSION,
        "task": task,
        "judge": judge,
        "template": template_digest,
        "params": dict(params),
        "fields": dict(fields),
        "sample": sample,
    }


def cache_key(**components: Any) -> str:
    """The sha256 hex digest of the canonical JSON of :func:`key_material`."""
    canonical = json.dumps(key_material(**components), sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
