"""A Critic used in a script is rarely closed: the drift records it has not written yet are written
as its process exits, so the next script's new judge is compared with them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from loopback import LoopbackServer

SCRIPT = """
import sys
from pytest_critique import Critic

critic = Critic(model=sys.argv[1], api_base=sys.argv[2], api_key="sk-loopback-test", retries=0, cache_dir="cache")
verdict = critic.checklist("a fox", items=["Is it short?"], threshold=0)
print([(d.what, d.before, d.after, d.judge_before, d.judge_after) for d in verdict.drift])
"""


def by_model(request: dict[str, Any]) -> str:
    return json.dumps({"reasoning": "looked", "answer": "NO" if request["model"].endswith("v2") else "YES"})


def test_a_script_that_never_closes_its_critic_still_leaves_its_drift_records(tmp_path: Path) -> None:
    (tmp_path / "judge.py").write_text(SCRIPT, encoding="utf-8")
    with LoopbackServer(handler=by_model) as server:
        def run(model: str) -> str:
            done = subprocess.run([sys.executable, "judge.py", model, server.url], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stderr
            return done.stdout.strip()

        assert run("openai/judge-v1") == "[]"
        assert run("openai/judge-v2") == "[('Is it short?', 'YES', 'NO', 'openai/judge-v1', 'openai/judge-v2')]"
        assert server.calls == 2
