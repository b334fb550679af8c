"""CheckEval (Lee et al.): a dimension's sub-aspects, each a list of boolean questions.

One judge call per sub-aspect answers all of its questions; the answers must match the
questions in number and order (a mismatch is repaired once, then UNSCORED, never padded).
A dimension's score is the weighted share of questions answered in the good direction.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from pydantic import BaseModel, model_validator

from ...backends.base import JudgeCall, OfflineJudge
from ...html_parts import Html, columns, element, exchange, figure, join, line, mark, row, rows, votes
from .verdicts import CheckEvalVerdict, DimensionVerdict, QuestionVerdict, SubAspectVerdict
from ...report_text import exchange_lines, judge_label, plural, shorten, tally, wrapped
from ...tasks import Task, numbered_answers, one_per_entry, tokens_per
from ..checklist import BatchItem, answer_list, answers_by_question
from ..context import JudgeContext, first_failure, total_usage
from ..kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid
from ..votes import majority, mark_unstable_questions
from .models import Dimension


class SubAspectAnswers(BaseModel):
    answers: list[BatchItem]

    _shapes = model_validator(mode="before")(answer_list)


def _matches_questions(answer: SubAspectAnswers, call: JudgeCall) -> None:
    one_per_entry(answer.answers, len(call.fields["questions"]), "answer", "question")


def _offline_answers(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    fields = call.fields
    return {"answers": [{"question": number, **judge.yes_no(question=question, response=fields["response"],
                                                            input=fields.get("source") or None)}
                        for number, question in enumerate(fields["questions"], start=1)]}


SUB_ASPECT = Task("checkeval.subaspect", "checkeval_subaspect.j2", SubAspectAnswers,
                  check=_matches_questions, text_fallback=numbered_answers, offline=_offline_answers,
                  decided=answers_by_question, tokens=tokens_per(256, 192, "questions"))


def _bad_direction(yes_is_good: bool) -> Callable[[list[bool]], bool]:
    """A tie goes to the bad direction: an unproven quality is not granted."""
    return lambda leaders: not yes_is_good


def judge(context: JudgeContext, dimensions: list[Dimension], thresholds: dict[str, float],
          fields: dict[str, str]) -> CheckEvalVerdict:
    """Judge every sub-aspect of the chosen dimensions (one call per sub-aspect and sample)."""
    settings = context.settings
    samples = settings.samples
    temperature = settings.effective_temperature(samples)
    backend = context.backend()
    plan = [(dimension, sub_aspect) for dimension in dimensions for sub_aspect in dimension.sub_aspects]
    calls = [context.call(SUB_ASPECT, {**fields, "dimension": dimension.name, "definition": dimension.definition,
                                       "sub_aspect": sub_aspect.name,
                                       "questions": [question.text for question in sub_aspect.questions]},
                          sample, temperature)
             for dimension, sub_aspect in plan for sample in range(samples)]
    outcomes = context.run(backend, SUB_ASPECT, calls)
    judged: dict[str, list[SubAspectVerdict]] = {dimension.name: [] for dimension in dimensions}
    for position, (dimension, sub_aspect) in enumerate(plan):
        mine = outcomes[position * samples:(position + 1) * samples]
        failure = first_failure(mine)
        questions = []
        for index, question in enumerate(sub_aspect.questions):
            votes = [] if failure else [outcome.answer["answers"][index]["answer"] == "YES" for outcome in mine]
            answer = None if failure else majority(votes, _bad_direction(question.yes_is_good))[0]
            questions.append(QuestionVerdict(index=index + 1, text=question.text, yes_is_good=question.yes_is_good,
                                             weight=question.weight, required=question.required, answer=answer,
                                             votes=votes, cached=all(outcome.cached for outcome in mine)))
        went_bad = failure is not None or any(question.good is False for question in questions)
        shown = next((outcome.exchange for outcome in mine if outcome.exchange), None) if went_bad else None
        judged[dimension.name].append(SubAspectVerdict(name=sub_aspect.name, questions=questions, error=failure,
                                                       exchange=shown))
    verdicts = [DimensionVerdict(name=dimension.name, definition=dimension.definition,
                                 threshold=thresholds[dimension.name], sub_aspects=judged[dimension.name])
                for dimension in dimensions]
    mark_unstable_questions(verdicts, settings.min_agreement, settings.on_unstable)
    return CheckEvalVerdict(judge=backend.name, offline=backend.offline, dimensions=verdicts,
                            samples=samples, usage=total_usage(outcomes), response=fields.get("response"))


# Reporting (on the JSON form of verdicts).

class CheckEvalFigures(Figures):
    def __init__(self) -> None:
        self.dimension_scores: dict[str, list[float]] = {}

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        for dimension in verdict.get("dimensions", []):
            for sub_aspect in dimension.get("sub_aspects", []):
                for question in sub_aspect.get("questions", []):
                    judged = question.get("answer") is not None
                    counts.judged += judged
                    counts.cached += judged and bool(question.get("cached"))
                    if question.get("unstable"):
                        counts.unstable.append((nodeid, f"{dimension['name']} · {question['text']} "
                                                        f"[{tally(question.get('votes') or [])}]"))
            score = dimension.get("score")
            if score is not None:
                self.dimension_scores.setdefault(dimension["name"], []).append(score)
            if not dimension.get("passed") and score is not None:
                threshold = dimension.get("threshold", 1)
                why = (f"{dimension['name']} {score:.2f} < {threshold:.2f}"
                       if score < threshold else f"{dimension['name']}: required question failed")
                counts.failing.append(Failing(nodeid, 0, why, test_passed))

    def _means(self) -> dict[str, float]:
        return {name: sum(scores) / len(scores) for name, scores in self.dimension_scores.items()}

    def as_dict(self) -> dict[str, Any]:
        return {"dimension_scores": self._means()}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.dimension_scores:
            return []
        return ["checkeval mean scores: " + ", ".join(f"{name} {mean:.2f}" for name, mean in self._means().items())]

    def tiles(self) -> list[tuple[str, str, str]]:
        return [(f"mean {name}", f"{mean:.2f}", f"CheckEval, {plural(len(self.dimension_scores[name]), 'response')}")
                for name, mean in self._means().items()]

    def plots(self) -> list[Html]:
        found = []
        for name, scores in self.dimension_scores.items():
            bins = [0] * 10
            for score in scores:
                bins[min(int(score * 10), 9)] += 1
            bars = [(f"{number / 10:.1f}", count, "neutral") for number, count in enumerate(bins)]
            found.append(figure(f"CheckEval: scores of {name}", columns(bars, f"scores of {name}", "score (bin start)"),
                                f"{plural(len(scores), 'response')}, mean {sum(scores) / len(scores):.2f}"))
        return found


class CheckEvalKind(JudgeKind):
    name = "checkeval"

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        """Each dimension: its score at or above its threshold (a score down past it is a regression)."""
        return [(str(dimension.get("name")), None if dimension.get("score") is None else dimension.get("passed"))
                for dimension in verdict.get("dimensions", [])]

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        dimensions = verdict.get("dimensions", [])
        usage = verdict.get("usage", {})
        lines = [f"checkeval · judge {judge_label(verdict)} · {plural(len(dimensions), 'dimension')} · "
                 f"{plural(usage.get('calls', 0), 'judge call')}, {usage.get('cached', 0)} cached"]
        for dimension in dimensions:
            score = dimension.get("score")
            shown = "unscored" if score is None else f"{score:.2f}"
            mark = "?" if score is None else ("✓" if dimension.get("passed") else "✗")
            lines.append(f"  {mark} {dimension['name']}  {shown} (threshold {dimension.get('threshold', 1):.2f})")
            for sub_aspect in dimension.get("sub_aspects", []):
                if sub_aspect.get("error"):
                    lines.extend(wrapped(f"{sub_aspect['name']}: UNSCORED: {sub_aspect['error']}", width))
                    lines.extend(exchange_lines(sub_aspect.get("exchange"), width))
                    continue
                for question in sub_aspect.get("questions", []):
                    if question.get("unstable"):
                        lines.append(f"      ~ {shorten(sub_aspect['name'], 30)} · "
                                     f"{shorten(question['text'], width - 50)}"
                                     f": unstable, votes {tally(question.get('votes') or [])}")
                    if question.get("good") is False:
                        said = "YES" if question.get("answer") else "NO"
                        polarity = " (YES is bad)" if not question.get("yes_is_good", True) else ""
                        required = " [required]" if question.get("required") else ""
                        name = shorten(sub_aspect["name"], 30)
                        suffix = f"{polarity}{required}: answered {said}"
                        room = max(40, width - 11 - len(name) - len(suffix))
                        lines.append(f"      ✗ {name} · {shorten(question['text'], room)}{suffix}")
                lines.extend(exchange_lines(sub_aspect.get("exchange"), width))
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        parts = []
        for dimension in verdict.get("dimensions", []):
            score = dimension.get("score")
            ok = None if score is None else bool(dimension.get("passed"))
            shown = "unscored" if score is None else f"{score:.2f}"
            parts.append(element("h4", mark(ok), " ", dimension.get("name"), " ",
                                 element("span", f"{shown} (threshold {dimension.get('threshold', 1):.2f})",
                                         cls="muted")))
            if dimension.get("definition"):
                parts.append(line("definition", dimension["definition"]))
            for sub_aspect in dimension.get("sub_aspects", []):
                questions = []
                for question in sub_aspect.get("questions", []):
                    answer = question.get("answer")
                    said = "UNSCORED" if answer is None else f"answered {'YES' if answer else 'NO'}"
                    polarity = "" if question.get("yes_is_good", True) else " (YES is bad)"
                    required = " · required" if question.get("required") else ""
                    answers = question.get("votes") or []
                    questions.append(row(question.get("good"), question.get("index"), question.get("text"),
                                         f"{said}{polarity}{required}",
                                         tags=[votes(tally(answers) if len(answers) > 1 else "",
                                                     bool(question.get("unstable")))]))
                score_shown = "" if sub_aspect.get("score") is None else f" · {sub_aspect['score']:.2f}"
                parts.append(element("h5", sub_aspect.get("name"), score_shown))
                if sub_aspect.get("error"):
                    parts.append(element("p", f"UNSCORED: {sub_aspect['error']}", cls="unscored-reason"))
                parts += [rows(questions), exchange(sub_aspect.get("exchange"))]
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return any(sub.get("error") for dimension in verdict.get("dimensions", [])
                   for sub in dimension.get("sub_aspects", []))

    def unscored(self, verdict: Any) -> str | None:
        if not verdict.unscored_sub_aspects:
            return None
        first = verdict.unscored_sub_aspects[0]
        return f"{verdict.headline}: {first.name}: {first.error}"

    def figures(self) -> CheckEvalFigures:
        return CheckEvalFigures()

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        for dimension in verdict.get("dimensions", []):
            found += [(f"score.{dimension['name']}", dimension.get("score")),
                      (f"threshold.{dimension['name']}", dimension.get("threshold"))]
        return found


KIND = CheckEvalKind()
