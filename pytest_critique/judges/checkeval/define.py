"""``Critic.define_dimension()``: a CheckEval checklist for a dimension the user defines in words
(Lee et al.'s construction).

Seed questions per sub-aspect (the user's, or written by the judge from the definition); two
independent augmentations, one that rephrases (diversity) and one that splits into more specific
checks (elaboration); then a filter that keeps or drops each candidate with a reason (YES would be
bad, off the dimension, redundant), and a YAML file for the user to review and commit.  While that
file exists it is read as it is: nothing is regenerated.
"""

from __future__ import annotations

import datetime
import re
import warnings
from pathlib import Path
from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, Field, field_validator

from ...backends.base import Backend, JudgeCall, OfflineJudge
from ...errors import CritiqueUsageError, CritiqueWarning, JudgeFailure, UnscoredError
from ...files import write_atomically
from ...models import Usage
from ...tasks import ReplyProblem, Task, one_per_entry, tokens_per
from ..context import JudgeContext
from .files import dump_checklist, load_checklist
from .models import CheckEvalChecklist, Dimension, Question, SubAspect

MIN_SUB_ASPECTS, MAX_SUB_ASPECTS = 1, 6
MAX_QUESTIONS = 8


def _clean_questions(questions: list[str]) -> list[str]:
    cleaned = [re.sub(r"^\s*(?:[-*•]|\d+[.)]|Q\d+[.:)])\s*", "", question).strip() for question in questions]
    if any(not question for question in cleaned):
        raise ValueError("every question must be non-empty")
    return cleaned


class SeedSubAspect(BaseModel):
    name: str = Field(min_length=1)
    questions: list[str] = Field(min_length=1, max_length=MAX_QUESTIONS)

    _clean = field_validator("questions")(lambda cls, value: _clean_questions(value))


class Seeds(BaseModel):
    sub_aspects: list[SeedSubAspect] = Field(min_length=MIN_SUB_ASPECTS, max_length=MAX_SUB_ASPECTS)


class Augmented(BaseModel):
    questions: list[str] = Field(max_length=MAX_QUESTIONS * 2)

    _clean = field_validator("questions")(lambda cls, value: _clean_questions(value))


DropReason = Literal["keep", "wrong_polarity", "off_dimension", "redundant"]


class Decision(BaseModel):
    question: int | None = None
    decision: DropReason
    reason: str = ""

    @field_validator("decision", mode="before")
    @classmethod
    def _normalise(cls, value: object) -> object:
        return value.strip().lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value


class FilterDecisions(BaseModel):
    decisions: list[Decision]


def _named_as_asked(answer: Seeds, call: JudgeCall) -> None:
    wanted = call.fields.get("sub_aspects") or []
    got = [sub_aspect.name.strip() for sub_aspect in answer.sub_aspects]
    if wanted and got != list(wanted):
        raise ReplyProblem(f"the sub-aspects must be exactly {wanted}, in that order; got {got}")
    if len(set(name.lower() for name in got)) != len(got):
        raise ReplyProblem(f"sub-aspect names must not repeat, got {got}")


def _one_decision_per_candidate(answer: FilterDecisions, call: JudgeCall) -> None:
    one_per_entry(answer.decisions, len(call.fields["candidates"]), "decision", "candidate")


def _offline_seeds(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    fields = call.fields
    wanted = list(fields.get("sub_aspects") or [])
    seeded = judge.dimension_questions(dimension=fields["dimension"], definition=fields["definition"],
                                       sub_aspects=wanted)
    if not seeded:
        raise JudgeFailure(f"{judge.name} has no questions for dimension {fields['dimension']!r}", "missing")
    if wanted:
        absent = [name for name in wanted if not seeded.get(name)]
        if absent:
            raise JudgeFailure(f"{judge.name} has no questions for sub-aspects {absent} of dimension "
                               f"{fields['dimension']!r}", "missing")
        seeded = {name: seeded[name] for name in wanted}
    return {"sub_aspects": [{"name": name, "questions": list(questions)} for name, questions in seeded.items()]}


# An offline judge seeds questions; it adds none when augmenting and keeps all when filtering.
SEED = Task("checkeval.seed", "checkeval_seed.j2", Seeds, check=_named_as_asked, offline=_offline_seeds,
            tokens=lambda fields: 2048)
AUGMENT = Task("checkeval.augment", "checkeval_augment.j2", Augmented,
               offline=lambda judge, call: {"questions": []})
FILTER = Task("checkeval.filter", "checkeval_filter.j2", FilterDecisions, check=_one_decision_per_candidate,
              offline=lambda judge, call: {"decisions": [{"decision": "keep"} for _ in call.fields["candidates"]]},
              tokens=tokens_per(256, 128, "candidates"))


DROP_LABELS = {"wrong_polarity": "YES would be bad", "off_dimension": "off the dimension", "redundant": "redundant",
               "repeat": "repeats an earlier question"}


def normalised(question: str) -> str:
    """A question reduced to its words, to spot repeats that differ in case, spacing or punctuation."""
    return " ".join(re.sub(r"[^\w\s]", " ", question.lower()).split())


class _Steps:
    """Runs the generation calls for one dimension and remembers what they cost."""

    def __init__(self, context: JudgeContext, backend: Backend, name: str, definition: str):
        self.context, self.backend = context, backend
        self.fields = {"dimension": name, "definition": definition}
        self.usage = Usage()

    def ask(self, task: Task[Any], fields: dict[str, Any]) -> dict[str, Any]:
        call = self.context.call(task, {**self.fields, **fields}, 0, self.context.settings.effective_temperature(1))
        [outcome] = self.context.run(self.backend, task, [call])
        self.usage = self.usage + outcome.usage
        if outcome.failure is not None or outcome.data is None:
            reason = outcome.failure.reason if outcome.failure else "no data"
            raise UnscoredError(f"could not generate the checklist of dimension "
                                f"{self.fields['dimension']!r} ({task.name}): {reason}")
        return outcome.data


def _seeds(steps: _Steps, sub_aspects: Sequence[str] | None,
           given: dict[str, list[str]]) -> dict[str, list[str]]:
    """Seed questions by sub-aspect: the user's, and the judge's for named sub-aspects the user left empty.

    Without any user seeds the judge also chooses the sub-aspects unless they are named.
    """
    named = list(sub_aspects or [])
    missing = [name for name in named if name not in given]
    if given and not missing:
        return {**{name: given[name] for name in named}, **given}
    data = steps.ask(SEED, {"sub_aspects": missing})
    written = {item["name"].strip(): item["questions"] for item in data["sub_aspects"]}
    return {**{name: given.get(name) or written[name] for name in named or written}, **given}


def _candidates(steps: _Steps, sub_aspect: str, seeded: list[str]) -> tuple[list[str], list[str]]:
    """The seed questions, then both augmentations, without repeats of the same words; and the repeats."""
    found: list[str] = []
    repeats: list[str] = []
    seen: set[str] = set()
    pools = [seeded]
    for mode in ("diversify", "elaborate"):
        pools.append(steps.ask(AUGMENT, {"sub_aspect": sub_aspect, "questions": seeded, "mode": mode,
                                         "limit": MAX_QUESTIONS})["questions"])
    for question in (question for pool in pools for question in pool):
        key = normalised(question)
        if key and key not in seen:
            seen.add(key)
            found.append(question.strip())
        elif key:
            repeats.append(question.strip())
    return found, repeats


def _filtered(steps: _Steps, sub_aspect: str, candidates: list[str], protected: set[str]
              ) -> tuple[list[str], list[tuple[str, str]], list[tuple[str, str]]]:
    """The candidates the filter keeps, plus the ``protected`` ones (questions the user wrote); the
    dropped ones; and the user's questions the filter would have dropped (each with its decision)."""
    decisions = steps.ask(FILTER, {"sub_aspect": sub_aspect, "candidates": candidates})["decisions"]
    kept, dropped, overruled = [], [], []
    for question, decision in zip(candidates, decisions):
        if decision["decision"] == "keep":
            kept.append(question)
        elif normalised(question) in protected:
            kept.append(question)
            overruled.append((question, decision["decision"]))
        else:
            dropped.append((question, decision["decision"]))
    return kept, dropped, overruled


def _yaml_text(checklist: CheckEvalChecklist, judge: str, dropped: list[tuple[str, str, str]],
               overruled: list[tuple[str, str, str]]) -> str:
    dimension = checklist.dimensions[0].name
    header = [f"# CheckEval checklist for the dimension {dimension!r}, generated by pytest-critique",
              f"# with the judge {judge} on {datetime.date.today().isoformat()}.",
              "# Review the questions, edit them as you see fit, and commit this file: while it exists it is",
              "# used as it is (delete it to generate the checklist again).  YES is the good answer to every",
              "# question here unless marked `yes_is_good: false`."]
    if dropped:
        header.append("# Candidates dropped (by the filter; repeats of the same words before it):")
        header.extend(f"#   [{sub_aspect} · {DROP_LABELS[reason]}] {' '.join(question.split())}"
                      for sub_aspect, question, reason in dropped)
    if overruled:
        header.append("# Your seed questions, kept although the filter judged them (check them):")
        header.extend(f"#   [{sub_aspect} · {DROP_LABELS[reason]}] {' '.join(question.split())}"
                      for sub_aspect, question, reason in overruled)
    return "\n".join(header) + "\n" + dump_checklist(checklist)


def _write_atomically(path: Path, text: str) -> None:
    try:
        write_atomically(path, text)
    except OSError as exc:
        raise CritiqueUsageError(f"cannot write the generated checklist to {path}: {exc}") from None


def define_dimension(context: JudgeContext, name: str, definition: str, path: Path,
                     sub_aspects: Sequence[str] | None,
                     seeds: Mapping[str, Sequence[str]] | None) -> tuple[CheckEvalChecklist, Usage]:
    if path.is_dir():
        raise CritiqueUsageError(f"{path} is a directory; give the YAML file to write the checklist to")
    if path.exists():
        existing = load_checklist(path)
        if name not in existing.dimension_names:
            raise CritiqueUsageError(f"{path} holds dimensions {', '.join(existing.dimension_names)}, "
                                     f"not {name!r}; use another path or delete the file to generate it again")
        return existing.select([name]), Usage()
    backend = context.backend()
    steps = _Steps(context, backend, name, definition)
    given = {name: list(questions) for name, questions in (seeds or {}).items()}
    built: list[SubAspect] = []
    dropped: list[tuple[str, str, str]] = []
    overruled: list[tuple[str, str, str]] = []
    for sub_aspect, questions in _seeds(steps, sub_aspects, given).items():
        protected = {normalised(question) for question in given.get(sub_aspect, [])}
        candidates, repeats = _candidates(steps, sub_aspect, list(questions))
        kept, thrown, kept_anyway = _filtered(steps, sub_aspect, candidates, protected)
        dropped.extend((sub_aspect, question, "repeat") for question in repeats)
        dropped.extend((sub_aspect, question, reason) for question, reason in thrown)
        overruled.extend((sub_aspect, question, reason) for question, reason in kept_anyway)
        for question, reason in kept_anyway:
            if reason == "wrong_polarity":
                warnings.warn(CritiqueWarning(
                    f"define_dimension({name!r}): your seed question {question!r} ({sub_aspect}) was kept, but the "
                    "filter judged that YES to it would be bad; CheckEval counts YES as good. Reword it, or mark "
                    f"it `yes_is_good: false` in {path.name}"), stacklevel=2)
        if kept:
            made = [Question(text=question, weight=1.0) for question in kept]
            built.append(SubAspect(name=sub_aspect, questions=made))
    if not built:
        raise UnscoredError(f"the filter dropped every question generated for dimension {name!r}")
    checklist = CheckEvalChecklist(dimensions=[Dimension(name=name, definition=definition, sub_aspects=built)])
    _write_atomically(path, _yaml_text(checklist, backend.name, dropped, overruled))
    return load_checklist(path), steps.usage
