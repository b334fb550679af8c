"""Grounding, claim by claim (as claim-level fact checkers such as MiniCheck do, with the judge as the
checker): the response is broken into atomic claims (one request, cached), and each claim is judged
against the sources it should rest on: supported, contradicted, or not found.

A supported or contradicted verdict must quote the passage it rests on, and the quote is looked up in
the sources: one that is not there word for word (whitespace, typographic quote marks and ``...`` gaps
aside) is no answer (the judge is asked once more, then the claim is UNSCORED), so an invented passage
never makes a claim supported.  The score is the share of claims supported; the verdict passes when
it reaches the threshold.
"""

from __future__ import annotations

import re
from typing import Any, Literal, Mapping, Sequence

from pydantic import BaseModel, Field, computed_field, field_validator

from ..backends.base import JudgeCall, OfflineJudge
from ..errors import JudgeFailure, UnscoredError
from ..html_parts import Html, badge, collapsible, join, line, row, rows
from ..models import Usage, VerdictBase
from ..report_text import judge_label, plural, shorten
from ..tasks import ReplyProblem, Statements, Task
from .context import JudgeContext, total_usage
from .kind import Failing, Figures, JudgeKind, RunCounts, ShowNodeid

MAX_CLAIMS = 50
SUPPORTED, CONTRADICTED, NOT_FOUND = "supported", "contradicted", "not found"
GroundingAnswer = Literal["supported", "contradicted", "not found"]


# Finding a quote in the sources.

_TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_GAP = re.compile(r"\s*(?:\.\.\.|\u2026|\[\s*(?:\.\.\.|\u2026)\s*\])\s*")
_ENDS = " \t\n\"'`.,;"


def _plain(text: str) -> str:
    return " ".join(text.translate(_TYPOGRAPHIC).split())


def locate(quote: str, sources: Sequence[str]) -> int | None:
    """The 1-based number of the first source that holds ``quote`` word for word, else None.

    Differences in whitespace and typographic quote marks are ignored, as are quote marks and a full
    stop around the quote; ``...`` (or ``…``) stands for a gap: the pieces must occur in order in one
    source.  A quote with no letter or digit is found nowhere.
    """
    pieces = [piece.strip(_ENDS) for piece in _GAP.split(_plain(quote).strip(_ENDS))]
    pieces = [piece for piece in pieces if piece]
    if not pieces or not any(re.search(r"\w", piece) for piece in pieces):
        return None
    for number, source in enumerate(sources, start=1):
        text, position = _plain(source), 0
        for piece in pieces:
            found = text.find(piece, position)
            if found < 0:
                break
            position = found + len(piece)
        else:
            return number
    return None


_PASSAGE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_WORD = re.compile(r"\w{3,}")
_COMMON = frozenset("the and for are was were that this with from have has had its not but his her their "
                    "they them you your our who what which when where there than then also into".split())


def _words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _COMMON}


def closest_passage(claim: str, sources: Sequence[str]) -> tuple[int, str] | None:
    """The sentence of the sources that shares most with ``claim`` (its source's 1-based number and the
    sentence), for a report to show beside a claim the judge did not find; None when none shares a word.

    A shared word counts the more, the fewer sentences hold it (a name every sentence repeats tells
    little about which one is meant)."""
    wanted = _words(claim)
    passages = [(number, passage.strip(), _words(passage) & wanted)
                for number, source in enumerate(sources, start=1) for passage in _PASSAGE_END.split(source)]
    holding = {word: sum(1 for _, _, words in passages if word in words) for word in wanted}
    best: tuple[float, int, str] | None = None
    for number, passage, shared in passages:
        weight = sum(1 / holding[word] for word in shared)
        if shared and (best is None or weight > best[0]):
            best = (weight, number, passage)
    return None if best is None else (best[1], best[2])


# The tasks.

_VERDICT_WORDS = {"supported": SUPPORTED, "support": SUPPORTED, "entailed": SUPPORTED,
                  "contradicted": CONTRADICTED, "contradiction": CONTRADICTED, "contradicts": CONTRADICTED,
                  "refuted": CONTRADICTED, "not found": NOT_FOUND, "not_found": NOT_FOUND, "notfound": NOT_FOUND,
                  "not supported": NOT_FOUND, "unsupported": NOT_FOUND, "not enough information": NOT_FOUND,
                  "no evidence": NOT_FOUND}


def _verdict_word(value: Any) -> Any:
    """One of the three verdicts from the ways models write them; anything else (a hedge such as
    ``partially supported``) is left for validation to refuse."""
    if isinstance(value, str):
        word = " ".join(value.strip().strip(".*_`'\" ").lower().split())
        return _VERDICT_WORDS.get(word, value)
    return value


class Claims(BaseModel):
    claims: list[str] = Field(max_length=MAX_CLAIMS)

    @field_validator("claims")
    @classmethod
    def _clean(cls, claims: list[str]) -> list[str]:
        cleaned = [" ".join(re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", claim).split()) for claim in claims]
        return list(dict.fromkeys(claim for claim in cleaned if claim))


class ClaimCheck(BaseModel):
    reasoning: str = ""
    verdict: GroundingAnswer
    quote: str = ""
    """The passage of the sources the verdict rests on, copied word for word (empty for "not found")."""

    _normalise = field_validator("verdict", mode="before")(_verdict_word)


def _quote_in_sources(answer: ClaimCheck, call: JudgeCall) -> None:
    if answer.verdict == NOT_FOUND:
        return
    if not answer.quote.strip():
        raise ReplyProblem(f'a "{answer.verdict}" verdict needs the passage it rests on, copied word for word '
                           'into "quote"')
    if locate(answer.quote, call.fields["sources"]) is None:
        raise ReplyProblem(f"the quote {shorten(answer.quote, 80)!r} does not occur word for word in the sources; "
                           'copy the passage exactly, or answer "not found"')


_QUOTE_LINE = re.compile(r"^[\s*_>#-]*(?:quote|passage|evidence)[\s*_]*[:=][\s*_]*(.*?)[\s*_]*$", re.IGNORECASE)
_VERDICT_STATEMENTS = Statements(
    "verdict",
    patterns=(re.compile(r"(?:^|(?<=[.!?])\s)[\s*_>#-]*(?:final\s+)?(?:verdict|answer|decision|label)"
                         r"[\s*_\"':=-]*(supported|contradicted|not\s+found|not\s+supported|unsupported)"
                         r"(?![\w-])", re.IGNORECASE),),
    bare={"supported": SUPPORTED, "contradicted": CONTRADICTED, "not found": NOT_FOUND,
          "not supported": NOT_FOUND, "unsupported": NOT_FOUND},
    convert=lambda found: _VERDICT_WORDS[" ".join(found.lower().split())])


def _read_prose(text: str) -> dict[str, Any] | None:
    """A verdict stated in prose (``Verdict: supported``) with the quote on a line of its own (``Quote: ...``)."""
    quotes = [match.group(1) for line in text.splitlines() if (match := _QUOTE_LINE.match(line))]
    found = _VERDICT_STATEMENTS("\n".join(line for line in text.splitlines() if not _QUOTE_LINE.match(line)))
    if found is None:
        return None
    if len(set(quotes)) > 1:
        raise ReplyProblem("the reply gives more than one quote; give the one passage the verdict rests on")
    return {**found, "quote": quotes[0] if quotes else ""}


def _offline_claims(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    claims = judge.claims(response=call.fields["response"])
    if claims is None:
        raise JudgeFailure(f"{judge.name} cannot break a response into claims; pass claims=[...]", "missing")
    return {"claims": list(claims)}


def _offline_check(judge: OfflineJudge, call: JudgeCall) -> dict[str, Any]:
    found = judge.ground(claim=call.fields["claim"], sources=list(call.fields["sources"]))
    if found is None:
        raise JudgeFailure(f"{judge.name} has no grounding verdict for claim {call.fields['claim']!r}", "missing")
    verdict, quote, reason = found
    return {"reasoning": reason, "verdict": verdict, "quote": quote}


CLAIMS = Task("grounding.claims", "grounding_claims.j2", Claims, offline=_offline_claims, tokens=lambda fields: 2048)
CHECK = Task("grounding.check", "grounding_check.j2", ClaimCheck, check=_quote_in_sources, text_fallback=_read_prose,
             failing=lambda answer: answer in ("CONTRADICTED", "NOT FOUND"), offline=_offline_check,
             decided=lambda data, fields: {fields["claim"]: data["verdict"]})


# The verdict.

class ClaimVerdict(BaseModel):
    """One claim of the response and what the sources say of it."""

    index: int
    """1-based."""
    text: str
    verdict: GroundingAnswer | None = None
    """None: unscored (the judge gave no readable answer, or quoted a passage the sources do not hold)."""
    quote: str | None = None
    """The judge's quote, found in the sources (for supported and contradicted claims)."""
    source: int | None = None
    """The 1-based number of the source the quote is in."""
    closest: str | None = None
    """For a claim not found: the sentence of the sources sharing the most words with it."""
    closest_source: int | None = None
    reason: str = ""
    error: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def supported(self) -> bool | None:
        return None if self.verdict is None else self.verdict == SUPPORTED


class GroundingVerdict(VerdictBase):
    """Each claim of a response judged against its sources."""

    kind: Literal["grounding"] = "grounding"
    judge: str
    offline: bool = False
    claims: list[ClaimVerdict]
    claims_given: bool = False
    """True when the test gave the claims; False when the judge broke the response into them."""
    sources: list[str]
    threshold: float = 1.0
    usage: Usage = Field(default_factory=Usage)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def score(self) -> float | None:
        """The share of claims supported; None when any claim went unscored, or there is none."""
        if not self.claims or any(claim.verdict is None for claim in self.claims):
            return None
        return sum(1 for claim in self.claims if claim.supported) / len(self.claims)

    @property
    def unsupported(self) -> list[ClaimVerdict]:
        """The claims judged contradicted or not found, in order."""
        return [claim for claim in self.claims if claim.supported is False]

    @property
    def unscored_claims(self) -> list[ClaimVerdict]:
        return [claim for claim in self.claims if claim.verdict is None]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.threshold

    @computed_field  # type: ignore[prop-decorator]
    @property
    def headline(self) -> str:
        count = plural(len(self.claims), "claim")
        if not self.claims:
            return "critique: no claim to check (the judge found none in the response)"
        if self.score is None:
            return f"critique: {len(self.unscored_claims)} of {count} unscored"
        supported = len(self.claims) - len(self.unsupported)
        if self.passed:
            return f"critique: {supported} of {count} supported by the sources (threshold {self.threshold:.2f})"
        first = self.unsupported[0]
        return (f"critique: {supported} of {count} supported by the sources, score {self.score:.2f} < threshold "
                f"{self.threshold:.2f}; claim {first.index} {first.verdict}: {shorten(first.text, 80)}")


def claims_of(context: JudgeContext, response: str) -> tuple[list[str], Usage]:
    """The response's claims as the judge lists them (one request, cached)."""
    __tracebackhide__ = True
    backend = context.backend()
    [outcome] = context.run(backend, CLAIMS, [context.call(CLAIMS, {"response": response, "max_claims": MAX_CLAIMS})])
    if outcome.failure is not None or outcome.data is None:
        reason = outcome.failure.reason if outcome.failure else "no data"
        raise UnscoredError(f"could not break the response into claims: {reason}")
    return list(outcome.data["claims"]), outcome.usage


def judge(context: JudgeContext, response: str, sources: list[str], claims: list[str] | None,
          threshold: float) -> GroundingVerdict:
    """Every claim (given, else the judge's) against ``sources``: one request per claim."""
    __tracebackhide__ = True
    backend = context.backend()
    usage = Usage()
    given = claims is not None
    if claims is None:
        claims, usage = claims_of(context, response)
    calls = [context.call(CHECK, {"sources": sources, "claim": claim}) for claim in claims]
    outcomes = context.run(backend, CHECK, calls)
    judged = []
    for number, (claim, outcome) in enumerate(zip(claims, outcomes), start=1):
        if outcome.failure is not None or outcome.data is None:
            error = outcome.failure.reason if outcome.failure is not None else "no answer"
            judged.append(ClaimVerdict(index=number, text=claim, error=error))
            continue
        answer = outcome.data
        verdict = ClaimVerdict(index=number, text=claim, verdict=answer["verdict"],
                               reason=str(answer.get("reasoning") or ""))
        if verdict.verdict != NOT_FOUND:
            verdict.quote, verdict.source = answer["quote"], locate(answer["quote"], sources)
        else:
            near = closest_passage(claim, sources)
            if near is not None:
                verdict.closest_source, verdict.closest = near
        judged.append(verdict)
    return GroundingVerdict(judge=backend.name, offline=backend.offline, claims=judged, claims_given=given,
                            sources=sources, threshold=threshold, usage=usage + total_usage(outcomes),
                            response=response)


# Reporting (on the JSON form of verdicts).

_MARKS = {SUPPORTED: "✓", CONTRADICTED: "✗", NOT_FOUND: "✗", None: "?"}


def _evidence(claim: Mapping[str, Any]) -> str | None:
    """Where a claim stands in the sources, as the report shows it under an unsupported claim."""
    if claim.get("verdict") == CONTRADICTED and claim.get("quote"):
        return f"source {claim.get('source')} says: \"{claim['quote']}\""
    if claim.get("verdict") == NOT_FOUND:
        if claim.get("closest"):
            return f"closest, source {claim.get('closest_source')}: \"{claim['closest']}\""
        return "no passage of the sources shares a word with it"
    return None


class GroundingFigures(Figures):
    def __init__(self) -> None:
        self.verdicts = self.claims = 0
        self.counted = {SUPPORTED: 0, CONTRADICTED: 0, NOT_FOUND: 0, None: 0}

    def add(self, counts: RunCounts, nodeid: str, verdict: Mapping[str, Any], test_passed: bool) -> None:
        self.verdicts += 1
        for claim in verdict.get("claims", []):
            self.claims += 1
            counts.judged += 1
            self.counted[claim.get("verdict")] = self.counted.get(claim.get("verdict"), 0) + 1
            if claim.get("verdict") in (CONTRADICTED, NOT_FOUND):
                counts.failing.append(Failing(nodeid, claim["index"], f"claim {claim['index']} ({claim['verdict']}): "
                                              f"{claim['text']}", test_passed))

    def as_dict(self) -> dict[str, Any]:
        return {"grounding": {"checks": self.verdicts, "claims": self.claims, "supported": self.counted[SUPPORTED],
                              "contradicted": self.counted[CONTRADICTED], "not_found": self.counted[NOT_FOUND],
                              "unscored": self.counted[None]}}

    def lines(self, show_nodeid: ShowNodeid, max_listed: int) -> list[str]:
        if not self.verdicts:
            return []
        return [f"grounding: {plural(self.verdicts, 'response')} checked, {plural(self.claims, 'claim')}: "
                f"{self.counted[SUPPORTED]} supported, {self.counted[CONTRADICTED]} contradicted, "
                f"{self.counted[NOT_FOUND]} not found" + (f", {self.counted[None]} unscored" if self.counted[None]
                                                          else "")]

    def tiles(self) -> list[tuple[str, str, str]]:
        if not self.claims:
            return []
        share = self.counted[SUPPORTED] / self.claims
        return [("claims supported", f"{share:.0%}", f"{self.counted[SUPPORTED]} of {plural(self.claims, 'claim')}")]


class GroundingKind(JudgeKind):
    name = "grounding"

    def lines(self, verdict: Mapping[str, Any], width: int = 100) -> list[str]:
        usage = verdict.get("usage", {})
        claims = verdict.get("claims", [])
        score = verdict.get("score")
        shown = f"score {score:.2f}" if score is not None else "not scored"
        supported = sum(1 for claim in claims if claim.get("verdict") == SUPPORTED)
        lines = [f"grounding · judge {judge_label(verdict)} · {plural(len(claims), 'claim')} "
                 f"({'given' if verdict.get('claims_given') else 'generated'}) against "
                 f"{plural(len(verdict.get('sources') or []), 'source')} · {supported} supported, {shown} "
                 f"(threshold {verdict.get('threshold', 1.0):.2f}) · {plural(usage.get('calls', 0), 'judge call')}, "
                 f"{usage.get('cached', 0)} cached"]
        for claim in claims:
            status = claim.get("verdict") or "UNSCORED"
            lines.append(f"  {_MARKS.get(claim.get('verdict'), '?')} {claim['index']:>2}  {status:<12}  "
                         f"{shorten(claim['text'], width - 22)}")
            evidence = _evidence(claim)
            if evidence:
                lines.append(f"        {shorten(evidence, width - 8)}")
            if claim.get("error"):
                lines.append(f"        UNSCORED: {shorten(claim['error'], width - 18)}")
        return lines

    def html(self, verdict: Mapping[str, Any]) -> Html:
        claims = verdict.get("claims", [])
        sources = verdict.get("sources") or []
        score = verdict.get("score")
        parts = [line("score", f"{'not scored' if score is None else f'{score:.2f}'} (threshold "
                      f"{verdict.get('threshold', 1.0):.2f}) · {plural(len(claims), 'claim')} "
                      f"({'given by the test' if verdict.get('claims_given') else 'listed by the judge'})")]
        parts += [collapsible(f"source {number} ({len(text):,} characters)", text)
                  for number, text in enumerate(sources, start=1)]
        shown = []
        for claim in claims:
            said = claim.get("verdict")
            ok = None if said is None else said == SUPPORTED
            details = [f"UNSCORED: {claim.get('error')}" if said is None else claim.get("reason") or ""]
            if claim.get("quote"):
                details.append(f"source {claim.get('source')}: \u201c{claim['quote']}\u201d")
            elif said == NOT_FOUND:
                details.append(_evidence(claim) or "")
            shown.append(row(ok, claim.get("index"), claim.get("text"), *details,
                             tags=[badge(said or "unscored", {SUPPORTED: "good", None: "muted"}.get(said, "bad"))]))
        parts.append(rows(shown))
        return join(parts)

    def shows_unscored(self, verdict: Mapping[str, Any]) -> bool:
        return any(claim.get("verdict") is None for claim in verdict.get("claims", []))

    def unscored(self, verdict: Any) -> str | None:
        if not verdict.claims:
            return ("critique: the judge found no claim in the response to check against the sources; pass "
                    "claims=[...] to check given claims")
        missing = verdict.unscored_claims
        if not missing:
            return None
        reasons = sorted({claim.error or "no answer" for claim in missing})
        return f"{verdict.headline}: {reasons[0]}"

    def figures(self) -> GroundingFigures:
        return GroundingFigures()

    def parts(self, verdict: Mapping[str, Any]) -> list[tuple[str, bool | None]]:
        return [(str(claim.get("text")), None if claim.get("verdict") is None else claim["verdict"] == SUPPORTED)
                for claim in verdict.get("claims", [])]

    def properties(self, verdict: Mapping[str, Any]) -> list[tuple[str, Any]]:
        return [("score", verdict.get("score")), ("threshold", verdict.get("threshold"))]


KIND = GroundingKind()
