"""Per-run state of the plugin: settings, the shared runtime, and the verdicts of every test.

Verdicts reach the session on test reports (``report.critique``), so the same code gathers
them with or without xdist: on the controller, reports from workers carry them too.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generator, Mapping

import pytest

from . import telemetry
from .store_urls import redact_url
from .errors import CritiqueUsageError
from .files import report_json, resolve, write_atomically
from .settings import Settings, apply_overrides

if TYPE_CHECKING:
    from .critic import Critic
    from .runtime import Runtime
    from .summary import Totals

REPORT_VERSION = 1


def _structured(model: str, setting: str) -> str:
    """How answers are asked of a model, as the header says it (litellm is not imported for it)."""
    if setting == "off":
        return f"{model} off (the prompt alone)"
    if setting != "auto":
        return f"{model} {setting}"
    from .backends.model_table import listed_with_schema

    if listed_with_schema(model):
        return f"{model} schema (auto)"
    return f"{model} JSON mode where its provider has it, else the prompt alone (auto)"


def is_worker(config: "pytest.Config") -> bool:
    return hasattr(config, "workerinput")


class CritiqueSession:
    def __init__(self, config: "pytest.Config", settings: Settings):
        self.config = config
        self.settings = settings
        self.root = Path(config.rootpath)
        self.results: list[dict[str, Any]] = []
        self._runtime: Runtime | None = None
        self.notes: list[str] = []
        self.failed = False
        """Set when writing the frozen checklists or a report file failed: the run then exits non-zero."""
        self._totals: Totals | None = None
        self.baseline: dict[str, list[Mapping[str, Any]]] | None = None
        """The tests and verdicts of --critique-baseline (on the controller)."""
        self.warned_about_cassettes = False
        """A replayed cassette matched without the request body was warned about (once a run)."""
        self.worker_run_ids: set[str] = set()
        """xdist run ids of this controller's workers (their shared budget counters are removed at the end)."""

    @property
    def runtime(self) -> "Runtime":
        if self._runtime is None:
            from .budget import Budget
            from .cache.stores import SharedStore
            from .runtime import Runtime

            s = self.settings
            run_id = getattr(self.config, "workerinput", {}).get("testrunuid")
            budget = Budget(s.max_calls, s.max_cost, shared_run_id=run_id)
            self._runtime = Runtime(self.root, make_backend=self._make_backend, budget=budget,
                                    breaker=s.breaker, in_flight=self.in_flight(), shared_store=SharedStore.of(s))
        return self._runtime

    def in_flight(self) -> int:
        """This process's share of the run's limit on requests in flight to each model."""
        if not is_worker(self.config):
            return self.settings.concurrency
        workers = getattr(self.config, "workerinput", {}).get("workercount") or os.environ.get(
            "PYTEST_XDIST_WORKER_COUNT", "1")
        try:
            count = max(1, int(workers))
        except ValueError:
            count = 1
        return max(1, self.settings.concurrency // count)

    def _make_backend(self, settings: Settings) -> Any:
        __tracebackhide__ = True
        from .backends import builtin_backend

        backend = self.config.hook.pytest_critique_make_backend(settings=settings, config=self.config)
        return backend if backend is not None else builtin_backend(settings, self.root)

    def baseline_path(self) -> Path:
        return Path(self.config.invocation_params.dir) / str(self.settings.baseline)

    def load_baseline(self) -> None:
        from .baseline import load

        self.baseline = load(self.baseline_path())

    def settings_for(self, item: "pytest.Item") -> Settings:
        """Session settings with the item's ``critique`` markers layered on (closest wins)."""
        settings = self.settings
        for mark in reversed(list(item.iter_markers("critique"))):
            if mark.args:
                raise CritiqueUsageError("the critique marker takes keyword arguments only, "
                                         f"e.g. @pytest.mark.critique(samples=3); got {mark.args!r}")
            settings = apply_overrides(settings, mark.kwargs, "@pytest.mark.critique")
        return settings

    def critic_for(self, item: "pytest.Item", backend: Any = None) -> "Critic":
        from .critic import Critic

        settings = self.settings_for(item)
        self.runtime.engine.current_test = item.nodeid
        telemetry.start_test(item.nodeid)
        hook = self.config.hook.pytest_critique_verdict
        return Critic(settings, backend=backend, runtime=self.runtime,
                      on_verdict=lambda verdict: hook(verdict=verdict, item=item))

    def header(self) -> list[str]:
        s = self.settings
        model = f"jury {','.join(s.jury)} ({s.jury_rule})" if s.jury else (s.model or "none configured")
        store = f"cache_dir={s.cache_dir}"
        if s.cache_url:
            store = (f"cache_url={redact_url(s.cache_url)} namespace={s.cache_namespace}"
                     + (f" local copy in {s.cache_dir}" if s.cache_local else ""))
        lines = [f"critique: judge={model} cache={s.cache} {store} samples={s.samples} "
                 f"threshold={s.threshold:g} concurrency={s.concurrency}"]
        models = [name for name in (s.jury or (s.model,)) if name and not name.startswith("recorded:")]
        if models:
            lines.append("critique: structured output: " + ", ".join(_structured(name, s.structured_output)
                                                                    for name in models))
        return lines

    def add_report(self, report: "pytest.TestReport") -> None:
        payload = getattr(report, "critique", None)
        if payload:
            self._totals = None
            self.results.append({"nodeid": report.nodeid, "when": report.when, "outcome": report.outcome,
                                 **payload})

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None, Any, Any]:
        """After pytest's short test summary (printed when its own wrapper ends): the UNSCORED tests."""
        try:
            return (yield)
        finally:
            if not is_worker(self.config):
                from .summary import write_unscored_short_summary

                write_unscored_short_summary(terminalreporter)

    def pytest_runtest_logreport(self, report: "pytest.TestReport") -> None:
        """Registered as a plugin: gathers verdicts from every report (xdist workers' too)."""
        self.add_report(report)

    def totals(self) -> "Totals":
        """The run's figures, summed once for the JSON report and the terminal summary."""
        if self._totals is None:
            from .summary import Totals

            self._totals = Totals(self.results)
        return self._totals

    def finish(self) -> list[str]:
        """Write the JSON report and frozen checklists; returns lines to show the user."""
        notes: list[str] = []
        if self.settings.freeze:
            from .freeze import write_entries

            path = self._path(self.settings.checklists)
            new = [entry for result in self.results for entry in result.get("new_checklists", [])]
            try:
                added = write_entries(path, new)
            except (CritiqueUsageError, OSError) as exc:
                self.failed = True
                notes.append(f"critique: could not freeze checklists: {exc}")
            else:
                notes.append(f"critique: froze {added} new checklist{'s' if added != 1 else ''} into {path}"
                             if added else f"critique: no new checklists to freeze into {path}")
        changes = None
        if self.baseline is not None:
            from .baseline import compare

            changes = compare(str(self.settings.baseline), self.baseline, self.results)
            notes.extend(changes.lines(self.show_nodeid))
            if changes.regressions and self.settings.fail_on_regression:
                self.failed = True
                notes.append(f"critique: the run fails: {len(changes.regressions)} of the baseline's good parts "
                             "are bad now (--critique-fail-on-regression)")
        if self.settings.report or self.settings.html:
            document = {
                "version": REPORT_VERSION,
                "settings": {name: getattr(self.settings, name) for name in
                             ("model", "cache", "samples", "threshold", "batch", "concurrency")},
                "totals": self.totals().as_dict(),
                **({"baseline": changes.as_dict()} if changes is not None else {}),
                "tests": sorted(self.results, key=lambda result: result["nodeid"]),
            }
            results = f"{len(self.results)} test result{'' if len(self.results) == 1 else 's'}"
            if self.settings.report:
                self._write("JSON report", self.settings.report, report_json(document),
                            f"critique: wrote {results} to", notes)
            if self.settings.html:
                from .report_html import render

                self._write("HTML report", self.settings.html, render(document),
                            f"critique: wrote the HTML report of {results} to", notes)
        return notes

    def _write(self, what: str, name: str, text: str, done: str, notes: list[str]) -> None:
        """Write a report file; one that cannot be written is a note and fails the run, not a traceback."""
        path = Path(self.config.invocation_params.dir) / name
        try:
            write_atomically(path, text, errors="backslashreplace")
        except OSError as exc:
            self.failed = True
            notes.append(f"critique: could not write the {what} to {path}: {exc.strerror or exc}")
        else:
            notes.append(f"{done} {path}")

    def show_nodeid(self, nodeid: str) -> str:
        from .summary import invocation_relative

        return invocation_relative(nodeid, self.config.rootpath, self.config.invocation_params.dir)

    def _path(self, name: str) -> Path:
        return resolve(name, self.root)

    def close(self) -> None:
        if self._runtime is not None:
            self._runtime.close()
        if self.worker_run_ids and (self.settings.max_calls is not None or self.settings.max_cost is not None):
            from .budget import discard_shared

            for run_id in self.worker_run_ids:
                discard_shared(run_id)
