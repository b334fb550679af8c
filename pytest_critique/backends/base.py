"""What a backend receives (a JudgeCall) and returns (a Reply)."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Protocol, runtime_checkable

from ..errors import JudgeFailure
from ..prompts import render_messages, render_shared


@dataclass(slots=True)
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
    max_retry_wait: float = 30.0
    """Seconds the request may wait in all between its retries (not part of the cache key)."""
    max_reply_bytes: int = 4 * 1024 * 1024
    max_tokens: int | None = None
    """The most tokens the judge may write (sent to models; not part of the cache key)."""
    answer_model: Any = field(default=None, repr=False)
    """The pydantic model of the answer (its JSON schema is :attr:`response_schema`)."""
    structured_output: str = "auto"
    """How a model is asked for that shape: auto, schema, json or off (not part of the cache key)."""
    show_prompt: bool = False
    """Keep the request and the reply for the report (--critique-show-prompt; not part of the cache key)."""
    repair: tuple[str, str] | None = None
    """(previous reply, what was wrong with it) when this call asks the judge to repair a reply."""
    answer_offline: Callable[[Any, "JudgeCall"], dict[str, Any]] | None = field(default=None, repr=False)
    """How an :class:`OfflineJudge` answers this request (set by the judge kind that owns the task)."""
    _messages: list[dict[str, str]] | None = field(default=None, repr=False)
    _shared: int = field(default=0, repr=False)

    def messages(self) -> list[dict[str, str]]:
        """The chat messages for a model judge, rendered on first use."""
        if self._messages is None:
            self._messages, self._shared = render_shared(self.template, **self.fields)
        if self.repair is None:
            return self._messages
        previous, problem = self.repair
        return [*self._messages, {"role": "assistant", "content": previous},
                *render_messages("repair.j2", problem=problem)]

    @property
    def response_schema(self) -> dict[str, Any] | None:
        """The JSON schema of the answer, for models that take one (not part of the cache key); made on
        first use, so a verdict read from the cache never builds it."""
        return None if self.answer_model is None else answer_schema(self.answer_model)

    def shared_prefix(self) -> int:
        """How many characters the first user message begins with that every request about the same
        response shares (what a provider's prompt cache can keep); 0 when nothing is marked."""
        self.messages()
        return self._shared

    def with_repair(self, previous: str, problem: str) -> "JudgeCall":
        self.messages()
        return replace(self, repair=(previous, problem))


@functools.lru_cache(maxsize=None)
def answer_schema(model: Any) -> dict[str, Any]:
    """The JSON schema of a task's answer model, as sent to models that take a response schema."""
    schema: dict[str, Any] = model.model_json_schema()
    return schema


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
    cached: bool = False
    """The answer came from a response cache in front of the model (a LiteLLM proxy's): counted as
    cached, not as a judge call, and it costs nothing."""


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

    def supports(self, *, sentence: str, passage: str) -> tuple[bool, str] | None:
        """Whether another answer (``passage``) backs up a sentence, for ``consistent()``: (answer, reason);
        None to answer it as the YES/NO question "Does the passage support this sentence? ..." instead."""
        return None

    def claims(self, *, response: str) -> list[str] | None:
        """The factual claims of a response, for ``grounded()``; None when there is no answer."""
        return None

    def ground(self, *, claim: str, sources: list[str]) -> tuple[str, str, str] | None:
        """What the sources say of a claim: ("supported" | "contradicted" | "not found", the passage quoted
        from a source, reason); None when there is no answer.  The quote is looked up in the sources."""
        return None

    def complete(self, call: JudgeCall) -> Reply:
        """The answer data the request's judge kind builds from this judge's rule methods."""
        if call.answer_offline is None:
            raise JudgeFailure(f"{self.name} cannot answer {call.task!r} requests", "config")
        return Reply(data=call.answer_offline(self, call))

    def yes_no(self, *, question: str, response: str, instruction: str | None = None,
               input: str | None = None) -> dict[str, Any]:
        """:meth:`answer` as answer data (``{"answer": "YES", "reasoning": ...}``); no answer is a failure."""
        result = self.answer(question=question, response=response, instruction=instruction, input=input)
        if result is None:
            raise JudgeFailure(f"{self.name} has no answer for question {question!r}", "missing")
        answer, reason = result
        return {"answer": "YES" if answer else "NO", "reasoning": reason}
