"""The drift index's records on the directory store: written in batches and at the end, added to
what other workers wrote, and read as untrusted data."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from pytest_critique import drift
from pytest_critique.backends.base import JudgeCall
from pytest_critique.cache.keys import cache_key
from pytest_critique.cache.store import DiskStore


def question(number: int) -> JudgeCall:
    return JudgeCall(task="tick.item", template="item.j2", fields={"response": "a fox", "question": f"Q{number}?"})


def digest(call: JudgeCall) -> str:
    return cache_key(task=call.task, judge="", template_digest="", params=call.params, fields=call.fields,
                     sample=call.sample)


def test_records_are_written_in_batches_and_the_rest_when_the_index_closes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(drift, "WRITTEN_EVERY", 3)
    index = drift.DriftIndex(DiskStore(tmp_path / "cache"))
    reader = DiskStore(tmp_path / "cache").sub("drift")
    for number in range(4):
        assert index.observe("openai/v1", question(number), {f"Q{number}?": "YES"}) == []
    assert sorted(reader.keys()) == sorted(digest(question(number)) for number in range(3))
    # the fourth is not written yet, but this process already compares with it
    assert index.observe("openai/v1", question(3), {"Q3?": "NO"})[0]["before"] == "YES"
    index.close()
    assert reader.get(digest(question(3)))["openai/v1"]["verdicts"] == {"Q3?": "NO"}
    reader.close()


def test_records_of_two_workers_on_one_request_are_both_kept(tmp_path: Path) -> None:
    first, second = (drift.DriftIndex(DiskStore(tmp_path / "cache")) for _ in range(2))
    first.observe("openai/v1", question(1), {"Q1?": "YES"})
    second.observe("openai/v2", question(1), {"Q1?": "NO"})
    second.close()
    first.close()  # written last: it adds to the record, it does not replace it
    record = DiskStore(tmp_path / "cache").sub("drift").get(digest(question(1)))
    assert record is not None and set(record) == {"openai/v1", "openai/v2"}


def test_planted_records_are_never_unpickled_nor_compared_with(tmp_path: Path) -> None:
    planted = DiskStore(tmp_path / "cache").sub("drift")
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    planted.set(digest(question(2)), {"openai/old": "not a record", "openai/older": {"time": "late", "verdicts": 1},
                                      "openai/oldest": {"time": 1.0, "verdicts": "not a mapping"}})
    planted._open()._sql("INSERT INTO Cache (key, raw, store_time, expire_time, access_time, access_count, tag, "
                         "size, mode, filename, value) VALUES (?, 1, 0, NULL, 0, 0, NULL, 0, 4, NULL, ?)",
                         (digest(question(3)), pickle.dumps(Trap())))
    planted.close()
    index = drift.DriftIndex(DiskStore(tmp_path / "cache"))
    with pytest.warns(Warning, match="foreign entry refused"):
        assert index.observe("openai/new", question(3), {"Q3?": "YES"}) == []
    assert index.observe("openai/new", question(2), {"Q2?": "YES"}) == []
    index.close()
    assert not marker.exists()
    reader = DiskStore(tmp_path / "cache").sub("drift")
    record = reader.get(digest(question(3)))
    assert record is not None and list(record) == ["openai/new"] and record["openai/new"]["verdicts"] == {"Q3?": "YES"}
    reader.close()

