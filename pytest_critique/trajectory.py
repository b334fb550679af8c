"""Agent trajectories as steps: each assistant text, tool call and tool result is one step.

Messages follow the OpenAI chat format: ``role`` and ``content``, ``tool_calls`` on assistant
messages (``{"function": {"name", "arguments"}}``, or the older ``function_call``), and
``role: "tool"`` results.  System, developer and user messages are context, not steps.
"""

from __future__ import annotations

from .errors import CritiqueTypeError, CritiqueUsageError

import json
from typing import Any, Sequence

EMPTY_MESSAGE = "the solution is empty; nothing to judge"
CONTEXT_ROLES = ("system", "developer", "user")
STEP_ROLES = ("assistant", "tool", "function")


def trajectory_steps(messages: Sequence[dict[str, Any]]) -> list[str]:
    steps: list[str] = []
    tool_names: dict[str, str] = {}  # tool_call_id -> function name, to label results
    for number, message in enumerate(messages, start=1):
        role = message.get("role")
        if role in CONTEXT_ROLES:
            continue
        if role not in STEP_ROLES:
            raise CritiqueUsageError(f"message {number} has role {role!r}; expected one of "
                             f"{', '.join(CONTEXT_ROLES + STEP_ROLES)}")
        text = _content_text(message.get("content"), number)
        if role == "assistant":
            if text:
                steps.append(text)
            calls = list(message.get("tool_calls") or [])
            if message.get("function_call"):  # the older single-call form
                calls.append({"function": message["function_call"]})
            for call in calls:
                function = call.get("function") if isinstance(call, dict) else None
                if not isinstance(function, dict):
                    raise CritiqueTypeError(f"message {number} has a tool call without a 'function' "
                                    f"dict ({{'name': ..., 'arguments': ...}})")
                name = str(function.get("name") or "tool")
                if call.get("id"):
                    tool_names[str(call["id"])] = name
                steps.append(f"call {name}({_render_arguments(function.get('arguments'))})")
        else:
            name = message.get("name") or tool_names.get(str(message.get("tool_call_id")), "tool")
            steps.append(f"result of {name}: {text}" if text else f"result of {name}: (empty)")
    if not steps:
        raise CritiqueUsageError(EMPTY_MESSAGE + " (the messages hold no assistant turns or tool results)")
    return steps


def _content_text(content: Any, number: int) -> str:
    """A message's text: a string, or the text parts of a list of content parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content.strip()
    if isinstance(content, list):
        texts = []
        for part in content:
            if isinstance(part, dict) and part.get("type", "text") == "text":
                part = part.get("text")
            if not isinstance(part, str):
                raise CritiqueTypeError(f"message {number} has a content part that is not text "
                                f"({part!r:.60}); give tool calls as OpenAI-style 'tool_calls'")
            texts.append(part.strip())
        return "\n".join(text for text in texts if text)
    raise CritiqueTypeError(f"message {number} has content of type {type(content).__name__}; "
                    f"expected str, a list of content parts, or None")


def _render_arguments(arguments: Any) -> str:
    """``query="fox", limit=3`` from a JSON object (or its string form); other values as given."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except ValueError:
            return str(arguments).strip()
    if isinstance(arguments, dict):
        return ", ".join(f"{key}={_json(value)}" for key, value in arguments.items())
    return "" if arguments is None else _json(arguments)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def trajectory_context(messages: Sequence[dict[str, Any]]) -> str:
    """The messages that are not steps (system, developer, user), as text for the critic."""
    parts = []
    for number, message in enumerate(messages, start=1):
        if message.get("role") in CONTEXT_ROLES:
            text = _content_text(message.get("content"), number).strip()
            if text:
                parts.append(f"{message['role']}: {text}")
    return "\n\n".join(parts)
