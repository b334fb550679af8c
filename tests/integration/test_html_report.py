"""``--critique-html=PATH`` and ``merge --html``: one self-contained page of the run's verdicts, with
every text from responses, questions, reasons and node ids shown as text, and a real browser drawing it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from headless_browser import find_browser, read_png, run_browser
from html_tree import Node, cards, parse

import pytest_critique.backends.scripted  # noqa: F401  (in-process runs drop what they import)
import pytest_critique.critic  # noqa: F401

HOSTILE = '<script>alert(1)</script> </textarea> "><img src=x onerror=alert(2)> javascript:alert(3)'
SPOOF = "safe \u202egnp.exe\x1b[2J"

CONFTEST = '''
import pytest
from pytest_critique import ScriptedJudge

def _step(step, previous=None, problem=None):
    return "wrong" not in step, f"the step reads: {step}"

@pytest.fixture
def critique_backend():
    return ScriptedJudge({"fox": lambda r: ("fox" in r.lower(), f"the response reads: {r}")}, step=_step)
'''

SUITE = f'''
import pytest

HOSTILE = {HOSTILE!r}

def test_pass(critique):
    assert critique.checklist("a fox", items=["Does it mention a fox?"]).passed

def test_fail(critique):
    assert critique.checklist("an owl " + HOSTILE, items=["Does it mention a fox?", HOSTILE + " a fox?"]).passed

def test_unscored(critique):
    critique.checklist("a fox", items=["Is it blue?"])

def test_spoof(critique):
    assert critique.checklist({SPOOF!r}, items=["Does it mention a fox?"]).passed

def test_steps(critique):
    assert critique.steps(steps=["1 + 1 = 2", "this step is wrong " + HOSTILE, "so 2"], problem=HOSTILE,
                          mode="per_step").passed

@pytest.mark.parametrize("text", [HOSTILE], ids=[HOSTILE])
def test_hostile_id(critique, text):
    assert critique.checklist("a fox " + text, items=["Does it mention a fox?"]).passed
'''
STATUSES = {"test_suite.py::test_pass": "passed", "test_suite.py::test_fail": "failed",
            "test_suite.py::test_unscored": "unscored", "test_suite.py::test_steps": "failed",
            "test_suite.py::test_spoof": "failed",
            f"test_suite.py::test_hostile_id[{HOSTILE}]": "passed"}
UNSCORED_REASON = "scripted has no answer for question 'Is it blue?'"


@pytest.fixture
def suite(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_suite=SUITE)
    return pytester


def read_page(path: Path) -> Node:
    return parse(path.read_text(encoding="utf-8"))


def table(card: Node) -> list[list[str]]:
    """The cells of a card's table of marks, row by row."""
    [marks] = card.find_all("table", "figures")
    return [[cell.text() for cell in row.walk() if cell.tag in ("th", "td")] for row in marks.find_all("tr")]


def parts(card: Node) -> list[tuple[str, str]]:
    """(mark, text) of each judged part in a card."""
    return [(part.find_all("span", "mark")[0].text(), part.find_all("div", "text")[0].text())
            for part in card.find_all("li", "part")]


def test_the_page_holds_every_test_with_its_verdicts(suite: pytest.Pytester, plugin_args: list[str]) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--critique-html=out/page.html", *plugin_args)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    page = suite.path / "out" / "page.html"
    result.stdout.fnmatch_lines([f"critique: wrote the HTML report of 6 test results to {page}"])
    assert not list(suite.path.rglob("*.json")), "the HTML option needs no JSON report and writes none"

    root = read_page(page)
    found = cards(root)
    assert {nodeid: card.attrs["data-status"] for nodeid, card in found.items()} == STATUSES
    failed, unscored, steps = (found[f"test_suite.py::{name}"] for name in ("test_fail", "test_unscored", "test_steps"))
    assert parts(failed) == [("✗", "Does it mention a fox?"), ("✗", f"{HOSTILE} a fox?")]
    assert f"the response reads: an owl {HOSTILE}" in failed.text()
    [response] = [fold for fold in failed.find_all("details")
                  if fold.find_all("summary")[0].text().startswith("response under test (")]
    assert f"an owl {HOSTILE}" in response.find_all("pre")[0].text(), "the response, whole, folded"
    assert "open" in failed.attrs and "open" not in found["test_suite.py::test_pass"].attrs
    # an unscored test says so, with its reason, in its card and in the overview
    assert unscored.find_all("span", "badge")[0].text() == "UNSCORED"
    assert UNSCORED_REASON in unscored.find_all("p", "unscored-reason")[0].text()
    assert UNSCORED_REASON in root.find_all("div", "listing")[1].text()
    assert [mark for mark, _ in parts(steps)] == ["✓", "✗", "·"]
    assert steps.attrs["data-kinds"] == "steps"
    # the overview's figures and the charts the run has verdicts for (steps: yes; CheckEval: none judged)
    tiles = {tile.find_all("div", "label")[0].text(): tile.find_all("div", "value")[0].text()
             for tile in root.find_all("div", "tile")}
    assert tiles["tests judged"] == "6" and tiles["passed"] == "2" and tiles["failed"] == "3"
    assert tiles["unscored"] == "1" and tiles["pooled pass rate"] == "0.400"
    captions = [caption.text() for caption in root.find_all("figcaption")]
    assert captions == ["Pass rate per test", "Step critic: where the first error is"]


def test_hostile_text_is_shown_as_text_never_as_markup(suite: pytest.Pytester) -> None:
    result = suite.runpytest("-p", "no:cacheprovider", "--critique-html=page.html", "--critique-show-prompt")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    text = (suite.path / "page.html").read_text(encoding="utf-8")
    root = parse(text)
    scripts = root.find_all("script")
    assert len(scripts) == 1 and "alert" not in scripts[0].text()
    assert not root.find_all("img") and not root.find_all("textarea")
    for node in root.walk():
        for name, value in node.attrs.items():
            assert not name.startswith("on"), f"<{node.tag} {name}=...>"
            assert "javascript:" not in (value or "").lower(), f"<{node.tag} {name}={value!r}>"
    # ...and the page's policy would refuse any other script, inline or not
    policy = next(meta.attrs["content"] for meta in root.find_all("meta")
                  if meta.attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in policy and "script-src 'sha256-" in policy and "unsafe-inline'" not in \
        policy.split("script-src")[1]
    shown = root.text()
    assert shown.count(HOSTILE) >= 6  # node id, questions, reasons, steps, problem, the prompt sent
    assert "<script>alert(1)</script>" not in text and "<img" not in text
    # a bidi override (which would make text read backwards) and a terminal escape are shown as codes
    assert "\u202e" not in text and "\x1b" not in text
    assert "the response reads: safe \\u202egnp.exe\\u001b[2J" in shown


def test_ini_and_environment_forms(suite: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    suite.makeini("[pytest]\ncritique_html = from_ini.html\n")
    suite.runpytest("-p", "no:cacheprovider")
    assert cards(read_page(suite.path / "from_ini.html")).keys() == STATUSES.keys()
    monkeypatch.setenv("CRITIQUE_HTML", "from_env.html")
    suite.runpytest("-p", "no:cacheprovider", "-k", "test_pass")
    assert list(cards(read_page(suite.path / "from_env.html"))) == ["test_suite.py::test_pass"]
    suite.runpytest("-p", "no:cacheprovider", "-k", "test_pass", "--critique-html=from_cli.html")
    assert (suite.path / "from_cli.html").is_file()
    # relative to the directory pytest runs in, like --critique-report
    run_dir = suite.mkdir("elsewhere")
    monkeypatch.chdir(run_dir)
    suite.runpytest("-p", "no:cacheprovider", "-k", "test_pass", "--critique-html=here.html",
                    f"--rootdir={suite.path}", str(suite.path))
    assert (run_dir / "here.html").is_file()


def test_a_page_that_cannot_be_written_is_a_clear_note(suite: pytest.Pytester) -> None:
    (suite.path / "blocker").write_text("a file, not a directory", encoding="utf-8")
    result = suite.runpytest("-p", "no:cacheprovider", "-k", "test_pass", "--critique-html=blocker/page.html",
                             "--critique-report=blocker/report.json")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the tests passed; the files the user asked for are missing
    result.stdout.fnmatch_lines([f"critique: could not write the JSON report to {suite.path}/blocker/report.json: ?*",
                                 f"critique: could not write the HTML report to {suite.path}/blocker/page.html: ?*"])
    assert "Traceback" not in result.stdout.str() and "INTERNALERROR" not in result.stdout.str()
    assert result.parseoutcomes() == {"passed": 1, "deselected": 5}


def test_a_run_without_judged_tests_says_so(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-html=page.html")
    assert result.ret == 0
    root = read_page(pytester.path / "page.html")
    assert not cards(root) and "No judged tests in this run." in root.text()


def merge(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest_critique", "merge", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_merge_writes_the_page_of_the_merged_report(suite: pytest.Pytester) -> None:
    suite.runpytest("-p", "no:cacheprovider", "-k", "test_pass or test_fail", "--critique-report=a.json")
    suite.runpytest("-p", "no:cacheprovider", "-k", "not (test_pass or test_fail)", "--critique-report=b.json")
    done = merge(suite.path, "a.json", "b.json", "-o", "all.json", "--html", "all.html")
    assert done.returncode == 0, done.stderr
    assert "critique: merged 2 reports (6 test results) into all.json and all.html" in done.stdout
    root = read_page(suite.path / "all.html")
    assert {nodeid: card.attrs["data-status"] for nodeid, card in cards(root).items()} == STATUSES
    assert "merged from 2 reports: a.json, b.json" in root.text()
    # the page alone, without a merged JSON report
    done = merge(suite.path, "a.json", "b.json", "--html", "only.html")
    assert done.returncode == 0 and "into only.html" in done.stdout
    assert (suite.path / "only.html").read_text(encoding="utf-8") == (suite.path / "all.html").read_text(
        encoding="utf-8")
    # neither output, or one that cannot be written: a usage error, no traceback
    done = merge(suite.path, "a.json", "b.json")
    assert done.returncode == 2 and "give -o ALL.json, --html ALL.html, or both" in done.stderr
    truncated = suite.path / "truncated.json"
    truncated.write_text((suite.path / "b.json").read_text(encoding="utf-8")[:200], encoding="utf-8")
    done = merge(suite.path, "a.json", "truncated.json", "--html", "broken.html")
    assert done.returncode == 2 and "truncated.json is not a readable JSON report" in done.stderr
    assert not (suite.path / "broken.html").exists()
    done = merge(suite.path, "a.json", "b.json", "--html", "a.json/page.html")
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("critique: merge: could not write a.json/page.html: "), done.stderr
    assert "Traceback" not in done.stderr


def test_a_real_browser_draws_the_page_and_filters_it(suite: pytest.Pytester, tmp_path: Path) -> None:
    browser = find_browser()
    if browser is None:
        pytest.skip("no headless browser found (looked for chromium, chromium-browser, google-chrome on PATH)")
    suite.runpytest("-p", "no:cacheprovider", "--critique-html=page.html")
    url = (suite.path / "page.html").as_uri()
    screenshot = tmp_path / "page.png"
    # Half the device pixels: the same 1280 x 2000 layout, and a quarter of the pixels to decode in Python.
    dom = run_browser(browser, tmp_path / "profile", url, "--dump-dom", f"--screenshot={screenshot}",
                      "--window-size=1280,2000", "--force-device-scale-factor=0.5", "--hide-scrollbars")
    root = parse(dom)
    found = cards(root)
    assert found.keys() == STATUSES.keys()
    assert not any("hidden" in card.attrs for card in found.values())
    assert root.by_id("shown").text() == "6 of 6 shown"  # written by the page's script: it ran
    assert ("✗", "Does it mention a fox?") in parts(found["test_suite.py::test_fail"])
    assert UNSCORED_REASON in found["test_suite.py::test_unscored"].text()

    image = read_png(screenshot.read_bytes())
    assert (image.width, image.height) == (640, 1000)
    assert len(image.colours()) > 50  # text, badges, tiles and bars in several colours
    assert 0.02 < image.share_not_white() < 0.9

    # a filter in the address: only the failed tests are left shown
    dom = run_browser(browser, tmp_path / "profile", url + "#failed", "--dump-dom")
    root = parse(dom)
    shown = {nodeid for nodeid, card in cards(root).items() if "hidden" not in card.attrs}
    assert shown == {"test_suite.py::test_fail", "test_suite.py::test_steps", "test_suite.py::test_spoof"}
    assert root.by_id("shown").text() == "3 of 6 shown"
    dom = run_browser(browser, tmp_path / "profile", url + "#show=all&q=blue", "--dump-dom")
    assert [nodeid for nodeid, card in cards(parse(dom)).items() if "hidden" not in card.attrs] == [
        "test_suite.py::test_unscored"]


KINDS_CONFTEST = '''
import pytest
from pytest_critique import ScriptedJudge

JUDGE = ScriptedJudge(answer=lambda question, response, **_: "fox" in response,
                      prefer=lambda first, second, **_: ("first", "the first one shown"),
                      grade=lambda response, **_: (4, "clear, one detail missing"), name="kinds-judge",
                      support=lambda sentence, passage: ("fox" in passage, "names the fox"),
                      ground=lambda claim, sources: ("supported", "a fox ran") if "fox" in claim else "not found")

def pytest_critique_make_backend(settings, config):
    return JUDGE

@pytest.fixture
def critique_backend():
    return JUDGE
'''
KINDS_SUITE = '''
RUBRIC = {"criteria": "Is it a good fox reply?", "scores": {1: "no fox", 2: "a fox", 3: "a fox, late", 4: "a fox, soon",
                                                             5: "a fox, at once"}}

def test_checkeval(critique):
    critique.checkeval("a fox reply", dimensions=["fluency"], thresholds=0.0).check()

def test_compare(critique):
    critique.compare("a fox", "an owl")

def test_rubric(critique):
    critique.rubric("a fox reply", rubric=RUBRIC, min_score=3).check()

def test_grounded(critique):
    claims = ["A fox ran.", "An owl <b>sang</b>."]
    critique.grounded("x", sources=["a fox ran by"], claims=claims, threshold=0.5).check()

def test_consistent(critique):
    answers = iter(["A fox ran.", "a fox", "an owl"])
    critique.consistent(lambda: next(answers), n=2, min_score=0.5).check()

def test_refine(critique):
    critique.refine(lambda feedback: "an owl" if feedback is None else "a fox", items=["Does it mention a fox?"],
                    rounds=2).check()

def test_best_of(critique):
    critique.best_of(["an owl", "a fox"], items=["Does it mention a fox?"]).check()
'''
LABELS = [{"question": "Does it mention a fox?", "response": "a fox", "verdict": True},
          {"question": "Does it mention a fox?", "response": "an owl", "verdict": False},
          {"question": "Does it mention a fox?", "response": "a red fox", "verdict": False}]


def test_every_kind_draws_its_card_and_charts(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(KINDS_CONFTEST)
    pytester.makepyfile(test_kinds=KINDS_SUITE)
    (pytester.path / "labels.jsonl").write_text("\n".join(map(json.dumps, LABELS)) + "\n", encoding="utf-8")
    result = pytester.runpytest("-p", "no:cacheprovider", "--critique-calibrate=labels.jsonl",
                                "--critique-html=page.html")
    assert result.parseoutcomes() == {"passed": 8}
    root = read_page(pytester.path / "page.html")
    found = cards(root)
    assert {nodeid: card.attrs["data-kinds"] for nodeid, card in found.items()} == {
        "critique-calibration[labels.jsonl]": "calibration", "test_kinds.py::test_checkeval": "checkeval",
        "test_kinds.py::test_compare": "compare", "test_kinds.py::test_rubric": "rubric",
        "test_kinds.py::test_grounded": "grounding", "test_kinds.py::test_consistent": "consistency",
        "test_kinds.py::test_refine": "refine", "test_kinds.py::test_best_of": "best_of"}
    # rounds and candidates side by side: an item a row, a ✓ or ✗ a column
    assert table(found["test_kinds.py::test_refine"]) == [["#", "round 1", "round 2", "item"],
                                                          ["1", "✗", "✓", "Does it mention a fox?  (✗→✓ in round 2)"]]
    assert table(found["test_kinds.py::test_best_of"]) == [["#", "[0]", "[1]", "item"],
                                                           ["1", "✗", "✓", "Does it mention a fox?"]]
    assert "ranking [1] 1.00 · [0] 0.00" in found["test_kinds.py::test_best_of"].text()
    grounded = found["test_kinds.py::test_grounded"]
    # each claim under its mark, after a badge with the judge's verdict (the markup in a claim is text)
    assert parts(grounded) == [("✓", "supported" + "A fox ran."), ("✗", "not found" + "An owl <b>sang</b>.")]
    assert "source 1: \u201ca fox ran\u201d" in grounded.text() and "source 1 (12 characters)" in grounded.text()
    consistent = found["test_kinds.py::test_consistent"]
    assert parts(consistent) == [("✓", "0.50" + "A fox ran.")]
    assert "answer 1: backs it · answer 2: does not" in consistent.text()
    checkeval = found["test_kinds.py::test_checkeval"]
    assert [heading.text().split()[:2] for heading in checkeval.find_all("h4")] == [["✓", "fluency"]]
    # the yes-is-bad question answered YES is the bad one
    assert [mark for mark, _ in parts(checkeval)] == ["✓", "✗", "✓", "✓", "✓", "✓"]
    assert "answered YES (YES is bad)" in checkeval.text()
    assert "position-inconsistent" in found["test_kinds.py::test_compare"].text()
    rubric = parts(found["test_kinds.py::test_rubric"])
    assert rubric[3] == ("✓", "a fox, soon") and {mark for mark, _ in rubric[:3] + rubric[4:]} == {"·"}
    assert "clear, one detail missing" in found["test_kinds.py::test_rubric"].text()
    calibration = found["critique-calibration[labels.jsonl]"]
    assert [text for _, text in parts(calibration)] == ["Does it mention a fox?"]  # the one disagreement
    assert "label NO, judged YES" in calibration.text()
    captions = [caption.text() for caption in root.find_all("figcaption")]
    assert captions == ["Pass rate per test", "CheckEval: scores of fluency",
                        "Calibration: kinds-judge against labels.jsonl", "confusion matrix"]
    tiles = {tile.find_all("div", "label")[0].text(): tile.find_all("div", "value")[0].text()
             for tile in root.find_all("div", "tile")}
    assert tiles["position inconsistency"] == "100%" and tiles["mean rubric score"] == "4.00"
    assert tiles["Cohen's kappa"] == "0.400" and tiles["claims supported"] == "50%"
