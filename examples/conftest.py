"""The judge for the examples.

By default the examples run offline on a SCRIPTED judge: not a model, but rules written in
Python that answer each checklist question by inspecting the reply (regexes, counts, word
lists).  pytest-critique labels it "scripted (offline)" in its output.

Configure a real model (CRITIQUE_MODEL=... or --critique-model=...) and the fixture below
returns None, so that model judges the same checklists instead.
"""

from __future__ import annotations

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
