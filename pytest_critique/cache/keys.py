"""Cache keys: a versioned digest of everything that can change a judge's answer.

Only semantic inputs go in: the task, the judge's identity, the prompt template's digest,
the sampling parameters, the inputs the prompt is rendered from, and the sample index.
Timeouts, retries and concurrency are left out, so changing them never invalidates a verdict.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
from json.encoder import encode_basestring  # what the encoder writes for text, non-ASCII kept
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


_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
"""What ``json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"))`` does, built once."""



def _parts_encoder() -> Any:
    """The C encoder the json module builds for each ``encode`` call, built once (the parts of a value's
    canonical JSON); the module's own path where that private function is missing or differs."""
    try:
        built = json.encoder.c_make_encoder(None, _CANONICAL.default, encode_basestring, None, ":", ",",  # type: ignore[attr-defined]
                                            True, False, True)
        probe = {"b": [1, 2.5, float("inf"), None, True], "a": "\u00e9\ud800"}
        if "".join(built(probe, 0)) == _CANONICAL.encode(probe):
            return built
    except Exception:  # noqa: BLE001 - any surprise means: not this shortcut
        pass
    return lambda value, level: _CANONICAL.iterencode(value)


_ENCODE_PARTS = _parts_encoder()

_ENCODED_TEXT: dict[str, str] = {}
"""Recent text fields in canonical JSON: the requests about one response repeat its long fields."""


def canonical_json(material: dict[str, Any]) -> str:
    """``material`` in canonical JSON: sorted keys, no spaces, non-ASCII as it is.

    The same text as ``_CANONICAL.encode(material)``, built from its parts so that the text fields
    shared by a checklist's questions (the response, the instruction) are encoded once.
    """
    fields = material.get("fields")
    if material.keys() != _TOP_KEYS or not isinstance(fields, dict) or not all(type(name) is str for name in fields):
        return _CANONICAL.encode(material)
    encoded = ",".join(f"{encode_basestring(name)}:{_encoded(value)}" for name, value in sorted(fields.items()))
    return f'{{"fields":{{{encoded}}},{_rest(material)}'  # "fields" sorts before every other key


def _rest(material: dict[str, Any]) -> str:
    """The canonical JSON of ``material`` without its fields, from after the opening brace."""
    number, sample, params = material["format"], material["sample"], material["params"]
    texts = material["judge"], material["task"], material["template"]
    if type(number) is not int or type(sample) is not int or not isinstance(params, dict) or any(
            type(text) is not str for text in texts):
        return _CANONICAL.encode({name: value for name, value in material.items() if name != "fields"})[1:]
    judge, task, template = (encode_basestring(text) for text in texts)
    return (f'"format":{number},"judge":{judge},"params":{"".join(_ENCODE_PARTS(params, 0))},"sample":{sample},'
            f'"task":{task},"template":{template}}}')


_TOP_KEYS = set(key_material(task="", judge="", template_digest="", params={}, fields={}, sample=0))


def _encoded(value: Any) -> str:
    if type(value) is not str:
        return _CANONICAL.encode(value)
    text = _ENCODED_TEXT.get(value)
    if text is None:
        if len(_ENCODED_TEXT) >= 64:
            _ENCODED_TEXT.clear()
        text = _ENCODED_TEXT[value] = encode_basestring(value)
    return text


def cache_key(**components: Any) -> str:
    """The sha256 hex digest of the canonical JSON of :func:`key_material`."""
    canonical = canonical_json(key_material(**components))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
