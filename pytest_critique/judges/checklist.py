"""The checklist kind, TICK (Cook et al., 2024): generate YES/NO questions, then judge each one.

Generation sees the instruction only; judging sees instruction, response and one question,
and reasons before answering.  A batched variant judges all questions in one call.  A jury
judges every question with each juror and decides by its rule.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, Field, field_validator, model_validator

from ..agreement import fleiss_kappa
from ..backends.base import Backend, JudgeCall, OfflineJudge
from ..errors import JudgeFailure, UnscoredError
from ..html_parts import Html, collapsible, exchange, join, line, row, rows, votes
from ..models import Checklist, ChecklistVerdict, ItemVerdict, Usage
from ..report_text import exchange_lines, judge_label, listed, plural, shorten, tally, wrapped
from ..tasks import (ANSWER_END, HEDGE, NOT_EITHER, ReplyProblem, Statements, Task, numbered_answers, one_per_entry,
                     tokens_per)
from .context import JudgeContext, total_usage
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid
from .votes import check_rule, jury_item, jury_label, majority_item

MAX_GENERATED = 50
"""More questions than this is never a checklist (the max_questions setting is checked per request)."""

_WORDS = {"YES": "YES", "NO": "NO", "TRUE": "YES", "FALSE": "NO"}
_LEADING_WORD = re.compile(r"^\s*(yes|no)\s*[,.;:!\u2014\u2013-]", re.IGNORECASE)


def _yes_no(value: Any) -> Any:
    """YES or NO from a bool, a word in any case and markup, or a sentence that begins with one
    (``"Yes, it does."``); anything else is left for validation to refuse."""
    if isinstance(value, bool):
        return "YES" if value else "NO"
    if isinstance(value, str):
        word = value.strip().strip(".*_`'\" ").upper()
        if word in _WORDS:
            return _WORDS[word]
        leading = _LEADING_WORD.match(value)
        if leading and not HEDGE.match(value[leading.end():]):
            return leading.group(1).upper()
        return word
    return value


def answer_list(data: Any) -> Any:
    """The answers of a batch in the shapes models give them: ``{"answers": [...]}`` with objects or
    bare words, or the answers keyed by question (``{"Q1": "YES", "Q2": "NO"}``, also under
    ``answers``), made into the list of objects the schema wants."""
    if not isinstance(data, dict):
        return data
    answers = data.get("answers", data if "answers" not in data else None)
    if isinstance(answers, dict):
        keyed = {}
        for key, value in answers.items():
            number = re.fullmatch(r"\s*(?:q|question)?\s*_?(\d{1,3})\s*", str(key), re.IGNORECASE)
            if number is None:
                return data
            keyed[int(number.group(1))] = value
        answers = [value if isinstance(value, dict) else {"question": number, "answer": value}
                   for number, value in sorted(keyed.items())]
        answers = [{"question": number, **value} if isinstance(value, dict) and "question" not in value else value
                   for number, value in zip(sorted(keyed), answers)]
    if isinstance(answers, list):
        answers = [{"question": number, "answer": item} if isinstance(item, (str, bool)) else item
                   for number, item in enumerate(answers, start=1)]
        return {**{key: value for key, value in data.items() if key == "reasoning"}, "answers": answers}
    return data


def _answer_key(data: Any) -> Any:
    """``{"verdict": "NO"}`` for ``{"answer": "NO"}``: one other decision key, and no ``answer``."""
    if isinstance(data, dict) and "answer" not in data:
        others = [key for key in ("verdict", "result", "decision", "judgment", "judgement") if key in data]
        if len(others) == 1:
            return {**data, "answer": data[others[0]]}
    return data


class ItemAnswer(BaseModel):
    reasoning: str = ""
    answer: Literal["YES", "NO"]

    _normalise = field_validator("answer", mode="before")(_yes_no)
    _keys = model_validator(mode="before")(_answer_key)


class BatchItem(BaseModel):
    question: int | None = None
    reasoning: str = ""
    answer: Literal["YES", "NO"]

    _normalise = field_validator("answer", mode="before")(_yes_no)


class BatchAnswer(BaseModel):
    answers: list[BatchItem]

    _shapes = model_validator(mode="before")(answer_list)


class GeneratedChecklist(BaseModel):
    analysis: str = ""
    questions: list[str] = Field(min_length=1, max_length=MAX_GENERATED)

    @field_validator("questions")
    @classmethod
    def _clean(cls, questions: list[str]) -> list[str]:
        # One line each: a question is shown in a numbered list, where a line break would start another.
        cleaned = [" ".join(re.sub(r"^\s*(?:[-*•]|\d+[.)]|Q\d+[.:)])\s*", "", q).split()) for q in questions]
        if any(not q for q in cleaned):
            raise ValueError("every question must be non-empty")
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("questions must not repeat")
        return cleaned


def _within_size(answer: GeneratedChecklist, call: JudgeCall) -> None:
    most = int(call.fields.get("max_questions") or 12)
    if len(answer.questions) > most:
        raise ReplyProblem(f"write at most {most} questions; the reply has {len(answer.questions)}")


# Each run of spaces and markup is one quantifier: overlapping ones backtrack badly on long lines.
_LABEL = (r"(?:^|(?<=[.!?])\s)[\s*_>#-]*(?:my\s+)?(?:final\s+)?(?:answer|verdict|decision|judg(?:e)?ment|"
          r"conclusion|result|(?:requirement\s+)?(?:met|satisfied|fulfilled))(?:[\s*_\"':=-]|\bis\b)*")
YES_NO_STATEMENTS = Statements(
    "answer",
    patterns=(re.compile(_LABEL + r"(yes|no)" + ANSWER_END + NOT_EITHER, re.IGNORECASE),
              re.compile(r"\b(?:the\s+)?(?:final\s+)?answer(?:\s+to\s+(?:the|this)\s+question)?\s+(?:is|would\s+be)"
                         r"[\s:*_\"']*(yes|no)" + ANSWER_END + NOT_EITHER, re.IGNORECASE),
              re.compile(r"\bi(?:'d|\s+would)\s+say[\s*_\"']*(yes|no)" + ANSWER_END + NOT_EITHER, re.IGNORECASE),
              # a last sentence that is only the answer: "Does it name the order? Yes."
              re.compile(r"[.!?]\s+[*_\"']*(yes|no)[*_\"']*[.!]?\s*$", re.IGNORECASE)),
    bare={"yes": "YES", "no": "NO", "met": "YES", "not met": "NO", "requirement met": "YES",
          "requirement not met": "NO"},
    convert=lambda found: {"YES": "YES", "NO": "NO"}[found.upper()], leading={"yes": "YES", "no": "NO"})
"""How a prose reply states YES or NO: ``Answer: YES``, ``**Verdict:** no``, ``The answer is yes.``,
a line that is only ``Yes.``, or one that begins ``No, ...``."""


def _one_answer_per_question(answer: BatchAnswer, call: JudgeCall) -> None:
    """One answer per question in order; or fewer, when each says which question it answers (the
    questions left unanswered are then asked one by one: nothing is padded)."""
    expected = len(call.fields["questions"])
    numbers = [item.question for item in answer.answers]
    if (0 < len(numbers) < expected and all(number is not None for number in numbers)
            and len(set(numbers)) == len(numbers) and all(1 <= (number or 0) <= expected for number in numbers)):
        return
    one_per_entry(answer.answers, expected, "answer", "question")


def _by_question(data: dict[str, Any] | None, count: int) -> list[dict[str, Any] | None]:
    """A batch's answers by question (None where it left one out)."""
    if data is None:
        return [None] * count
    answers = data["answers"]
    if len(answers) == count and all(answer.get("question") is None for answer in answers):
        return list(answers)
    placed: dict[int, dict[str, Any]] = {answer["question"]: answer for answer in answers}
    return [placed.get(number) for number in range(1, count + 1)]


def _context(fields: dict[str, Any]) -> dict[str, Any]:
    return {"response": fields.get("response", ""), "instruction": fields.get("instruction"),
            "input": fields.get("input")}


def _offline_item(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    return judge.yes_no(question=call.fields["question"], **_context(call.fields))


def _offline_batch(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    return {"answers": [{"question": number, **judge.yes_no(question=question, **_context(call.fields))}
                        for number, question in enumerate(call.fields["questions"], start=1)]}


def _offline_generate(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    questions = judge.checklist(instruction=call.fields["instruction"], input=call.fields.get("input") or None)
    if questions is None:
        raise JudgeFailure(f"{judge.name} has no checklist for this instruction; pass items=[...] "
                           "or freeze a checklist", "missing")
    return {"analysis": "", "questions": list(questions)}


def answers_by_question(data: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A batch's answers (also a CheckEval sub-aspect's) by question: what drift compares."""
    return {question: answer["answer"] for question, answer in zip(fields["questions"], data["answers"])}


ITEM = Task("tick.item", "tick_item.j2", ItemAnswer, text_fallback=YES_NO_STATEMENTS,
            failing=lambda answer: answer == "NO", offline=_offline_item,
            decided=lambda data, fields: {fields["question"]: data["answer"]})
BATCH = Task("tick.batch", "tick_batch.j2", BatchAnswer, check=_one_answer_per_question, offline=_offline_batch,
             text_fallback=numbered_answers,
             decided=answers_by_question, tokens=tokens_per(256, 256, "questions"))
GENERATE = Task("tick.generate", "tick_generate.j2", GeneratedChecklist, offline=_offline_generate,
                check=_within_size, tokens=lambda fields: 1536)


# Judging.

def checklist_for(context: JudgeContext, instruction: str, input: str | None,
                  backend: Backend | None = None) -> tuple[Checklist, Usage]:
    """The checklist of an instruction: from the frozen file, else generated (and cached)."""
    __tracebackhide__ = True
    frozen = context.frozen().lookup(instruction, input)
    if frozen is not None:
        return Checklist(questions=frozen, instruction=instruction, input=input, source="frozen"), Usage()
    backend = backend or context.backend()
    fields = {"instruction": instruction, "input": input or "", "max_questions": context.settings.max_questions}
    [outcome] = context.run(backend, GENERATE, [context.call(GENERATE, fields)])
    if outcome.failure is not None or outcome.data is None:
        reason = outcome.failure.reason if outcome.failure else "no data"
        raise UnscoredError(f"could not obtain a checklist for the instruction: {reason}")
    questions = outcome.data["questions"]
    context.new_checklists.append({"instruction": instruction, "input": input, "questions": questions,
                                   "generator": backend.name})
    checklist = Checklist(questions=questions, instruction=instruction, input=input, source="generated",
                          generator=backend.name)
    return checklist, outcome.usage


def judge_items(context: JudgeContext, backend: Backend, checklist: Checklist, response: str,
                settings: Any = None) -> tuple[list[ItemVerdict], Usage]:
    """Every question of ``checklist`` judged against ``response``: ``samples`` votes each, majority decides."""
    settings = settings or context.settings
    samples = settings.samples
    temperature = settings.effective_temperature(samples)
    fields = {"instruction": checklist.instruction or "", "input": checklist.input or "", "response": response}
    questions = checklist.questions
    if settings.batch:
        calls = [context.call(BATCH, {**fields, "questions": questions}, sample, temperature, settings)
                 for sample in range(samples)]
        outcomes = context.run(backend, BATCH, calls, settings)
        answered = [_by_question(outcome.data, len(questions)) for outcome in outcomes]
        per_item = [[(outcome, answers[index]) for outcome, answers in zip(outcomes, answered)]
                    for index in range(len(questions))]
        left_out = [(index, sample) for sample, (outcome, answers) in enumerate(zip(outcomes, answered))
                    if outcome.data is not None for index, answer in enumerate(answers) if answer is None]
        if left_out:  # asked one by one, each cached on its own
            again = context.run(backend, ITEM, [context.call(ITEM, {**fields, "question": questions[index]}, sample,
                                                             temperature, settings) for index, sample in left_out],
                                settings)
            for (index, sample), outcome in zip(left_out, again):
                per_item[index][sample] = (outcome, outcome.data)
            outcomes = [*outcomes, *again]
    else:
        calls = [context.call(ITEM, {**fields, "question": question}, sample, temperature, settings)
                 for question in questions for sample in range(samples)]
        outcomes = context.run(backend, ITEM, calls, settings)
        per_item = [[(outcome, outcome.data) for outcome in outcomes[index * samples:(index + 1) * samples]]
                    for index in range(len(questions))]
    verdicts = [majority_item(index, question, [o for o, _ in pairs], [a for _, a in pairs],
                              min_agreement=settings.min_agreement, on_unstable=settings.on_unstable)
                for index, (question, pairs) in enumerate(zip(questions, per_item), start=1)]
    return verdicts, total_usage(outcomes)


def _judge_by_jury(context: JudgeContext, jurors: list[Backend], checklist: Checklist,
                   response: str) -> tuple[list[ItemVerdict], Usage]:
    """Every juror judges every question (each juror's verdicts cached on their own)."""
    judged = context.map(lambda juror: judge_items(context, juror, checklist, response), jurors, len(jurors))
    usage = Usage()
    for _, juror_usage in judged:
        usage = usage + juror_usage
    items = [jury_item(index, question, [(juror.name, items[index - 1]) for juror, (items, _) in
                                         zip(jurors, judged)], context.settings.jury_rule)
             for index, question in enumerate(checklist.questions, start=1)]
    return items, usage


def judge(context: JudgeContext, response: str, *, instruction: str | None, items: list[str] | None,
          input: str | None, jury: Sequence[Any] | None) -> ChecklistVerdict:
    """The checklist verdict on ``response`` (arguments already checked by the Critic)."""
    __tracebackhide__ = True
    settings = context.settings
    usage = Usage()
    jurors = context.jurors(jury)
    if jurors:
        check_rule(settings.jury_rule, len(jurors))  # before any call: a usage error costs nothing
    if items is not None:
        checklist = Checklist(questions=items, instruction=instruction, input=input)
    else:  # a jury's first juror writes the checklist
        checklist, usage = checklist_for(context, instruction or "", input, jurors[0] if jurors else None)
    if jurors:
        context.note_jury(jurors)
        judged, judged_usage = _judge_by_jury(context, jurors, checklist, response)
        names = [juror.name for juror in jurors]
        label, offline = jury_label(names, settings.jury_rule), all(juror.offline for juror in jurors)
    else:
        backend = context.backend()
        judged, judged_usage = judge_items(context, backend, checklist, response)
        names, label, offline = [], backend.name, backend.offline
    return ChecklistVerdict(
        judge=label, offline=offline, checklist=checklist, items=judged,
        threshold=settings.threshold, samples=settings.samples, batch=settings.batch,
        min_agreement=settings.min_agreement, jury=names, jury_rule=settings.jury_rule if names else None,
        usage=usage + judged_usage, response=response)


# Reporting (on the JSON form of verdicts).

def _mark(item: Mapping[str, Any]) -> str:
    answer = item.get("answer")
    return "?" if answer is None else ("✓" if answer else "✗")


def _votes(item: Mapping[str, Any]) -> str:
    votes = item.get("votes") or []
    if len(votes) <= 1:
        return "[unstable] " if item.get("unstable") else ""
    unstable = " · unstable" if item.get("unstable") else ""
    return f"[{tally([vote['answer'] for vote in votes])}{unstable}] "


def _juror_answer(juror: Mapping[str, Any]) -> str:
    answer = juror.get("answer")
    said = "no verdict" if answer is None else ("YES" if answer else "NO")
    votes = juror.get("votes") or []
    if len(votes) > 1:
        said += f" ({tally([vote['answer'] for vote in votes])}{', unstable' if juror.get('unstable') else ''})"
    return f"{juror.get('judge')} {said}"


def _jurors_line(item: Mapping[str, Any], width: int) -> list[str]:
    jurors = item.get("jurors") or []
    if not jurors:
        return []
    split = " (split)" if len({juror.get("answer") for juror in jurors}) > 1 else ""
    return wrapped("jurors: " + " · ".join(_juror_answer(juror) for juror in jurors) + split, width)


class _Jury:
    def __init__(self, names: list[str]):
        self.names = names
        self.rules: dict[str, None] = {}
        self.ratings: list[list[bool]] = []
        self.split: list[tuple[str, int, str, list[tuple[str, bool]]]] = []

    @property
    def kappa(self) -> float | None:
        return fleiss_kappa(self.ratings)


class ChecklistFigures(Figures):
    """Pooled YES over scored questions (InFoBench's DRFR over the run), and each jury's agreement."""

    def __init__(self) -> None:
        self.items = self.cached_items = self.unscored_items = self.yes = 0
        self.juries: dict[tuple[str, ...], _Jury] = {}

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        for item in verdict.get("items", []):
            self.items += 1
            self.cached_items += bool(item.get("cached"))
            self.yes += item.get("answer") is True
            self.unscored_items += item.get("answer") is None
            if item.get("answer") is False:
                counts.failing.append(Failing(nodeid, item["index"], item["question"], test_passed))
            if item.get("unstable"):
                votes = item.get("votes") or []
                shown = f" [{tally([vote['answer'] for vote in votes])}]" if votes else " (a juror's votes)"
                counts.unstable.append((nodeid, f"#{item['index']} {item['question']}{shown}"))
        counts.judged += len(verdict.get("items", []))
        counts.cached += sum(1 for item in verdict.get("items", []) if item.get("cached"))
        if verdict.get("jury"):
            self._add_jury(nodeid, verdict)

    def _add_jury(self, nodeid: str, verdict: Mapping[str, Any]) -> None:
        names = list(verdict["jury"])
        jury = self.juries.setdefault(tuple(names), _Jury(names))  # agreement does not depend on the rule
        jury.rules[verdict.get("jury_rule") or "majority"] = None
        for item in verdict.get("items", []):
            answers = [juror.get("answer") for juror in item.get("jurors", [])]
            if len(answers) != len(names) or any(answer is None for answer in answers):
                continue
            jury.ratings.append(answers)
            if len(set(answers)) > 1:
                jury.split.append((nodeid, item["index"], item["question"], list(zip(names, answers))))

    def tiles(self) -> list[tuple[str, str, str]]:
        found = []
        if self.scored_items:
            found.append(("pooled pass rate", f"{self.pass_rate:.3f}", f"{self.yes} of {self.scored_items} items YES"))
        for jury in self.juries.values():
            kappa = jury.kappa
            found.append(("jury agreement", "n/a" if kappa is None else f"{kappa + 0.0:.3f}",
                          f"Fleiss' kappa of {', '.join(jury.names)} · split on {len(jury.split)} of "
                          f"{plural(len(jury.ratings), 'item')}"))
        return found

    @property
    def scored_items(self) -> int:
        return self.items - self.unscored_items

    @property
    def pass_rate(self) -> float:
        return self.yes / self.scored_items if self.scored_items else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"items": self.items, "cached_items": self.cached_items, "unscored_items": self.unscored_items,
                "yes": self.yes, "pass_rate": self.pass_rate,
                "juries": [{"jurors": jury.names, "rules": list(jury.rules), "items": len(jury.ratings),
                            "fleiss_kappa": jury.kappa,
                            "split": [{"nodeid": nodeid, "index": index, "question": question,
                                       "votes": {name: answer for name, answer in votes}}
                                      for nodeid, index, question, votes in jury.split]}
                           for jury in self.juries.values()]}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        lines = []
        if self.scored_items:
            unscored = f" ({self.unscored_items} unscored not counted)" if self.unscored_items else ""
            lines.append(f"pooled pass rate {self.yes}/{self.scored_items} = {self.pass_rate:.3f}{unscored}")
        for jury in self.juries.values():
            kappa = jury.kappa
            shown = "n/a" if kappa is None else f"{kappa + 0.0:.3f}"  # + 0.0: no "-0.000"
            lines.append(f"jury {', '.join(jury.names)} ({', '.join(jury.rules)}): "
                         f"{plural(len(jury.ratings), 'item')}, "
                         f"Fleiss' kappa {shown}, split on {len(jury.split)}")
            lines.extend(listed([f"  {show_nodeid(nodeid)}  #{index} {shorten(question, 60)}  ("
                                 + " · ".join(f"{name} {'YES' if answer else 'NO'}" for name, answer in votes) + ")"
                                 for nodeid, index, question, votes in jury.split], max_listed))
        return lines


def _unscored_reason(item: Mapping[str, Any]) -> str:
    return str(item.get("error") or item.get("reason") or "no verdict")


def _shared_reasons(items: Sequence[Mapping[str, Any]]) -> dict[str, list[int]]:
    """UNSCORED reasons that more than one item has, with the items' numbers: said once, not under each."""
    by_reason: dict[str, list[int]] = {}
    for item in items:
        if item.get("answer") is None:
            by_reason.setdefault(_unscored_reason(item), []).append(int(item.get("index", 0)))
    return {reason: numbers for reason, numbers in by_reason.items() if len(numbers) > 1}


def _item_numbers(numbers: Sequence[int]) -> str:
    """``item 2``, ``items 1-3``, ``items 1, 3, 4``."""
    if len(numbers) == 1:
        return f"item {numbers[0]}"
    if list(numbers) == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"items {numbers[0]}-{numbers[-1]}"
    return "items " + ", ".join(str(number) for number in numbers)


def checklist_lines(checklist: Mapping[str, Any], width: int) -> list[str]:
    """Where a verdict's checklist came from (generated and not frozen, or the frozen file) and its
    instruction: the lines under the headline of every kind that judges by a checklist."""
    lines = []
    if checklist.get("source") == "generated":
        lines.append(f"  checklist generated by {checklist.get('generator')}; not frozen "
                     "(--critique-freeze writes it to the checklists file)")
    elif checklist.get("source") == "frozen":
        lines.append("  checklist read from the frozen checklists file")
    if checklist.get("instruction"):
        lines.append(f"  instruction: {shorten(checklist['instruction'], width - 15)}")
    return lines


class ChecklistKind(JudgeKind):
    name = "checklist"

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        return [(str(item.get("question")), item.get("answer")) for item in verdict.get("items", [])]

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        items = verdict.get("items", [])
        usage = verdict.get("usage", {})
        # Requests answered from the cache, like the judge calls beside them (a jury's juror added
        # later leaves its items uncached while the other jurors' answers came from the cache).
        cached = usage["cached"] if "cached" in usage else sum(1 for item in items if item.get("cached"))
        scored = any(item.get("answer") is not None for item in items)
        rate = f"pass rate {verdict.get('pass_rate', 0):.2f}" if scored or not items else "no item scored"
        lines = [f"checklist · judge {judge_label(verdict)} · {plural(len(items), 'item')} · "
                 f"{rate} (threshold {verdict.get('threshold', 1):.2f}) · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {cached} cached"]
        shared = _shared_reasons(items)
        lines.extend(checklist_lines(verdict.get("checklist", {}), width))
        if verdict.get("jury"):
            lines.append(f"  {plural(len(verdict['jury']), 'juror')}, rule {verdict.get('jury_rule')}: "
                         "each question is judged by every juror")
        for item in items:
            lines.append(f"  {_mark(item)} {item['index']:>2}  {_votes(item)}{shorten(item['question'], width - 8)}")
            lines.extend(_jurors_line(item, width))
            if item.get("answer") is None:
                detail = f"UNSCORED: {_unscored_reason(item)}"
                if _unscored_reason(item) in shared:
                    lines.extend(exchange_lines(item.get("exchange"), width))
                    continue  # said once, after the items
            elif item.get("answer") is False:
                detail = item.get("reason") or "(the judge gave no reason)"
            else:
                continue
            lines.extend(wrapped(detail, width))
            lines.extend(exchange_lines(item.get("exchange"), width))
        for reason, numbers in shared.items():
            lines.extend(wrapped(f"UNSCORED ({_item_numbers(numbers)}): {reason}", width))
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        items = verdict.get("items", [])
        checklist = verdict.get("checklist", {})
        source = {"generated": f"generated by {checklist.get('generator')}, not frozen",
                  "frozen": "read from the frozen checklists file"}.get(str(checklist.get("source")),
                                                                         "given by the test")
        parts = [line("pass rate", f"{verdict.get('pass_rate', 0):.2f} (threshold {verdict.get('threshold', 1):.2f})"
                      f" · {plural(len(items), 'item')} · checklist {source}")]
        if verdict.get("jury"):
            parts.append(line("jury", f"{', '.join(verdict['jury'])} · rule {verdict.get('jury_rule')}"))
        for field, label in (("instruction", "instruction"), ("input", "input (the request answered)")):
            if checklist.get(field):
                parts.append(collapsible(label, checklist[field]))
        shown = []
        for item in items:
            answer = item.get("answer")
            answers = [vote["answer"] for vote in item.get("votes") or []]
            said = (f"UNSCORED: {_unscored_reason(item)}" if answer is None
                    else item.get("reason") or "(the judge gave no reason)")
            jurors = [_juror_answer(juror) for juror in item.get("jurors") or []]
            shown.append(row(answer, item.get("index"), item.get("question"),
                             said, join(["jurors: ", " · ".join(jurors)]) if jurors else "",
                             exchange(item.get("exchange")),
                             tags=[votes(tally(answers) if len(answers) > 1 else "", bool(item.get("unstable")))]))
        parts.append(rows(shown))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return any(item.get("answer") is None for item in verdict.get("items", []))

    def unscored(self, verdict: Any) -> str | None:
        if not verdict.unscored_items:
            return None
        by_reason: dict[str, list[int]] = {}
        for item in verdict.unscored_items:
            by_reason.setdefault(str(item.error or item.reason or "no verdict"), []).append(item.index)
        reasons = [f"{_item_numbers(numbers)}: {reason}" for reason, numbers in list(by_reason.items())[:3]]
        more = f"; and {len(by_reason) - 3} more reasons" if len(by_reason) > 3 else ""
        return f"{verdict.headline}: {'; '.join(reasons)}{more}"

    def figures(self) -> ChecklistFigures:
        return ChecklistFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        failed = [item for item in verdict.get("items", []) if item.get("answer") is False]
        return [("pass_rate", verdict.get("pass_rate")), ("threshold", verdict.get("threshold")),
                *((f"failed.{item['index']}", item["question"]) for item in failed)]


KIND = ChecklistKind()
