"""Self-consistency (SelfCheckGPT's idea, Manakul et al., 2023, with the judge as the checker): the app
answers the same request several times, and each sentence of the main answer is checked against every
other answer.  A sentence the other answers do not back up is likely made up: a model that knows a fact
tends to say it again, one that invents it tends to say something else.

A sentence's score is the share of the other answers that support it; the verdict's score is the mean
over the sentences, and it passes when that reaches the threshold (``min_score``).  One judge request
per sentence and sample, each cached.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping

from pydantic import BaseModel, Field, computed_field

from ..backends.base import JudgeCall, OfflineJudge
from ..html_parts import Html, badge, collapsible, join, line, row, rows
from ..models import Usage, VerdictBase
from ..report_text import judge_label, plural, shorten
from ..tasks import Task
from .checklist import YES_NO_STATEMENTS, ItemAnswer
from .context import JudgeContext, total_usage
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])|\n\s*\n|\n(?=\s*(?:[-*•]|\d+[.)])\s)")


def sentences(text: str) -> list[str]:
    """The sentences of an answer: split after . ! ? before a capital or a digit, at blank lines and
    at list items; each stripped, empty ones dropped."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part and part.strip()]


def _offline_support(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    found = judge.supports(sentence=call.fields["sentence"], passage=call.fields["passage"])
    if found is not None:
        return {"answer": "YES" if found[0] else "NO", "reasoning": found[1]}
    return judge.yes_no(question=f"Does the passage support this sentence? {call.fields['sentence']}",
                        response=call.fields["passage"])


SUPPORT = Task("consistency.support", "consistency_support.j2", ItemAnswer, text_fallback=YES_NO_STATEMENTS,
               failing=lambda answer: answer == "NO", offline=_offline_support,
               decided=lambda data, fields: {fields["sentence"]: data["answer"]})


class SentenceVerdict(BaseModel):
    """One sentence of the main answer and whether each other answer supports it."""

    index: int
    """1-based."""
    text: str
    support: list[bool | None]
    """One entry per other answer: True supports it, False does not, None unscored."""
    reasons: list[str] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        """The share of the other answers that support the sentence; None when any went unscored."""
        if not self.support or any(answer is None for answer in self.support):
            return None
        return sum(1 for answer in self.support if answer) / len(self.support)


class ConsistencyVerdict(VerdictBase):
    """How well the other answers back up each sentence of the main answer."""

    kind: Literal["consistency"] = "consistency"
    judge: str
    offline: bool = False
    sentences: list[SentenceVerdict]
    others: list[str]
    """The other answers the sentences were checked against."""
    min_score: float = 0.5
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        """The mean of the sentences' scores; None when any sentence went unscored."""
        scores = [sentence.score for sentence in self.sentences]
        if not scores or any(score is None for score in scores):
            return None
        return sum(score for score in scores if score is not None) / len(scores)

    @property
    def least_consistent(self) -> list[SentenceVerdict]:
        """The scored sentences, least supported first."""
        return sorted((s for s in self.sentences if s.score is not None), key=lambda s: (s.score, s.index))

    @property
    def unscored_sentences(self) -> list[SentenceVerdict]:
        return [sentence for sentence in self.sentences if sentence.score is None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.min_score

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        count = plural(len(self.sentences), "sentence")
        if self.score is None:
            return f"critique: {len(self.unscored_sentences)} of {count} unscored"
        weakest = self.least_consistent[0]
        if self.passed:
            return f"critique: consistency {self.score:.2f} over {count} (min {self.min_score:.2f})"
        return (f"critique: consistency {self.score:.2f} < min {self.min_score:.2f} over {count}; least "
                f"supported: sentence {weakest.index} ({weakest.score:.2f})")


def judge(context: JudgeContext, main: str, others: list[str], min_score: float) -> ConsistencyVerdict:
    """Every sentence of ``main`` against every answer in ``others`` (one request each)."""
    __tracebackhide__ = True
    settings = context.settings
    backend = context.backend()
    split = sentences(main)
    calls = [context.call(SUPPORT, {"sentence": sentence, "passage": other}, 0, settings.effective_temperature(1))
             for sentence in split for other in others]
    outcomes = context.run(backend, SUPPORT, calls)
    judged = []
    for number, sentence in enumerate(split):
        mine = outcomes[number * len(others):(number + 1) * len(others)]
        support: list[bool | None] = []
        reasons, errors = [], []
        for outcome in mine:
            if outcome.failure is not None or outcome.answer is None:
                support.append(None)
                errors.append(outcome.failure.reason if outcome.failure is not None else "no answer")
            else:
                support.append(outcome.answer["answer"] == "YES")
                reasons.append(str(outcome.answer.get("reasoning") or ""))
        judged.append(SentenceVerdict(index=number + 1, text=sentence, support=support, reasons=reasons,
                                      errors=errors))
    return ConsistencyVerdict(judge=backend.name, offline=backend.offline, sentences=judged, others=others,
                              min_score=min_score, usage=total_usage(outcomes), response=main)


# Reporting (on the JSON form of verdicts).

def _mark(sentence: Mapping[str, Any], min_score: float) -> str:
    score = sentence.get("score")
    return "?" if score is None else ("✓" if score >= min_score else "✗")


class ConsistencyFigures(Figures):
    def __init__(self) -> None:
        self.verdicts = self.sentences = self.unsupported = self.unscored = 0
        self.scores: list[float] = []

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        self.verdicts += 1
        min_score = verdict.get("min_score", 0.5)
        for sentence in verdict.get("sentences", []):
            self.sentences += 1
            counts.judged += len(sentence.get("support") or [])
            score = sentence.get("score")
            self.unscored += score is None
            if score is not None and score < min_score:
                self.unsupported += 1
                counts.failing.append(Failing(nodeid, sentence["index"], f"sentence {sentence['index']}: "
                                              f"{sentence['text']}", test_passed, "(test passed)"))
        if verdict.get("score") is not None:
            self.scores.append(verdict["score"])

    def as_dict(self) -> dict[str, Any]:
        return {"consistency": {"checks": self.verdicts, "sentences": self.sentences,
                                "unsupported": self.unsupported, "unscored": self.unscored}}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.verdicts:
            return []
        mean = f", mean score {sum(self.scores) / len(self.scores):.2f}" if self.scores else ""
        return [f"consistency: {plural(self.verdicts, 'answer')} checked, {plural(self.sentences, 'sentence')}, "
                f"{self.unsupported} below their threshold" + (f", {self.unscored} unscored" if self.unscored else "")
                + mean]


class ConsistencyKind(JudgeKind):
    name = "consistency"

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        usage = verdict.get("usage", {})
        score = verdict.get("score")
        min_score = verdict.get("min_score", 0.5)
        others = verdict.get("others") or []
        shown = f"score {score:.2f}" if score is not None else "not scored"
        lines = [f"consistency · judge {judge_label(verdict)} · {plural(len(verdict.get('sentences', [])), 'sentence')}"
                 f" against {plural(len(others), 'other answer')} · {shown} (min {min_score:.2f}) · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        for sentence in verdict.get("sentences", []):
            support = sentence.get("support") or []
            votes = "".join("?" if answer is None else ("+" if answer else "-") for answer in support)
            value = sentence.get("score")
            lines.append(f"  {_mark(sentence, min_score)} {sentence['index']:>2}  "
                         f"{'  ?' if value is None else f'{value:.2f}'} [{votes}]  "
                         f"{shorten(sentence['text'], width - 22)}")
            for error in sorted(set(sentence.get("errors") or [])):
                lines.append(f"       UNSCORED: {shorten(error, width - 17)}")
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        score = verdict.get("score")
        min_score = verdict.get("min_score", 0.5)
        others = verdict.get("others") or []
        parts = [line("score", f"{'not scored' if score is None else f'{score:.2f}'} (min {min_score:.2f}) · "
                      f"{plural(len(verdict.get('sentences', [])), 'sentence')} against "
                      f"{plural(len(others), 'other answer')}")]
        parts += [collapsible(f"other answer {number}", text) for number, text in enumerate(others, start=1)]
        shown = []
        for sentence in verdict.get("sentences", []):
            value = sentence.get("score")
            support = sentence.get("support") or []
            votes = " · ".join(f"answer {number}: {'?' if said is None else 'backs it' if said else 'does not'}"
                             for number, said in enumerate(support, start=1))
            errors = [f"UNSCORED: {error}" for error in sorted(set(sentence.get("errors") or []))]
            shown.append(row(None if value is None else value >= min_score, sentence.get("index"),
                             sentence.get("text"), votes, *errors,
                             tags=[badge("?" if value is None else f"{value:.2f}")]))
        parts.append(rows(shown))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return any(sentence.get("score") is None for sentence in verdict.get("sentences", []))

    def unscored(self, verdict: Any) -> str | None:
        missing = verdict.unscored_sentences
        if not missing:
            return None
        reasons = sorted({error for sentence in missing for error in sentence.errors}) or ["no answer"]
        return f"{verdict.headline}: {reasons[0]}"

    def figures(self) -> ConsistencyFigures:
        return ConsistencyFigures()

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        min_score = verdict.get("min_score", 0.5)
        return [(str(sentence.get("text")), None if sentence.get("score") is None
                 else sentence["score"] >= min_score) for sentence in verdict.get("sentences", [])]

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [("score", verdict.get("score")), ("min_score", verdict.get("min_score"))]


KIND = ConsistencyKind()
