"""The judge for the examples.

By default the examples run offline on a SCRIPTED judge: not a model, but rules written in
Python that answer each checklist question by inspecting the reply (regexes, counts, word
lists).  pytest-critique labels it "scripted (offline)" in its output.

The same scripted judge has a step rule for the step-level critic (``critique.steps``):
``check_step`` below.  It is far narrower than a model: in a worked solution it only recomputes
the calculations written out in a step ("8 x 24 = 192"), and in an agent's run it only checks
each tool call's arguments against the customer's request.  A step with nothing it can check
is passed, so it catches slips, not bad reasoning.

Configure a real model (CRITIQUE_MODEL=... or --critique-model=...) and the fixture below
returns None, so that model judges the same checklists and steps instead.
"""

from __future__ import annotations

import json
import os
import re

import pytest
from support_replies import INSTRUCTION

from pytest_critique import ScriptedJudge

SIGN_OFF = "The Pebble & Pine support team"


def words(text: str) -> int:
    return len(re.findall(r"[\w'’-]+", text))


def mentions_order_number(reply: str):
    found = re.search(r"\bPP-\d{5}\b", reply)
    return bool(found), f"found {found.group()}" if found else "no order number like PP-12345 in the reply"


def states_refund_amount(reply: str):
    found = re.search(r"[$€£]\s?\d+(?:\.\d{2})?", reply)
    return bool(found), f"found {found.group()}" if found else "no amount of money in the reply"


def gives_business_days(reply: str):
    found = re.search(r"\b\d+(?:\s*(?:-|to)\s*\d+)?\s+business days\b", reply)
    return bool(found), f"found {found.group()!r}" if found else "no 'N business days' in the reply"


def blames_nobody(reply: str):
    blaming = ["you should have", "your fault", "you failed to", "as stated", "as clearly stated"]
    found = [phrase for phrase in blaming if phrase in reply.lower()]
    return not found, f"blaming phrases: {', '.join(found)}" if found else "no blaming phrases"


def greets_by_name(reply: str):
    found = re.match(r"\s*(?:Hi|Hello|Dear) [A-Z][a-z]+", reply)
    return bool(found), "greets by name" if found else "the first line is not 'Hi <Name>'"


def asks_for_no_secrets(reply: str):
    request = re.search(r"\b(?:send|tell|give|share|reply with|provide|confirm)\b[^.?!]{0,40}"
                        r"\b(?:password|card number|CVV)", reply, re.IGNORECASE)
    return not request, f"asks: {request.group()!r}" if request else "asks for no password or card number"


def signs_off(reply: str):
    last = reply.strip().splitlines()[-1].strip()
    return last == SIGN_OFF, f"the last line is {last!r}"


def few_exclamations(reply: str):
    count = reply.count("!")
    return count <= 1, f"{count} exclamation marks"


def gives_a_date(reply: str):
    found = re.search(r"\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day\b(?: \d{1,2} [A-Z][a-z]+)?", reply)
    return bool(found), f"found {found.group()!r}" if found else "no day or date in the reply"


def apologises(reply: str):
    found = re.search(r"\b(?:sorry|apologi[sz]e|apologies)\b", reply, re.IGNORECASE)
    return bool(found), "apologises" if found else "no 'sorry' or 'apologise' in the reply"


def word_limit(question: str, reply: str, **context):
    """For questions no rule matches: 'Is the reply under N words?' for any N."""
    limit = re.search(r"under (\d+) words", question)
    if limit is None:
        return None  # no opinion: the item is UNSCORED, never guessed
    count = words(reply)
    return count < int(limit.group(1)), f"{count} words"


# --- step rules (the step-level critic) ------------------------------------------------------

NUMBER = r"\$?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"  # 12, 1,150, $2.50
OPERATOR = r"[-+x×*/÷]"
CALCULATION = re.compile(rf"({NUMBER}(?:\s*{OPERATOR}\s*{NUMBER})+)\s*=\s*({NUMBER})")


def number(text: str) -> float:
    return float(text.replace("$", "").replace(",", ""))


def evaluate(expression: str) -> float:
    """The value of '3 x $350' or '90 + 45 + 72': x, ×, * and /, ÷ before + and -."""
    tokens = re.findall(rf"{NUMBER}|{OPERATOR}", expression)
    terms, signs = [number(tokens[0])], []
    for operator, operand in zip(tokens[1::2], map(number, tokens[2::2])):
        if operator in "x×*":
            terms[-1] *= operand
        elif operator in "/÷":
            terms[-1] /= operand
        else:
            terms.append(operand)
            signs.append(operator)
    total = terms[0]
    for sign, term in zip(signs, terms[1:]):
        total = total + term if sign == "+" else total - term
    return total


def arithmetic_checks_out(step: str):
    """Recompute every 'a x b = c', 'a + b + c = d', ... written in the step."""
    calculations = CALCULATION.findall(step)
    for expression, stated in calculations:
        value = evaluate(expression)
        if abs(value - number(stated)) > 0.005:
            unit = "$" if stated.startswith("$") else ""
            return False, f"{expression} = {unit}{value:,.10g}, not {stated}"
    if not calculations:
        return True, "no calculation in this step to recompute"
    return True, f"recomputed {len(calculations)} calculation(s)"


COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december"]


def requested_booking(request: str) -> dict[str, object]:
    """What the customer asked for, as tool arguments: arrival date, nights, guests."""
    wanted: dict[str, object] = {}
    date = re.search(rf"\b(\d{{1,2}}) ({'|'.join(MONTHS)}) (\d{{4}})\b", request, re.IGNORECASE)
    if date:
        day, month, year = int(date.group(1)), MONTHS.index(date.group(2).lower()) + 1, date.group(3)
        wanted["arrival"] = f"{year}-{month:02d}-{day:02d}"
    count = rf"(\d+|{'|'.join(COUNTS)})"
    nights = re.search(rf"\b{count} nights?\b", request, re.IGNORECASE)
    if nights:
        wanted["nights"] = COUNTS.get(nights.group(1).lower()) or int(nights.group(1))
    guests = re.search(rf"\b{count} (?:people|adults|guests|of us)\b", request, re.IGNORECASE)
    if guests:
        wanted["guests"] = COUNTS.get(guests.group(1).lower()) or int(guests.group(1))
    return wanted


def tool_call_matches_request(step: str, request: str):
    """A step 'call book_pitch(site="fernhollow", arrival="2026-06-13", ...)' against the request."""
    name, rendered = re.fullmatch(r"call (\w+)\((.*)\)", step, re.DOTALL).groups()
    arguments = {key: json.loads(value) for key, value in re.findall(r'(\w+)=("[^"]*"|[^,]+)', rendered)}
    if "site" in arguments and arguments["site"].lower() not in request.lower():
        return False, f"{name} is for site {arguments['site']!r}, which the customer did not ask for"
    wanted = requested_booking(request)
    for key, value in wanted.items():
        if key in arguments and arguments[key] != value:
            return False, f"{name} has {key}={arguments[key]!r}, but the customer asked for {value!r}"
    checked = ", ".join(f"{key}={value!r}" for key, value in wanted.items() if key in arguments)
    return True, f"{name} matches the request ({checked or 'nothing to compare'})"


def check_step(step: str, previous: list[str], problem: str | None):
    """The scripted step rule: a tool call against the request, any other step's arithmetic.

    Returns (correct, reason).  ``previous`` (the steps before this one) is not needed here.
    """
    if step.startswith("call "):  # an agent's tool call; `problem` holds the customer's request
        return tool_call_matches_request(step, problem or "")
    if step.startswith("result of "):  # what a tool returned: not the agent's doing
        return True, "a tool result"
    return arithmetic_checks_out(step)


# --- pairwise and rubric rules -------------------------------------------------------------

REFUND_RULES = [mentions_order_number, states_refund_amount, gives_business_days, blames_nobody, apologises]


def refund_rules_met(reply: str) -> int:
    return sum(rule(reply)[0] for rule in REFUND_RULES)


def prefer_reply(first: str, second: str, instruction=None, criteria=None):
    """The reply meeting more refund rules wins; the order they are shown in plays no part."""
    met_first, met_second = refund_rules_met(first), refund_rules_met(second)
    reason = f"refund rules met: shown first {met_first}, shown second {met_second}"
    if met_first == met_second:
        return "tie", reason
    return ("first" if met_first > met_second else "second"), reason


def grade_reply(reply: str, criteria=None, scores=None, reference=None, instruction=None):
    """Rubric grade: the number of refund rules the reply meets (at least 1)."""
    met = refund_rules_met(reply)
    missing = [rule.__name__ for rule in REFUND_RULES if not rule(reply)[0]]
    return max(1, min(5, met)), f"meets {met} of {len(REFUND_RULES)} refund rules; missing: {missing or 'none'}"


# --- grounding and self-consistency rules ---------------------------------------------------

FACTS = {  # the product facts the rules compare, and how a sentence states each one's value
    "capacity": re.compile(r"\bsleeps (\w+) adults\b"),
    "weight": re.compile(r"\b(\d+(?:\.\d+)? ?k?g)\b"),
    "boiling time": re.compile(r"\bin (\d+ minutes)\b"),
    "warranty": re.compile(r"\b(lifetime|\d+-year) warranty\b|\bwarranty of (\d+ years?)\b"),
}


def facts(text: str) -> dict[str, str]:
    """The facts a text states: {"weight": "1.9kg", "warranty": "2y", ...}."""
    found = {}
    for name, pattern in FACTS.items():
        match = pattern.search(text.lower())
        if match:
            value = re.sub(r"[\s-]", "", next(group for group in match.groups() if group))
            found[name] = re.sub(r"(\d)years?$", r"\1y", value)
    return found


def differences(stated: dict[str, str], other: dict[str, str]) -> list[str]:
    return [f"{name}: {value} vs {other[name]}" for name, value in stated.items() if other.get(name, value) != value]


def backs_up(sentence: str, passage: str):
    """Self-consistency: another answer backs up a sentence when it states the same value for each of
    the sentence's facts (a sentence with no fact the rules know is passed)."""
    stated, other = facts(sentence), facts(passage)
    missing = [name for name in stated if name not in other]
    wrong = differences(stated, other)
    if missing or wrong:
        return False, "; ".join(wrong + [f"{name}: not stated" for name in missing])
    return True, f"same {', '.join(stated)}" if stated else "no fact the rules compare"


def claims_of(answer: str) -> list[str]:
    """An answer's claims: its sentences (a model would split them further and resolve "it")."""
    return [sentence.strip() for sentence in re.split(r"(?<=[.!?])\s+", answer) if sentence.strip()]


def ground_claim(claim: str, sources: list[str]):
    """Grounding: a sentence of the sources that states the claim's facts with the same values supports it
    (quoted), one that gives a fact another value contradicts it, and otherwise it is not found."""
    stated = facts(claim)
    sentences = [sentence for source in sources for sentence in claims_of(source)]
    for sentence in sentences:
        if stated and all(facts(sentence).get(name) == value for name, value in stated.items()):
            return "supported", sentence, f"same {', '.join(stated)}"
    for sentence in sentences:
        wrong = differences(stated, facts(sentence))
        if wrong:
            return "contradicted", sentence, "; ".join(wrong)
    return "not found"


SCRIPTED_JUDGE = ScriptedJudge(
    # question regex (case-insensitive) -> check of the reply; the first match answers
    {
        r"order number": mentions_order_number,
        r"refund amount": states_refund_amount,
        r"business days": gives_business_days,
        r"blam": blames_nobody,
        r"greet": greets_by_name,
        r"password": asks_for_no_secrets,
        r"sign off": signs_off,
        r"two adults": lambda reply: bool(re.search(r"\b(?:two|2) (?:adults|people)\b", reply)),
        r"weight": lambda reply: bool(re.search(r"\b\d+(?:\.\d+)?\s?(?:kg|g|lb)\b", reply)),
        r"product page": lambda reply: "https://pebbleandpine.example/" in reply,
        r"exclamation": few_exclamations,
        r"apologi": apologises,
        r"delivery date": gives_a_date,
    },
    answer=word_limit,
    step=check_step,  # one step of a solution or an agent's run, given the steps before it
    prefer=prefer_reply,  # critique.compare(): which of two replies is better
    grade=grade_reply,  # critique.rubric(): a score from 1 to 5
    support=backs_up,  # critique.consistent(): does another answer back up a sentence?
    claims=claims_of,  # critique.grounded(): the claims of an answer ...
    ground=ground_claim,  # ... and what the sources say of each
    # What a model would generate from the app's instruction (TICK); a real model writes its own.
    checklists={INSTRUCTION: [
        "Does the reply greet the customer by name?",
        "Is the reply under 150 words?",
        "Does the reply avoid asking for passwords or card numbers?",
        f"Does the reply sign off as '{SIGN_OFF}'?",
    ]},
)


@pytest.fixture
def critique_backend(request: pytest.FixtureRequest):
    if request.config.getoption("critique_model") or os.environ.get("CRITIQUE_MODEL"):
        return None  # a model is configured: let it judge
    return SCRIPTED_JUDGE
