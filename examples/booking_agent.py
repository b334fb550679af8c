"""The app under test: Pebble & Pine's campsite booking agent.

The agent reads a customer's message, looks up free pitches with the ``find_pitches`` tool, books
one with ``book_pitch`` and confirms.  Its runs were stored as chat messages (the OpenAI format:
assistant messages with ``tool_calls``, then ``role: "tool"`` messages with the results), so the
examples run with no model.  In the Fernhollow run the agent books the wrong arrival date on
purpose; the test that catches it is named ``..._fails_on_purpose``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

SYSTEM = ("You are the campsite booking agent of Pebble & Pine. Find a free pitch with find_pitches, "
          "book it with book_pitch exactly as the customer asked, and confirm the booking and its price.")


@dataclass(frozen=True)
class Run:
    id: str
    request: str
    """The customer's message."""
    messages: list[dict[str, Any]]
    """The whole run: system prompt, the customer's message, then the agent's turns and tool results."""


def _tool_call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}


def _run(id: str, request: str, *turns: dict[str, Any]) -> Run:
    messages = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": request}, *turns]
    return Run(id=id, request=request, messages=messages)


_RUNS = [
    _run(
        "lakeside",
        "Hi, can I book a pitch at Lakeside for Saturday 4 July 2026, one night, for 2 people? Tom",
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("call_1", "find_pitches", site="lakeside", arrival="2026-07-04", nights=1, guests=2)]},
        {"role": "tool", "tool_call_id": "call_1",
         "content": '{"free": ["L2", "L7"], "price_per_night": 32}'},
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("call_2", "book_pitch", site="lakeside", pitch="L2", arrival="2026-07-04", nights=1,
                       guests=2)]},
        {"role": "tool", "tool_call_id": "call_2", "content": '{"booking": "LS-1187", "status": "confirmed"}'},
        {"role": "assistant", "content": "You're booked, Tom: pitch L2 at Lakeside on Saturday 4 July for one "
                                         "night, 1 x $32 = $32. Your booking reference is LS-1187."},
    ),
    _run(
        "fernhollow",
        "Hello! Please book us a tent pitch at Fernhollow arriving Friday 12 June 2026, for two nights, "
        "three of us. Thanks, Ines",
        {"role": "assistant", "content": "Let me see which pitches are free that weekend.", "tool_calls": [
            _tool_call("call_1", "find_pitches", site="fernhollow", arrival="2026-06-12", nights=2, guests=3)]},
        {"role": "tool", "tool_call_id": "call_1",
         "content": '{"free": ["F4", "F9"], "price_per_night": 28}'},
        # Wrong on purpose: the customer arrives on 12 June, the agent books from the 13th.
        {"role": "assistant", "content": None, "tool_calls": [
            _tool_call("call_2", "book_pitch", site="fernhollow", pitch="F4", arrival="2026-06-13", nights=2,
                       guests=3)]},
        {"role": "tool", "tool_call_id": "call_2", "content": '{"booking": "FH-2291", "status": "confirmed"}'},
        {"role": "assistant", "content": "All set, Ines: pitch F4 at Fernhollow for two nights, "
                                         "2 x $28 = $56. Your booking reference is FH-2291."},
    ),
]

RUNS = {run.id: run for run in _RUNS}
