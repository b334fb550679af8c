"""Judge backends: where answers come from (a model through litellm, or offline judges)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import CritiqueUsageError
from ..files import resolve

if TYPE_CHECKING:
    from ..settings import Settings
    from .base import Backend


def builtin_backend(settings: "Settings", root: Path) -> "Backend":
    """The backend a model string names: ``recorded:PATH``, or any litellm model string (an ``openai/``
    model at an OpenAI-compatible server is called over plain HTTP unless the client setting says litellm)."""
    __tracebackhide__ = True
    spec = settings.model
    if not spec:
        raise CritiqueUsageError(
            "no judge configured. Set critique_model in your ini file, CRITIQUE_MODEL in "
            "the environment, or --critique-model (any litellm model string such as "
            "openai/gpt-4o-mini, or recorded:PATH for recorded verdicts), or override the "
            "critique_backend fixture with an offline judge such as pytest_critique.ScriptedJudge.")
    if spec.startswith("recorded:"):
        from .recorded import RecordedJudge

        return RecordedJudge(resolve(spec.removeprefix("recorded:"), root))
    if spec == "scripted" or spec.startswith("scripted:"):
        raise CritiqueUsageError(
            "a scripted judge needs rules, so it cannot be named by a model string; "
            "override the critique_backend fixture with pytest_critique.ScriptedJudge(...)")
    key = settings.api_key.reveal() if settings.api_key else None
    if settings.client == "auto" and spec.startswith("openai/"):
        from .openai_http import OpenAIHTTPBackend, base_url

        if base_url(settings.api_base):
            return OpenAIHTTPBackend(spec, api_base=settings.api_base, api_key=key)
    from .litellm_backend import LiteLLMBackend

    return LiteLLMBackend(spec, api_base=settings.api_base, api_key=key)
