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
from typing import Any, Mapping, Sequence

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


_FIELD_ORDER: dict[tuple[str, ...], list[tuple[str, str]]] = {}
"""For each set of field names seen: the names sorted, each with its encoded ``"name":``."""


def cache_keys(*, task: str, judge: str, template_digest: str,
               requests: Sequence[tuple[Mapping[str, Any], Mapping[str, Any], int]]) -> list[str]:
    """:func:`cache_key` of each ``(params, fields, sample)`` of one task and judge, byte for byte.

    The requests of one verdict share their task, judge, template and mostly their parameters:
    that part of the text is built once, and each request's fields are written in a sorted order
    remembered by their names.  Any other shape goes through :func:`cache_key`.
    """
    def one_by_one(params: Any, fields: Any, sample: Any) -> str:
        return cache_key(task=task, judge=judge, template_digest=template_digest, params=params, fields=fields,
                         sample=sample)

    if not (type(task) is str and type(judge) is str and type(template_digest) is str):
        return [one_by_one(*request) for request in requests]
    keys: list[str] = []
    rests: dict[tuple[int, str], str] = {}
    last_params: Any = None
    encoded_params = ""
    for params, fields, sample in requests:
        if type(fields) is not dict or type(params) is not dict or type(sample) is not int:
            keys.append(one_by_one(params, fields, sample))
            continue
        names = tuple(fields)
        order = _FIELD_ORDER.get(names)
        if order is None:
            if not all(type(name) is str for name in names):
                keys.append(one_by_one(params, fields, sample))
                continue
            if len(_FIELD_ORDER) >= 64:
                _FIELD_ORDER.clear()
            order = _FIELD_ORDER[names] = [(name, f"{encode_basestring(name)}:") for name in sorted(names)]
        if params is not last_params:  # the same dict: the same text (equal ones may differ: 1 and 1.0)
            last_params, encoded_params = params, "".join(_ENCODE_PARTS(params, 0))
        rest = rests.get((sample, encoded_params))
        if rest is None:
            rest = rests[(sample, encoded_params)] = _rest(key_material(
                task=task, judge=judge, template_digest=template_digest, params=params, fields={}, sample=sample))
        encoded = ",".join([prefix + _encoded(fields[name]) for name, prefix in order])
        canonical = f'{{"fields":{{{encoded}}},{rest}'
        keys.append(hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest())
    return keys
