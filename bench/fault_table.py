"""The fault table of docs/reliability.md: what the plugin does when the judge misbehaves.

What it does
  Runs every case of tests/reliability/fault_cases.py (the same cases, and the same runner,
  that tests/reliability/test_faults.py and test_hostile_inputs.py assert): a loopback
  OpenAI-compatible server scripts the fault, a real client meets it (``--client http``: the
  plugin's plain-HTTP client, its default for such a server; ``--client litellm``, the default
  here: litellm's), and a
  ``pytest_critique.Critic`` judges one question on a fresh cache directory.  Delays between
  retries are recorded, not slept, so the whole table takes a few seconds (plus litellm's import).

  It prints two Markdown tables: judge faults, and judge replies that quote an injection from
  the response under test.  Each row: the fault, the outcome observed (YES / NO / UNSCORED),
  the requests the server received and the retries the verdict's usage reports, the message
  (the UNSCORED reason as the report shows it, shortened), and the test that asserts the case.
  A row whose outcome differs from what the case expects says so ("expected ...; known bug").

How to run
  python bench/fault_table.py [--client litellm|http]   (from the repository root, plugin installed)

Nothing leaves the machine (the server listens on 127.0.0.1; litellm reads its local price table).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO_ROOT / "tests"), str(REPO_ROOT / "tests" / "reliability")]
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from fault_cases import CASES, INJECTION_CASES, FaultCase, Observed, run_case  # noqa: E402


def _cell(text: str, width: int = 150) -> str:
    text = " ".join(text.split())
    if len(text) > width:
        text = text[: width - 3] + "..."
    return text.replace("|", "\\|").replace("`", "'")


def _numeric_retry_after(case: FaultCase) -> bool:
    for reply in case.script:
        value = getattr(reply, "headers", {}).get("Retry-After")
        try:
            float(value)
        except (TypeError, ValueError):
            continue
        return True
    return False


def _message(case: FaultCase, observed: Observed) -> str:
    if observed.unscored:
        return _cell(observed.message)
    parts = [f"read as {observed.outcome}"]
    if observed.retries:
        parts.append(f"after {observed.retries} retr{'y' if observed.retries == 1 else 'ies'}")
        waited = ", ".join(f"{delay:.2f} s" for delay in observed.sleeps)
        parts.append(f"waited {waited}" + (" (Retry-After)" if _numeric_retry_after(case) else " (backoff)"))
    elif observed.requests > 1:
        parts.append("after one repair request")
    return _cell("; ".join(parts))


def _outcome(case: FaultCase, observed: Observed) -> str:
    if observed.outcome == case.expect:
        return f"**{observed.outcome}**"
    return f"**{observed.outcome}** (expected {case.expect}; known bug)"


def _tested_by(case: FaultCase, test: str) -> str:
    if case.covered_by:
        return f"`{case.covered_by.replace('tests/integration/', 'integration/')}`"
    return f"`reliability/{test}[{case.id}]`"


def table(cases: list[FaultCase], test: str) -> tuple[list[str], int]:
    rows = ["| fault | outcome | requests / retries | message | asserted by |", "|---|---|---|---|---|"]
    mismatches = 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="critique-fault-") as workdir:
            observed = run_case(case, Path(workdir))
        mismatches += observed.outcome != case.expect
        requests = "–" if case.refused else str(observed.requests)
        rows.append(f"| {_cell(case.fault)} | {_outcome(case, observed)} | {requests} / {observed.retries} | "
                    f"{_message(case, observed)} | {_tested_by(case, test)} |")
    return rows, mismatches


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--client", choices=("litellm", "http"), default="litellm")
    client = parser.parse_args().client
    os.environ["CRITIQUE_CLIENT"] = "litellm" if client == "litellm" else "auto"
    started = time.perf_counter()
    if client == "litellm":
        import litellm  # noqa: F401 - imported up front so the first case is not slower than the rest

    faults, fault_mismatches = table(CASES, "test_faults.py::test_fault")
    injections, injection_mismatches = table(INJECTION_CASES,
                                             "test_hostile_inputs.py::test_only_the_judges_own_answer_counts")
    print("### Judge faults\n")
    print("\n".join(faults))
    print("\n### Judge replies quoting an injection from the response\n")
    print("\n".join(injections))
    total = len(CASES) + len(INJECTION_CASES)
    print(f"\n{total} cases, {fault_mismatches + injection_mismatches} not as expected; "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
