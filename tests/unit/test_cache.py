"""The verdict cache: keys, modes, the stores, and the engine's use of them."""

from __future__ import annotations

import hashlib
import json
from types import MappingProxyType
import threading
from pathlib import Path
from typing import Any

import pytest

from pytest_critique.backends.base import JudgeCall, OfflineJudge, Reply
from pytest_critique.cache.keys import CACHE_FORMAT_VERSION, cache_key, cache_keys, canonical_json, key_material
from pytest_critique.cache.modes import CacheMode
from pytest_critique.cache.store import CacheWarning, DiskStore
from pytest_critique.engine import JudgeEngine
from pytest_critique.errors import CacheMissError, CritiqueUsageError
from pytest_critique.judges import checklist as tick

BASE = {
    "task": "tick.item",
    "judge": "openai/gpt-4o-mini",
    "template_digest": "0123456789abcdef",
    "params": {"temperature": 0.0},
    "fields": {"instruction": "Write a haiku.", "input": "", "response": "a fox", "question": "Is it a haiku?"},
    "sample": 0,
}


# --- keys -----------------------------------------------------------------------------------------


def test_key_is_the_sha256_of_canonical_json() -> None:
    material = key_material(**BASE)
    assert material == {"format": CACHE_FORMAT_VERSION, "task": "tick.item", "judge": "openai/gpt-4o-mini",
                        "template": "0123456789abcdef", "params": {"temperature": 0.0},
                        "fields": BASE["fields"], "sample": 0}
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert cache_key(**BASE) == hashlib.sha256(canonical.encode()).hexdigest()
    assert len(cache_key(**BASE)) == 64


@pytest.mark.parametrize("fields", [
    BASE["fields"],
    {"response": "renard \U0001f98a \ud83d \u2028 \x00 \"quoted\" \\ back", "question": "é?", "input": "", "b\"": "x"},
    {"questions": ["one", "two", {"nested": [1.5, None, True, float("inf"), float("nan"), -0.0, 10**30]}]},
    {"z": 1, "a": {"b": {"d": [], "c": {}}}, "\u00e9": "accent sorts after ASCII", "A": "upper sorts first"},
    {},
])
def test_canonical_json_is_what_json_dumps_writes(fields: dict[str, Any]) -> None:
    # The key's text is built from its parts (long fields encoded once per response): it must stay the
    # very text json.dumps writes, or every cache ever written would miss.
    for _ in range(2):  # the second time from the encodings remembered the first time
        for params in ({"temperature": 0.0}, {"temperature": 0.7, "b": [1, None], "a": "x"}):
            material = key_material(**dict(BASE, fields=fields, params=params))
            expected = json.dumps(material, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
            assert canonical_json(material) == expected
            assert cache_key(**dict(BASE, fields=fields, params=params)) == hashlib.sha256(
                expected.encode("utf-8", "surrogatepass")).hexdigest()


def test_the_keys_of_many_requests_are_their_keys_one_by_one() -> None:
    # A verdict's requests get their keys together (shared parts encoded once): byte for byte the keys
    # cache_key gives each, also for shapes it hands back to cache_key and for more field sets than it keeps.
    shared = {"temperature": 0.0}
    response = "renard \U0001f98a \ud83d \u2028 \x00 \"quoted\" \\ back " * 40
    requests: list[tuple[Any, Any, Any]] = [
        (shared, dict(BASE["fields"], question=f"Q{number}?", response=response), 0) for number in range(5)]
    requests += [
        ({"temperature": 0.0}, dict(BASE["fields"], question="Q1?", response=response), 1),
        ({"temperature": 1}, dict(BASE["fields"]), 0),  # 1 and 1.0 are equal, but not the same text
        ({"temperature": 1.0}, dict(BASE["fields"]), 0),
        ({"temperature": 0.7, "b": [1, None], "a": "x"}, {"questions": ["one", {"nested": [1.5, None]}]}, 2),
        (shared, {2: "a", 1: "c"}, 0),  # field names that are not text
        (shared, dict(BASE["fields"]), True),  # a sample that is not an int
        (MappingProxyType({"temperature": 0.0}), dict(BASE["fields"]), 0),  # parameters that are not a dict
        (shared, {}, 0),
    ]
    requests += [(shared, {f"field{number}": "x", "question": "Q?"}, 0) for number in range(70)]
    for task, judge in (("tick.item", "openai/gpt-4o-mini"), ("tick.item", None)):
        expected = [cache_key(task=task, judge=judge, template_digest="0123456789abcdef", params=params,
                              fields=fields, sample=sample) for params, fields, sample in requests]
        for _ in range(2):  # the second time from the orders and encodings remembered the first time
            assert cache_keys(task=task, judge=judge, template_digest="0123456789abcdef",  # type: ignore[arg-type]
                              requests=requests) == expected


def test_canonical_json_of_other_shapes_is_json_dumps() -> None:
    odd = [dict(key_material(**BASE), **change) for change in (
        {"sample": True}, {"format": 1.5}, {"judge": None}, {"params": [1]}, {"task": ["a"]}, {"fields": []})]
    for material in ({"fields": {1: "a"}, "format": 1}, {"other": [1, 2]}, {**key_material(**BASE), "extra": 1}, *odd):
        assert canonical_json(material) == json.dumps(material, sort_keys=True, ensure_ascii=False,
                                                      separators=(",", ":"))


def test_key_is_stable_and_ignores_dict_order() -> None:
    reordered = dict(BASE, fields=dict(reversed(list(BASE["fields"].items()))))
    assert cache_key(**BASE) == cache_key(**reordered) == cache_key(**dict(BASE))


@pytest.mark.parametrize(
    "change",
    [
        {"task": "tick.batch"},
        {"judge": "anthropic/claude-3-haiku"},
        {"template_digest": "fedcba9876543210"},
        {"params": {"temperature": 0.7}},
        {"sample": 1},
        {"fields": dict(BASE["fields"], response="a fox.")},
        {"fields": dict(BASE["fields"], question="Is it a haiku ?")},
        {"fields": dict(BASE["fields"], instruction="Write a poem.")},
        {"fields": dict(BASE["fields"], input="x")},
    ],
    ids=lambda change: next(iter(change)) + ":" + str(next(iter(change.values())))[:20],
)
def test_every_semantic_input_changes_the_key(change: dict[str, Any]) -> None:
    assert cache_key(**dict(BASE, **change)) != cache_key(**BASE)


def test_unicode_and_lone_surrogates_are_hashable() -> None:
    fields = dict(BASE["fields"], response="renard \U0001f98a \ud83d")
    assert cache_key(**dict(BASE, fields=fields)) != cache_key(**BASE)


def test_engine_key_leaves_out_transport_settings(tmp_path: Path) -> None:
    engine = JudgeEngine(tmp_path)
    judge = OfflineJudge()
    call = JudgeCall(
        task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline,
        fields=BASE["fields"], params={"temperature": 0.0})
    slow = JudgeCall(
        task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline,
        fields=BASE["fields"], params={"temperature": 0.0},
        timeout=5.0, retries=0)
    assert engine.key(judge, tick.ITEM, call) == engine.key(judge, tick.ITEM, slow)
    other_sample = JudgeCall(
        task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline, fields=BASE["fields"],
        params={"temperature": 0.0}, sample=2)
    assert engine.key(judge, tick.ITEM, call) != engine.key(judge, tick.ITEM, other_sample)


# --- modes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "reads", "writes", "may_call"),
    [
        ("rw", True, True, True),
        ("read", True, False, False),
        ("refresh", False, True, True),
        ("off", False, False, True),
    ],
)
def test_mode_semantics(mode: str, reads: bool, writes: bool, may_call: bool) -> None:
    parsed = CacheMode.parse(mode)
    assert parsed is CacheMode(mode)
    assert (parsed.reads, parsed.writes, parsed.may_call) == (reads, writes, may_call)
    assert CacheMode.parse(parsed) is parsed


@pytest.mark.parametrize("bad", ["", "RW", "write", "none"])
def test_unknown_mode(bad: str) -> None:
    with pytest.raises(CritiqueUsageError) as caught:
        CacheMode.parse(bad)
    assert str(caught.value) == f"critique: unknown cache mode {bad!r}; expected one of rw, read, refresh, off"


# --- stores ---------------------------------------------------------------------------------------


def test_disk_store_round_trip_and_gitignore(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "cache"
    store = DiskStore(directory)
    assert not directory.exists()  # opened on first use only
    assert store.get("k") is None
    assert not directory.exists()  # a read never creates the cache
    value = {"data": {"answer": "YES", "reasoning": "ok"}, "judge": "j", "created": 1.5}
    assert store.set("k", value) is True
    assert (directory / ".gitignore").read_text(encoding="utf-8").splitlines() == [
        "# Created by pytest-critique: cached judge verdicts.", "*"]
    assert store.get("k") == value
    assert len(store) == 1 and store.keys() == ["k"]
    store.close()

    reopened = DiskStore(directory)
    assert reopened.get("k") == value
    reopened.close()


def test_disk_store_keeps_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".gitignore").write_text("mine\n", encoding="utf-8")
    store = DiskStore(tmp_path)
    store.set("k", {"x": 1})
    store.close()
    assert (tmp_path / ".gitignore").read_text(encoding="utf-8") == "mine\n"


def test_disk_store_holds_json_text_not_pickles(tmp_path: Path) -> None:
    import diskcache

    store = DiskStore(tmp_path)
    store.set("k", {"x": [1, 2]})
    store.close()
    with diskcache.Cache(str(tmp_path)) as raw:
        assert raw.get("k") == '{"x": [1, 2]}'


class _Planted:
    """Unpickling it would write the marker file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self) -> Any:
        return (open, (str(self.marker), "w"))


def test_reading_many_keys_at_once_refuses_what_get_refuses(tmp_path: Path) -> None:
    import diskcache

    from pytest_critique.cache import store as store_module

    marker = tmp_path / "PWNED"
    good = {f"good-{number}": {"data": {"answer": "YES"}, "n": number}
            for number in range(store_module._BATCH_KEYS + 7)}  # across a batch boundary
    with diskcache.Cache(str(tmp_path / "cache")) as raw:
        for key, value in good.items():
            raw.set(key, json.dumps(value))
        raw.set("pickled", _Planted(marker))
        raw.set("bytes", b'{"x": 1}')
        raw.set("not-json", "not json")
        raw.set("a-list", "[1, 2]")
    store = DiskStore(tmp_path / "cache")
    asked = ["missing", "pickled", *good, "bytes", "not-json", "a-list", "good-3", "missing"]
    with pytest.warns(CacheWarning) as warned:
        found = store.get_many(asked)
    assert not marker.exists()
    assert set(found) == set(asked)
    assert {key: found[key] for key in good} == good
    assert [found[key] for key in ("missing", "pickled", "bytes", "not-json", "a-list")] == [None] * 5
    assert store.refused["pickled"].startswith("foreign entry refused: stored as a pickle")
    assert store.refused["bytes"].startswith("foreign entry refused: stored as raw bytes")
    assert set(store.refused) == {"pickled", "bytes", "not-json", "a-list"}
    assert len(warned) == 4  # each refused entry once, though asked for in one read
    with pytest.warns(CacheWarning):
        assert {key: store.get(key) for key in asked} == found  # what reading one by one gives
    store.close()
    assert not marker.exists()


def test_reading_many_keys_from_a_directory_with_no_cache_creates_nothing(tmp_path: Path) -> None:
    store = DiskStore(tmp_path / "cache")
    assert store.get_many(["a", "b"]) == {"a": None, "b": None}
    assert not (tmp_path / "cache").exists()


@pytest.mark.parametrize("stored", ["not json", "[1, 2]", "42"])
def test_a_corrupted_entry_is_a_miss_with_a_warning(tmp_path: Path, stored: str) -> None:
    import diskcache

    with diskcache.Cache(str(tmp_path)) as raw:
        raw.set("k", stored)
    store = DiskStore(tmp_path)
    with pytest.warns(CacheWarning, match="unreadable cache entry k"):
        assert store.get("k") is None
    store.close()


def test_an_unusable_directory_means_no_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = DiskStore(blocker / "cache")
    assert store.get("k") is None  # nothing there to read
    with pytest.warns(CacheWarning, match="unusable"):
        assert store.set("k", {"x": 1}) is False
    # warned once; afterwards the store quietly behaves as empty
    assert store.set("k", {"x": 1}) is False
    assert store.get("k") is None
    assert len(store) == 0 and store.keys() == []


# --- the engine -----------------------------------------------------------------------------------


class Counting(OfflineJudge):
    name = "counting"
    cacheable = True

    def __init__(self, answer: bool = True):
        self.calls = 0
        self.verdict = answer
        self._lock = threading.Lock()

    def complete(self, call: JudgeCall) -> Reply:
        with self._lock:
            self.calls += 1
        return super().complete(call)

    def answer(self, *, question: str, response: str, instruction: str | None,
               input: str | None) -> tuple[bool, str] | None:
        return self.verdict, f"said {self.verdict}"


def item_call(question: str = "Is it a fox?", sample: int = 0) -> JudgeCall:
    return JudgeCall(
        task="tick.item", template="tick_item.j2", answer_offline=tick.ITEM.offline,
                     fields={"instruction": "", "input": "", "response": "a fox", "question": question},
                     params={"temperature": 0.0}, sample=sample)


def run(engine: JudgeEngine, judge: Any, mode: str, calls: list[JudgeCall] | None = None,
        cache_dir: str = ".critique_cache") -> list:
    return engine.run(judge, tick.ITEM, calls or [item_call()], cache=mode, cache_dir=cache_dir, concurrency=4)


@pytest.fixture
def engine(tmp_path: Path):
    engine = JudgeEngine(tmp_path)
    yield engine
    engine.close()


def test_rw_writes_then_reads(engine: JudgeEngine, tmp_path: Path) -> None:
    judge = Counting()
    [first] = run(engine, judge, "rw")
    assert (first.data, first.cached, first.usage.calls) == ({"reasoning": "said True", "answer": "YES"}, False, 1)
    [second] = run(engine, judge, "rw")
    assert (second.data, second.cached, second.usage.calls, second.usage.cached) == (first.data, True, 0, 1)
    assert judge.calls == 1
    assert (tmp_path / ".critique_cache" / ".gitignore").is_file()
    entry = engine.store_for(".critique_cache").get(first.key)
    assert entry["data"] == first.data and entry["judge"] == "counting" and entry["task"] == "tick.item"


def test_read_mode_miss_is_a_failure_that_says_how_to_record(engine: JudgeEngine, tmp_path: Path) -> None:
    judge = Counting()
    [outcome] = run(engine, judge, "read")
    assert judge.calls == 0
    assert isinstance(outcome.failure, CacheMissError)
    assert outcome.failure.kind == "cache_miss"
    message = outcome.failure.reason
    assert message.startswith(f"no cached verdict for question 'Is it a fox?' in {tmp_path / '.critique_cache'} "
                              "(cache mode 'read' makes no judge calls; key ")
    assert message.endswith("Record it by running once with --critique-cache=rw and a judge model configured.")


def test_read_mode_hit(engine: JudgeEngine) -> None:
    judge = Counting()
    run(engine, judge, "rw")
    [outcome] = run(engine, judge, "read")
    assert outcome.cached and outcome.data["answer"] == "YES"
    assert judge.calls == 1


def test_refresh_calls_and_overwrites(engine: JudgeEngine) -> None:
    judge = Counting(answer=True)
    run(engine, judge, "rw")
    judge.verdict = False
    [refreshed] = run(engine, judge, "refresh")
    assert not refreshed.cached and refreshed.data["answer"] == "NO"
    [replayed] = run(engine, judge, "read")
    assert replayed.cached and replayed.data["answer"] == "NO"
    assert judge.calls == 2


def test_off_neither_reads_nor_writes(engine: JudgeEngine, tmp_path: Path) -> None:
    judge = Counting()
    run(engine, judge, "rw")
    [outcome] = run(engine, judge, "off")
    assert not outcome.cached and judge.calls == 2
    judge2 = Counting()
    run(engine, judge2, "off", cache_dir="never")
    assert not (tmp_path / "never").exists()


def test_judges_that_are_not_cacheable_bypass_the_cache(engine: JudgeEngine, tmp_path: Path) -> None:
    judge = Counting()
    judge.cacheable = False
    run(engine, judge, "rw", cache_dir="unused")
    [outcome] = run(engine, judge, "read", cache_dir="unused")  # read mode does not block them either
    assert outcome.data["answer"] == "YES" and not outcome.cached
    assert judge.calls == 2
    assert not (tmp_path / "unused").exists()


def test_failures_are_not_cached(engine: JudgeEngine) -> None:
    class Flaky(Counting):
        def answer(self, **kwargs: Any) -> tuple[bool, str] | None:
            return None if self.calls == 1 else (True, "now")

    judge = Flaky()
    [failed] = run(engine, judge, "rw")
    assert failed.failure is not None and failed.failure.kind == "missing"
    [second] = run(engine, judge, "rw")
    assert second.data["answer"] == "YES" and not second.cached
    assert judge.calls == 2


def test_an_entry_with_an_old_schema_is_judged_again(engine: JudgeEngine) -> None:
    judge = Counting()
    [first] = run(engine, judge, "rw")
    engine.store_for(".critique_cache").set(first.key, {"data": {"old_answer_field": "yes"}})
    [again] = run(engine, judge, "rw")
    assert not again.cached and judge.calls == 2


def test_each_sample_and_question_has_its_own_entry(engine: JudgeEngine) -> None:
    judge = Counting()
    calls = [item_call(question, sample) for question in ("A?", "B?") for sample in range(3)]
    outcomes = run(engine, judge, "rw", calls)
    assert len({outcome.key for outcome in outcomes}) == 6
    assert judge.calls == 6
    assert all(outcome.cached for outcome in run(engine, judge, "rw", calls))
    assert judge.calls == 6


def test_cache_dirs_are_separate_stores(engine: JudgeEngine, tmp_path: Path) -> None:
    judge = Counting()
    run(engine, judge, "rw", cache_dir="a")
    [outcome] = run(engine, judge, "rw", cache_dir=str(tmp_path / "b"))
    assert not outcome.cached
    assert engine.store_for("a") is engine.store_for(str(tmp_path / "a"))
    assert (tmp_path / "b" / ".gitignore").is_file()


def test_bad_mode_reaches_the_engine_as_a_usage_error(engine: JudgeEngine) -> None:
    with pytest.raises(CritiqueUsageError, match="unknown cache mode 'sometimes'"):
        run(engine, Counting(), "sometimes")
