"""pytest hooks of pytest-critique: options, fixtures, markers, reports, terminal summary.

This module is imported with pytest, so it imports only the standard library and the
plugin's light modules; pydantic, jinja2, diskcache and litellm load when a test judges.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generator

import pytest

from . import hookspecs, telemetry
from .errors import CritiqueUsageError, CritiqueWarning
from .held_reports import CRITIC_KEY, REPORTED_KEY, HeldReports, on_report
from .session import CritiqueSession, is_worker
from .settings import add_options, from_pytest_config

if TYPE_CHECKING:  # for the fixture's annotation only: the critic loads pydantic, so it is imported when used
    from .critic import Critic

_SESSION_KEY = pytest.StashKey[CritiqueSession]()
_HELD_KEY = pytest.StashKey[HeldReports]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hookspecs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "critique(**settings): judge settings for this test, e.g. samples=3, threshold=0.8, "
                   "model='openai/gpt-4o-mini', cache='read'")
    config.addinivalue_line(
        "markers", "critique_cases(path, fields=None, argname='case'): run the test once per row of a JSON Lines "
                   "or CSV file of cases, relative to the test's file")
    try:
        settings = from_pytest_config(config)
    except CritiqueUsageError as exc:
        raise pytest.UsageError(str(exc)) from None
    if settings.calibrate:
        from .calibration_item import labels_path
        from .judges.calibration import calibration_labels

        try:
            calibration_labels(labels_path(config, settings.calibrate))  # a bad labels file stops the run at once
        except CritiqueUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    if settings.cache_url:
        from .cache.redis_store import require_client

        try:
            require_client()  # a missing client stops the run at once, naming what to install
        except CritiqueUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    if settings.fail_on_regression and not settings.baseline:
        raise pytest.UsageError("critique: --critique-fail-on-regression needs --critique-baseline=PATH "
                                "(a JSON report of an earlier run)")
    session = CritiqueSession(config, settings)
    if settings.baseline and not is_worker(config):
        try:
            session.load_baseline()  # a missing or unreadable baseline stops the run at once
        except CritiqueUsageError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[_SESSION_KEY] = session
    config.stash[_HELD_KEY] = HeldReports()
    config.pluginmanager.register(session, "critique-session")
    config.pluginmanager.register(CritiqueFixtures(session), "critique-fixtures")
    if not is_worker(config) and config.pluginmanager.hasplugin("html") and getattr(config.option, "htmlpath", None):
        from .report_pytest_html import PytestHtmlReport

        config.pluginmanager.register(PytestHtmlReport(), "critique-pytest-html")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.critique_cases(PATH)``: one test per row of a cases file (see :mod:`pytest_critique.cases`)."""
    marker = metafunc.definition.get_closest_marker("critique_cases")
    if marker is None:
        return
    from .cases import cases_for_marker

    try:
        argname, cases = cases_for_marker(marker, Path(metafunc.definition.path).parent, metafunc.fixturenames)
    except CritiqueUsageError as exc:
        raise pytest.Collector.CollectError(str(exc)) from None
    metafunc.parametrize(argname, cases, ids=[case.id for case in cases])


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    labels = config.stash[_SESSION_KEY].settings.calibrate
    if labels:
        from .calibration_item import CalibrationItem, labels_path

        path = labels_path(config, labels)
        name = f"critique-calibration[{path.name}]"
        items.append(CalibrationItem.from_parent(session, name=name, nodeid=name, path=path, labels=path,
                                                 critic_key=CRITIC_KEY, session_key=_SESSION_KEY))


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(_SESSION_KEY, None)
    if session is not None:
        session.close()
        config.pluginmanager.unregister(session)
        del config.stash[_SESSION_KEY]


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist controller: note the run id its workers share a budget under, to clean it up at the end."""
    session = node.config.stash.get(_SESSION_KEY, None)
    run_id = getattr(node, "workerinput", {}).get("testrunuid")
    if session is not None and run_id:
        session.worker_run_ids.add(run_id)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """The outcome on the test's OpenTelemetry span, which ends with the test's last report."""
    if report.when == "call" or report.outcome != "passed":
        payload = getattr(report, "critique", None)
        unscored = report.failed and isinstance(payload, dict) and payload.get("unscored")
        telemetry.outcome(report.nodeid, "unscored" if unscored else report.outcome)
    if report.when == "teardown":
        telemetry.end_test(report.nodeid)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return config.stash[_SESSION_KEY].header()


class CritiqueFixtures:
    """The plugin's fixtures, on an object registered for each run.

    ``critique`` finds its test through the protocol wrapper below instead of asking pytest for
    ``request``: pytest builds a fixture definition and reads a function signature each time
    ``request`` is asked for, several times per test, which a warm run of cached verdicts felt.
    """

    def __init__(self, session: CritiqueSession):
        self._session = session
        self._running: pytest.Item | None = None
        self._backend_overridden: dict[Any, bool] = {}
        """By a test's parent (module or class): whether a conftest, module or class there overrides
        ``critique_backend``."""

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, Any, Any]:
        before, self._running = self._running, item
        try:
            return (yield)
        finally:
            self._running = before

    @pytest.fixture
    def critique_backend(self) -> Any:
        """The judge backend for tests in scope; ``None`` uses the configured model.

        Override it in a ``conftest.py`` to judge offline, e.g. with ``ScriptedJudge(...)``.
        """
        return None

    @pytest.fixture
    def critique(self) -> "Critic":
        """A :class:`pytest_critique.Critic` bound to this test; its verdicts appear in the report."""
        node, session = self._running, self._session
        if node is None:
            raise CritiqueUsageError("the critique fixture is set up outside a test's run")
        critique_backend = self._backend_fixture(node)
        if "vcr" in getattr(node, "fixturenames", ()) and not session.warned_about_cassettes:
            from .cassettes import WARNING, replays_without_body

            if replays_without_body(node):
                session.warned_about_cassettes = True
                warnings.warn(CritiqueWarning(f"critique: {WARNING}"), stacklevel=1)
        critic = session.critic_for(node, backend=critique_backend)
        node.stash[CRITIC_KEY] = critic
        node.stash[REPORTED_KEY] = (0, 0, 0)  # a rerun of the test reports its new critic's verdicts
        return critic

    def _backend_fixture(self, node: pytest.Item) -> Any:
        """What ``critique_backend`` gives the test, asked of pytest only where it is not this plugin's
        default (which gives None): setting up a fixture costs pytest more than a test answered from the
        cache costs the plugin.  Asked for dynamically, an override is set up before ``critique`` and
        torn down after it, as a declared dependency would be."""
        request = getattr(node, "_request", None)
        if request is None:
            return None  # not a test function: no fixtures
        if "critique_backend" in getattr(node, "fixturenames", ()):
            return request.getfixturevalue("critique_backend")  # requested or parametrized by the test itself
        overridden = self._backend_overridden.get(node.parent)
        if overridden is None:
            try:
                definitions = node.session._fixturemanager.getfixturedefs("critique_backend", node)
                overridden = not definitions or getattr(definitions[-1].func, "__self__", None) is not self
            except Exception:  # noqa: BLE001 - pytest's internals moved: ask pytest every time
                overridden = True
            self._backend_overridden[node.parent] = overridden
        return request.getfixturevalue("critique_backend") if overridden else None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> bool | None:
    """Tests that use the critic run here, so a test's report can wait for its expectations."""
    return item.config.stash[_HELD_KEY].run(item, nextitem)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session) -> Generator[None, Any, Any]:
    interrupted = True
    try:
        result = yield
        interrupted = False
        return result
    except (session.Failed, session.Interrupted):
        interrupted = False  # -x, --maxfail or a stop: the tests already run are still reported
        raise
    finally:
        held = session.config.stash.get(_HELD_KEY, None)
        if held is not None:
            held.flush(wait_all=not interrupted)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    report = yield
    on_report(item, call, report)
    return report


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    payload = getattr(report, "critique", None)
    if payload and payload.get("unscored") and report.failed:
        return "unscored", "U", ("UNSCORED", {"yellow": True})
    return None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    critique_session = config.stash.get(_SESSION_KEY, None)
    if critique_session is None or is_worker(config):
        return
    critique_session.notes = critique_session.finish()
    if critique_session.failed and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary and critique_session.settings.github_summary != "off" and critique_session.results:
        from .report_github import append

        append(Path(step_summary), critique_session.totals())
    xml_path = getattr(config.option, "xmlpath", None)
    if xml_path and critique_session.results:  # pytest's junitxml wrote the file before this trylast hook
        from .report_junit import complete_file

        complete_file(Path(xml_path), critique_session.results, str(config.getini("junit_logging")),
                      getattr(config.option, "junitprefix", None))


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    critique_session = config.stash.get(_SESSION_KEY, None)
    if critique_session is None or is_worker(config):
        return
    if not (critique_session.results or critique_session.notes or terminalreporter.stats.get("unscored")):
        return
    from .summary import write_terminal_summary

    write_terminal_summary(terminalreporter, critique_session.totals(), critique_session.notes)
