"""The reply corpus (tests/replies): every reply a model might write, read as the answer it states or not
at all.  Goals: at least 98% of readable replies read right per task, and no reply ever read wrong."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "replies"))

from reading import HERE, UNREADABLE, figures, read, rows  # noqa: E402

CORPUS = rows("corpus.jsonl")
HELD_OUT = rows("held_out.jsonl")


def test_the_corpus_is_large_and_covers_every_task() -> None:
    assert len(CORPUS) >= 300
    by_task = {row["task"] for row in CORPUS}
    assert by_task == {"tick.item", "tick.batch", "checkeval.subaspect", "steps.step", "steps.first_error",
                       "pairwise.compare", "rubric.grade"}
    for task in by_task:
        labels = [row["expect"] for row in CORPUS if row["task"] == task]
        assert UNREADABLE in labels and any(label != UNREADABLE for label in labels), task


def test_the_committed_files_are_what_the_script_writes(tmp_path: Path) -> None:
    script = HERE / "make_corpus.py"
    copy = tmp_path / "make_corpus.py"
    copy.write_text(script.read_text(encoding="utf-8"), encoding="utf-8")
    subprocess.run([sys.executable, str(copy)], check=True, capture_output=True)
    for name in ("corpus.jsonl", "held_out.jsonl"):
        assert (tmp_path / name).read_text(encoding="utf-8") == (HERE / name).read_text(encoding="utf-8"), name


@pytest.mark.parametrize("row", CORPUS + HELD_OUT, ids=lambda row: f"{row['task']}-{row['style']}")
def test_no_reply_is_ever_read_as_another_answer(row: dict) -> None:
    got, problem = read(row)
    assert got in (UNREADABLE, row["expect"]), f"{row['reply']!r} read as {got!r}, states {row['expect']!r}"


@pytest.mark.parametrize("task", sorted({row["task"] for row in CORPUS}))
def test_at_least_98_percent_of_readable_replies_are_read(task: str) -> None:
    counts = figures([row for row in CORPUS if row["task"] == task])[task]
    missed = [(row["style"], row["reply"][:80], read(row)[1]) for row in CORPUS
              if row["task"] == task and row["expect"] != UNREADABLE and read(row)[0] == UNREADABLE]
    assert counts["read"] >= 0.98 * counts["readable"], json.dumps(missed, indent=1)


def test_replies_labelled_unreadable_give_a_reason_for_the_repair_request() -> None:
    for row in CORPUS:
        if row["expect"] == UNREADABLE:
            got, problem = read(row)
            assert got == UNREADABLE and problem, row
