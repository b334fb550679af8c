"""Test reports and the verdicts on them, including tests whose expectations are still being judged.

A test that asked ``critique.expect...`` ends before its verdicts are in.  The plugin runs each
test that uses the ``critique`` fixture through pytest's own ``runtestprotocol(log=False)`` and
holds its reports (and those of every test after it, so reports stay in collection order) until
its expectations are settled; then the call report gets the verdicts, its outcome and its
failure text, and the reports are logged as pytest would have logged them.  Meanwhile the next
tests run and their judge calls share the run's in-flight limit.
"""

from __future__ import annotations

import functools
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pytest
from _pytest._code.code import ReprEntry, ReprExceptionInfo, ReprFileLocation, ReprTraceback
from _pytest.pathlib import bestrelpath
from _pytest.runner import runtestprotocol
from _pytest.skipping import xfailed_key

from . import telemetry
from .errors import UnscoredError

if TYPE_CHECKING:
    from .expectations import Unmet

CRITIC_KEY = pytest.StashKey[Any]()
"""The test's critic (set by the ``critique`` fixture)."""
REPORTED_KEY = pytest.StashKey[tuple[int, int, int]]()
"""How many verdicts, checklists and no-verdict usages of the critic earlier reports carried."""
MANAGED_KEY = pytest.StashKey[bool]()
"""The test runs under :class:`HeldReports` (its expectations may be settled after it)."""
HELD_KEY = pytest.StashKey[bool]()
"""The test's call report waits for its expectations."""


def attach_verdicts(item: pytest.Item, report: pytest.TestReport, unscored: BaseException | None = None) -> None:
    """Put the verdicts the test's critic recorded since the last report on ``report``."""
    critic = item.stash.get(CRITIC_KEY, None)
    if critic is None and unscored is None:
        return
    seen_verdicts, seen_checklists, seen_usage = item.stash.get(REPORTED_KEY, (0, 0, 0))
    if critic is not None and unscored is None and (len(critic.verdicts), len(critic.new_checklists),
                             len(critic.usage_outside_verdicts)) == (seen_verdicts, seen_checklists, seen_usage):
        return  # nothing new since the last report (a setup or teardown report, usually)
    from .report import attach

    verdicts = critic.verdicts[seen_verdicts:] if critic is not None else []
    checklists = critic.new_checklists[seen_checklists:] if critic is not None else []
    usage = critic.usage_outside_verdicts[seen_usage:] if critic is not None else []
    item.stash[REPORTED_KEY] = (seen_verdicts + len(verdicts), seen_checklists + len(checklists),
                                seen_usage + len(usage))
    payload = attach(report, verdicts, checklists, unscored, usage)
    if payload and payload["verdicts"] and telemetry.traced(item.nodeid):
        from .report import evaluation

        telemetry.evaluations(item.nodeid, [evaluation(verdict) for verdict in payload["verdicts"]])
    if payload and payload["verdicts"] and getattr(item.config.option, "xmlpath", None):
        # JUnit XML takes a test's properties from its teardown report, which is made from the item's
        from .report_junit import properties


        item.user_properties.extend(properties(payload["verdicts"]))


def on_report(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> None:
    """``pytest_runtest_makereport``: the verdicts of the phase, unless they wait for expectations."""
    critic = item.stash.get(CRITIC_KEY, None)
    if item.stash.get(HELD_KEY, False):
        return  # the teardown of a held test: everything goes on its call report once settled
    sync_unscored = call.excinfo.value if call.excinfo is not None and isinstance(
        call.excinfo.value, UnscoredError) else None
    if critic is not None and critic.expected and call.when != "setup":
        if call.when == "call" and item.stash.get(MANAGED_KEY, False):
            item.stash[HELD_KEY] = True
            report.critique_sync_unscored = sync_unscored  # type: ignore[attr-defined]
            return
        complete(item, report, sync_unscored)  # not held (another plugin runs the test): wait now
        return
    if critic is None and sync_unscored is None:
        return
    attach_verdicts(item, report, sync_unscored)


def complete(item: pytest.Item, report: pytest.TestReport, sync_unscored: BaseException | None) -> None:
    """Settle the test's expectations and put their outcome on ``report`` (its call report)."""
    critic = item.stash[CRITIC_KEY]
    unmet = critic.settle()
    failures = [entry for entry in unmet if not entry.unscored]
    unscored = sync_unscored
    if unscored is None and unmet and not failures:
        unscored = unmet[0].error  # every unmet expectation is UNSCORED: so is the test
    attach_verdicts(item, report, unscored)
    if not unmet:
        return
    text = _failure_text(failures or unmet, item.config.invocation_params.dir)
    xfailed = item.stash.get(xfailed_key, None)
    strict_xpass = isinstance(report.longrepr, str) and report.longrepr.startswith("[XPASS(strict)]")
    if xfailed is not None and not item.config.option.runxfail and (report.passed or strict_xpass) and (
            xfailed.raises is None or _raised_as(xfailed.raises, (failures or unmet)[0].error)):
        # The test was expected to fail, and an expectation did: an xfail, as an assertion there would be.
        report.outcome, report.longrepr = "skipped", text
        report.wasxfail = xfailed.reason
    elif report.passed:
        report.outcome, report.longrepr = "failed", text
        report.__dict__.pop("wasxfail", None)


def _raised_as(raises: Any, error: BaseException) -> bool:
    try:
        return isinstance(error, raises) if isinstance(raises, (type, tuple)) else bool(raises.matches(error))
    except (TypeError, AttributeError):
        return False


def _failure_text(unmet: list["Unmet"], directory: Path) -> ReprExceptionInfo:
    """The failure as pytest shows one: each unmet expectation's line, and its reason."""
    entries = []
    for entry in unmet:
        where = entry.expectation.where
        path = _relative(directory, where.path)
        lines = [f">       {where.source}"] + [f"E       {line}" for line in entry.message.splitlines() or [""]]
        entries.append(ReprEntry(lines, None, None, ReprFileLocation(path, where.lineno, type(
            entry.error).__name__), "long"))
    first = unmet[0]
    message = first.message if len(unmet) == 1 else f"{first.message} (and {len(unmet) - 1} more expectations)"
    return ReprExceptionInfo(ReprTraceback(entries, None, "long"), ReprFileLocation(
        _relative(directory, first.expectation.where.path), first.expectation.where.lineno, message))


@functools.lru_cache(maxsize=64)
def _relative(directory: Path, path: str) -> str:
    """``path`` as pytest names a file in a failure: relative to the directory pytest runs in, where it can be."""
    return bestrelpath(directory, Path(path))


def _other_protocols(config: pytest.Config) -> list[Callable[[pytest.Item], bool]]:
    """For each plugin besides pytest's runner and this one that implements ``pytest_runtest_protocol``
    (to run a test again, say): whether it runs a given test itself, when held reports would bypass it.
    pytest-rerunfailures runs only the tests it may rerun; any other plugin is assumed to run every test."""
    found: list[Callable[[pytest.Item], bool]] = []
    for hookimpl in config.hook.pytest_runtest_protocol.get_hookimpls():
        if hookimpl.hookwrapper or getattr(hookimpl, "wrapper", False) or hookimpl.plugin_name == "runner":
            continue
        module = getattr(hookimpl.function, "__module__", "")
        if module == "pytest_critique.plugin":
            continue
        reruns = getattr(sys.modules.get(module), "get_reruns_count", None)
        if module == "pytest_rerunfailures" and callable(reruns):
            found.append(_reruns(reruns))
        else:
            found.append(lambda item: True)
    return found


def _reruns(count: Callable[[pytest.Item], Any]) -> Callable[[pytest.Item], bool]:
    return lambda item: bool(count(item))


@dataclass
class _Test:
    item: pytest.Item
    reports: list[pytest.TestReport]
    started: bool
    """logstart was sent when the test began (nothing was held before it)."""
    critic: Any = None
    """Set while the test's expectations are being judged."""
    worker_index: int | None = None
    """Under xdist: the test's index in the worker's list, which the worker sends with each report."""

    def ready(self) -> bool:
        return self.critic is None or all(expectation.done() for expectation in self.critic.expected)


class HeldReports:
    """Runs tests that use the critic and logs their reports in collection order once they are settled."""

    def __init__(self, critic_fixture: str = "critique", most_held: int = 256):
        self._fixture = critic_fixture
        self._held: deque[_Test] = deque()
        self.most_held = most_held
        """Tests held at most; past it the run waits for the oldest (bounds memory and how far ahead it runs)."""
        self._worker: Any = None
        """xdist's worker plugin, which sends each report with the index of the test it runs now."""
        self._others: list[Callable[[pytest.Item], bool]] | None = None
        """Whether another plugin runs a test itself (pytest-rerunfailures...): this one then steps aside."""

    def run(self, item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
        """``pytest_runtest_protocol``: True when this ran the test, None to leave it to pytest."""
        if self._others is None:
            self._others = _other_protocols(item.config)
        if any(runs_it(item) for runs_it in self._others) or (
                not self._held and self._fixture not in getattr(item, "fixturenames", ())):
            return None
        item.stash[MANAGED_KEY] = True
        if self._worker is None and hasattr(item.config, "workerinput"):
            self._worker = next((plugin for plugin in item.config.pluginmanager.get_plugins()
                                 if hasattr(plugin, "item_index") and hasattr(plugin, "sendevent")), False)
        started = not self._held
        if started:
            item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
        reports = runtestprotocol(item, nextitem=nextitem, log=False)
        held = item.stash.get(HELD_KEY, False)
        self._held.append(_Test(item, reports, started, item.stash[CRITIC_KEY] if held else None,
                                getattr(self._worker, "item_index", None)))
        self.flush(wait_all=nextitem is None)
        return True

    def flush(self, wait_all: bool = False) -> None:
        """Log every test at the front whose expectations are settled (all of them with ``wait_all``)."""
        while self._held:
            head = self._held[0]
            if not (wait_all or len(self._held) > self.most_held or head.ready()):
                return
            self._held.popleft()
            self._log(head)

    def _log(self, test: _Test) -> None:
        item = test.item
        if test.critic is not None:
            call = next((report for report in test.reports if report.when == "call"), None)
            if call is not None:
                complete(item, call, getattr(call, "critique_sync_unscored", None))
                call.__dict__.pop("critique_sync_unscored", None)
                for report in test.reports:
                    if report.when == "teardown":
                        report.user_properties = list(item.user_properties)
            item.stash[HELD_KEY] = False
        running = getattr(self._worker, "item_index", None)
        if test.worker_index is not None:
            self._worker.item_index = test.worker_index
        try:
            ihook = item.ihook  # looked up through the conftest files each time it is asked for
            if not test.started:
                ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
            for report in test.reports:
                ihook.pytest_runtest_logreport(report=report)
            ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
        finally:
            if test.worker_index is not None:
                self._worker.item_index = running
            # The verdicts travel on the reports (as JSON); the critic's models would live as long as the
            # session's items, and every garbage collection until the end would walk them.
            if CRITIC_KEY in item.stash:
                del item.stash[CRITIC_KEY]
