"""Hooks that users and other plugins can implement in a ``conftest.py``."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.hookspec(firstresult=True)
def pytest_critique_make_backend(settings: Any, config: pytest.Config) -> Any:
    """Return the judge backend for ``settings`` (its ``model`` names it), or ``None``.

    The first non-``None`` result wins; when every implementation returns ``None`` the
    built-in rules apply (``recorded:PATH``, else a litellm model string).  A backend has
    ``name``, ``offline``, ``cacheable`` and ``complete(call) -> Reply``; subclass
    :class:`pytest_critique.OfflineJudge` for judges that are not models::

        def pytest_critique_make_backend(settings, config):
            if settings.model == "house-rules":
                return HouseRulesJudge()
    """


@pytest.hookspec
def pytest_critique_verdict(verdict: Any, item: pytest.Item) -> None:
    """Called with each verdict as soon as a test obtains it (in the process that ran the test)::

        def pytest_critique_verdict(verdict, item):
            if verdict.kind == "checklist" and not verdict.passed:
                print(item.nodeid, [i.question for i in verdict.failed_items])
    """
