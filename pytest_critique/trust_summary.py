"""Run-wide figures on how far the verdicts can be trusted: unstable votes, jury agreement,
position consistency of pairwise comparisons, rubric scores, and verdicts that drifted.

Works on the JSON form of verdicts (as :mod:`summary` does) and imports only the standard library.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

from .agreement import fleiss_kappa
from .report_text import plural, shorten, tally, verdict_word


class _Jury:
    def __init__(self, names: list[str]):
        self.names = names
        self.rules: dict[str, None] = {}
        self.ratings: list[list[bool]] = []
        self.split: list[tuple[str, int, str, list[tuple[str, bool]]]] = []

    @property
    def kappa(self) -> float | None:
        return fleiss_kappa(self.ratings)


def _step_figures(steps: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not steps:
        return None
    return {"solutions": steps["solutions"], "erroneous_accuracy": steps["erroneous_accuracy"],
            "correct_accuracy": steps["correct_accuracy"], "f1": steps["f1"],
            "disagreements": len(steps.get("disagreements", [])), "unscored": len(steps.get("unscored", []))}


class TrustTotals:
    def __init__(self, results: Iterable[Mapping[str, Any]]):
        self.unstable: list[tuple[str, str]] = []
        """(nodeid, what was unstable and how the votes fell)"""
        self.juries: dict[tuple[str, ...], _Jury] = {}
        self.comparisons = 0
        self.inconsistent: list[tuple[str, str]] = []
        self.rubric_scores: list[int] = []
        self.drift: list[dict[str, Any]] = []
        self.calibrations: list[dict[str, Any]] = []
        used: set[str] = set()
        for result in results:
            nodeid = result["nodeid"]
            for verdict in result.get("verdicts", []):
                self._add(nodeid, verdict)
                used.update(verdict.get("jury") or [verdict.get("judge")])
        # A judge used anywhere in this run was not replaced: a change from it to another judge is a
        # difference between judges used side by side (xdist workers cannot know that as they judge).
        self.drift = [change for change in self.drift
                      if change["judge_before"] == change["judge_after"] or change["judge_before"] not in used]

    def _add(self, nodeid: str, verdict: Mapping[str, Any]) -> None:
        kind = verdict.get("kind")
        for item in verdict.get("items", []):
            if item.get("unstable"):
                votes = item.get("votes") or []
                shown = f" [{tally([vote['answer'] for vote in votes])}]" if votes else " (a juror's votes)"
                self.unstable.append((nodeid, f"#{item['index']} {item['question']}{shown}"))
        if verdict.get("jury"):
            self._add_jury(nodeid, verdict)
        if kind == "steps":
            if verdict.get("unstable"):
                shown = ", ".join("none" if v is None else str(v) for v in verdict.get("located_votes", []))
                self.unstable.append((nodeid, f"first error located as {shown}"))
            for step in verdict.get("steps", []):
                if step.get("unstable"):
                    answers = [vote["answer"] for vote in step.get("votes", [])]
                    shown = tally(answers).replace("YES", "correct").replace("NO", "wrong")
                    self.unstable.append((nodeid, f"step {step['index']} [{shown}]"))
        if kind == "checkeval":
            for dimension in verdict.get("dimensions", []):
                for sub_aspect in dimension.get("sub_aspects", []):
                    for question in sub_aspect.get("questions", []):
                        if question.get("unstable"):
                            self.unstable.append((nodeid, f"{dimension['name']} · {question['text']} "
                                                          f"[{tally(question.get('votes') or [])}]"))
        if kind == "rubric" and verdict.get("unstable"):
            self.unstable.append((nodeid, f"rubric score [{', '.join(map(str, verdict.get('votes', [])))}]"))
        for order in verdict.get("orders", []) if kind == "compare" else []:
            if order.get("unstable"):
                self.unstable.append((nodeid, f"comparison, {order['first']} shown first "
                                              f"[{', '.join(order.get('votes', []))}]"))
        if kind == "compare" and verdict.get("winner") is not None:
            self.comparisons += 1
            if verdict.get("consistent") is False:
                self.inconsistent.append((nodeid, verdict.get("headline", "")))
        if kind == "rubric" and verdict.get("score") is not None:
            self.rubric_scores.append(verdict["score"])
        if kind == "calibration":
            self.calibrations.append({"nodeid": nodeid, **{name: verdict.get(name) for name in (
                "judge", "reference", "compared", "accuracy", "kappa", "min_kappa", "passed")},
                "disagreements": len(verdict.get("disagreements", [])), "unscored": len(verdict.get("unscored", [])),
                "steps": _step_figures(verdict.get("steps"))})
        for change in verdict.get("drift", []):
            self.drift.append({"nodeid": nodeid, **change})

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

    @property
    def position_inconsistency(self) -> float | None:
        return len(self.inconsistent) / self.comparisons if self.comparisons else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "unstable": [{"nodeid": nodeid, "what": what} for nodeid, what in self.unstable],
            "juries": [{"jurors": jury.names, "rules": list(jury.rules), "items": len(jury.ratings),
                        "fleiss_kappa": jury.kappa,
                        "split": [{"nodeid": nodeid, "index": index, "question": question,
                                   "votes": {name: answer for name, answer in votes}}
                                  for nodeid, index, question, votes in jury.split]}
                       for jury in self.juries.values()],
            "comparisons": self.comparisons,
            "position_inconsistent": [{"nodeid": nodeid, "headline": headline}
                                      for nodeid, headline in self.inconsistent],
            "position_inconsistency_rate": self.position_inconsistency,
            "rubric_scores": self.rubric_scores,
            "drift": self.drift,
            "calibrations": self.calibrations,
        }

    def lines(self, show_nodeid: Callable[[str], str], max_listed: int) -> list[str]:
        lines: list[str] = []
        for calibration in self.calibrations:
            steps = calibration["steps"]
            if steps:
                f1 = steps["f1"]
                lines.append(f"calibration: step critic {calibration['judge']} against {calibration['reference']}: "
                             f"{plural(steps['solutions'], 'solution')}, F1 "
                             f"{'n/a' if f1 is None else f'{f1 * 100:.1f}'}, {steps['disagreements']} disagreements")
            if not calibration["compared"] and steps:
                continue
            kappa, accuracy = calibration["kappa"], calibration["accuracy"]
            shown = ("no items compared" if kappa is None or accuracy is None else
                     f"accuracy {accuracy:.3f}, Cohen's kappa {kappa + 0.0:.3f}")
            below = calibration["min_kappa"] is not None and not calibration["passed"]
            lines.append(f"calibration: judge {calibration['judge']} against {calibration['reference']}: "
                         f"{plural(calibration['compared'] or 0, 'item')}, {shown}, "
                         f"{calibration['disagreements']} disagreements"
                         + (f" · BELOW --critique-min-kappa {calibration['min_kappa']:g}" if below else ""))
        for jury in self.juries.values():
            kappa = jury.kappa
            shown = "n/a" if kappa is None else f"{kappa + 0.0:.3f}"  # + 0.0: no "-0.000"
            lines.append(f"jury {', '.join(jury.names)} ({', '.join(jury.rules)}): "
                         f"{plural(len(jury.ratings), 'item')}, "
                         f"Fleiss' kappa {shown}, split on {len(jury.split)}")
            for nodeid, index, question, votes in jury.split[:max_listed]:
                said = " · ".join(f"{name} {'YES' if answer else 'NO'}" for name, answer in votes)
                lines.append(f"  {show_nodeid(nodeid)}  #{index} {shorten(question, 60)}  ({said})")
            if len(jury.split) > max_listed:
                lines.append(f"  ... and {len(jury.split) - max_listed} more")
        if self.comparisons:
            rate = self.position_inconsistency or 0.0
            lines.append(f"pairwise: {plural(self.comparisons, 'comparison')}, {len(self.inconsistent)} "
                         f"position-inconsistent ({rate:.0%}; the preference changed when the order was swapped)")
            for nodeid, headline in self.inconsistent[:max_listed]:
                lines.append(f"  {show_nodeid(nodeid)}  {shorten(headline, 100)}")
        if self.rubric_scores:
            mean = sum(self.rubric_scores) / len(self.rubric_scores)
            lines.append(f"rubric: {plural(len(self.rubric_scores), 'response')} graded, mean score {mean:.2f}")
        if self.unstable:
            lines.append(f"unstable verdicts ({len(self.unstable)}): sampled votes agreed less than min_agreement")
            for nodeid, what in self.unstable[:max_listed]:
                lines.append(f"  {show_nodeid(nodeid)}  {shorten(what, 100)}")
            if len(self.unstable) > max_listed:
                lines.append(f"  ... and {len(self.unstable) - max_listed} more")
        if self.drift:
            lines.append(f"drift ({len(self.drift)}): verdicts that changed since the cached ones")
            for change in self.drift[:max_listed]:
                lines.append(f"  {show_nodeid(change['nodeid'])}  {shorten(change.get('what', ''), 60)}: "
                             f"{verdict_word(change.get('before'))} ({change.get('judge_before')}) -> "
                             f"{verdict_word(change.get('after'))} ({change.get('judge_after')})")
            if len(self.drift) > max_listed:
                lines.append(f"  ... and {len(self.drift) - max_listed} more")
        return lines
