"""What a backend receives (a JudgeCall) and returns (a Reply)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Protocol, runtime_checkable

from ..errors import JudgeFailure
from ..prompts import render_messages


@dataclass
class JudgeCall:
    """One request to a judge: a task, the inputs it is rendered from, and sampling params."""

    task: str
    """What is asked, e.g. ``tick.item``, ``tick.batch``, ``tick.generate``."""
    template: str
    fields: dict[str, Any]
    """The semantic inputs (instruction, response, question...): what offline judges read."""
    params: dict[str, Any] = field(default_factory=dict)
    """Sampling parameters that change the answer (temperature); part of the cache key."""
    sample: int = 0
    timeout: float = 60.0
    """Wall-clock seconds for one request: connecting and receiving the whole reply."""
    retries: int = 3
    max_reply_bytes: int = 4 * 1024 * 1024
    repair: tuple[str, str] | None = None
    """(previous reply, what was wrong with it) when this call asks the judge to repair a reply."""
    _messages: list[dict[str, str]] | None = field(default=None, repr=False)

    def messages(self) -> list[dict[str, str]]:
        """The chat messages for a model judge, rendered on first use."""
        if self._messages is None:
            self._messages = render_messages(self.template, **self.fields)
        if self.repair is None:
            return self._messages
        previous, problem = self.repair
        return [*self._messages, {"role": "assistant", "content": previous},
                *render_messages("repair.j2", problem=problem)]

    def with_repair(self, previous: str, problem: str) -> "JudgeCall":
        self.messages()
        return replace(self, repair=(previous, problem))


@dataclass
class Reply:
    """What a backend answered: model text to parse, or structured data from an offline judge."""

    text: str | None = None
    data: dict[str, Any] | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost: float = 0.0
    retries: int = 0


@runtime_checkable
class Backend(Protocol):
    name: str
    """Identity in cache keys and reports (a model string, or an offline judge's label)."""
    offline: bool
    """True for judges that are not models (scripted rules, recorded verdicts)."""
    cacheable: bool
    """Whether answers go to the verdict cache (False for judges that are cheap code)."""

    def complete(self, call: JudgeCall) -> Reply: ...


class OfflineJudge:
    """Base for judges that answer from data or rules instead of a model.

    Subclasses implement :meth:`answer` (one YES/NO question) and may implement
    :meth:`checklist` (questions for an instruction).  Raise :class:`JudgeFailure` (or return
    ``None`` from :meth:`answer`) when there is no answer: the item is then UNSCORED.
    """

    name = "offline"
    offline = True
    cacheable = False

    def answer(self, *, question: str, response: str, instruction: str | None,
               input: str | None) -> tuple[bool, str] | None:
        raise NotImplementedError

    def checklist(self, *, instruction: str, input: str | None) -> list[str] | None:
        return None

    def judge_step(self, *, step: str, previous: list[str], problem: str | None) -> tuple[bool, str] | None:
        """Whether one step is correct given the steps before it; None when there is no answer."""
        return None

    def locate_error(self, *, steps: list[str], problem: str | None) -> tuple[int | None, str] | None:
        """(1-based number of the first wrong step or None, reason); None when there is no answer.

        By default the steps are judged one by one with :meth:`judge_step`.
        """
        for number, step in enumerate(steps, start=1):
            judged = self.judge_step(step=step, previous=steps[: number - 1], problem=problem)
            if judged is None:
                return None
            if not judged[0]:
                return number, judged[1]
        return None, "every step judged correct"

    def prefer(self, *, first: str, second: str, instruction: str | None,
               criteria: str | None) -> tuple[str, str] | None:
        """Which of two responses is better: ("1" | "2" | "tie", reason); None when there is no answer."""
        return None

    def grade(self, *, response: str, criteria: str, scores: list[str], reference: str | None,
              instruction: str | None) -> tuple[int, str] | None:
        """A rubric score from 1 to 5 and the feedback; None when there is no answer."""
        return None

    def dimension_questions(self, *, dimension: str, definition: str,
                            sub_aspects: list[str]) -> dict[str, list[str]] | None:
        """Seed questions by sub-aspect for a CheckEval dimension; None when there is no answer."""
        return None

    def complete(self, call: JudgeCall) -> Reply:
        fields = call.fields
        if call.task.startswith(("pairwise.", "rubric.")):
            return self._trust_reply(call)
        if call.task in ("checkeval.seed", "checkeval.augment", "checkeval.filter"):
            return self._generation_reply(call)
        context = {"response": fields.get("response", ""), "instruction": fields.get("instruction"),
                   "input": fields.get("input")}
        if call.task == "tick.item":
            return Reply(data=self._answer_data(question=fields["question"], **context))
        if call.task == "tick.batch":
            answers = []
            for number, question in enumerate(fields["questions"], start=1):
                data = self._answer_data(question=question, **context)
                answers.append({"question": number, **data})
            return Reply(data={"answers": answers})
        if call.task == "tick.generate":
            questions = self.checklist(instruction=fields["instruction"], input=fields.get("input"))
            if questions is None:
                raise JudgeFailure(
                    f"{self.name} has no checklist for this instruction; pass items=[...] "
                    "or freeze a checklist", "missing")
            return Reply(data={"analysis": "", "questions": list(questions)})
        if call.task == "checkeval.subaspect":
            answers = []
            for number, question in enumerate(fields["questions"], start=1):
                data = self._answer_data(question=question, response=fields["response"],
                                         instruction=None, input=fields.get("source") or None)
                answers.append({"question": number, **data})
            return Reply(data={"answers": answers})
        if call.task == "steps.step":
            judged = self.judge_step(step=fields["step"], previous=list(fields["previous"]),
                                     problem=fields.get("problem") or None)
            if judged is None:
                number = len(fields["previous"]) + fields.get("first", 1)
                raise JudgeFailure(f"{self.name} has no verdict for step {number}", "missing")
            return Reply(data={"verdict": "correct" if judged[0] else "wrong", "reasoning": judged[1]})
        if call.task == "steps.first_error":
            located = self.locate_error(steps=list(fields["steps"]), problem=fields.get("problem") or None)
            if located is None:
                raise JudgeFailure(f"{self.name} has no verdict for these steps", "missing")
            return Reply(data={"first_wrong_step": located[0], "explanation": located[1], "reasoning": ""})
        raise JudgeFailure(f"{self.name} cannot answer {call.task!r} requests", "config")

    def _generation_reply(self, call: JudgeCall) -> Reply:
        """An offline judge seeds questions; it adds none when augmenting and keeps all when filtering."""
        fields = call.fields
        if call.task == "checkeval.augment":
            return Reply(data={"questions": []})
        if call.task == "checkeval.filter":
            return Reply(data={"decisions": [{"decision": "keep"} for _ in fields["candidates"]]})
        wanted = list(fields.get("sub_aspects") or [])
        seeded = self.dimension_questions(dimension=fields["dimension"], definition=fields["definition"],
                                          sub_aspects=wanted)
        if not seeded:
            raise JudgeFailure(f"{self.name} has no questions for dimension {fields['dimension']!r}", "missing")
        if wanted:
            absent = [name for name in wanted if not seeded.get(name)]
            if absent:
                raise JudgeFailure(f"{self.name} has no questions for sub-aspects {absent} of dimension "
                                   f"{fields['dimension']!r}", "missing")
            seeded = {name: seeded[name] for name in wanted}
        return Reply(data={"sub_aspects": [{"name": name, "questions": list(questions)}
                                           for name, questions in seeded.items()]})

    def _trust_reply(self, call: JudgeCall) -> Reply:
        fields = call.fields
        if call.task == "pairwise.compare":
            preferred = self.prefer(first=fields["first"], second=fields["second"],
                                    instruction=fields.get("instruction") or None,
                                    criteria=fields.get("criteria") or None)
            if preferred is None:
                raise JudgeFailure(f"{self.name} has no preference between these two responses", "missing")
            return Reply(data={"winner": preferred[0], "reasoning": preferred[1]})
        if call.task == "rubric.grade":
            graded = self.grade(response=fields["response"], criteria=fields["criteria"], scores=list(fields["scores"]),
                                reference=fields.get("reference") or None,
                                instruction=fields.get("instruction") or None)
            if graded is None:
                raise JudgeFailure(f"{self.name} has no grade for this response", "missing")
            return Reply(data={"score": graded[0], "feedback": graded[1]})
        raise JudgeFailure(f"{self.name} cannot answer {call.task!r} requests", "config")

    def _answer_data(self, **kwargs: Any) -> dict[str, Any]:
        result = self.answer(**kwargs)
        if result is None:
            raise JudgeFailure(f"{self.name} has no answer for question {kwargs['question']!r}", "missing")
        answer, reason = result
        return {"answer": "YES" if answer else "NO", "reasoning": reason}
