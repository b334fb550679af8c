"""The test item ``--critique-calibrate=LABELS`` adds: the configured judge against labelled verdicts.

It is one item of the run, so its outcome, its ``critique`` section and its verdict (in the
terminal summary and the JSON report) travel like any test's, with or without xdist.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .errors import CritiqueFailed
from .files import resolve


class CalibrationItem(pytest.Item):
    """Runs the judge on the labelled questions; fails when Cohen's kappa is below --critique-min-kappa."""

    def __init__(self, *, labels: Path, critic_key: Any, session_key: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.labels = labels
        self._critic_key = critic_key
        self._session_key = session_key

    def runtest(self) -> None:
        session = self.config.stash[self._session_key]
        critic = session.critic_for(self)
        self.stash[self._critic_key] = critic
        verdict = critic.calibrate(self.labels)
        if not verdict.passed:
            raise CritiqueFailed(verdict.headline)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, CritiqueFailed):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.labels, None, f"critique calibration against {self.labels.name}"


def labels_path(config: pytest.Config, name: str) -> Path:
    """A labels path as given, relative to the directory pytest was started in."""
    return resolve(name, config.invocation_params.dir)
