"""A real LiteLLM proxy on 127.0.0.1 in front of the loopback judge, for tests/proxy/.

The proxy is never a dependency of the plugin: it runs from a virtualenv of its own, with
``litellm[proxy]`` pinned by constraints-ci.txt, whose python CRITIQUE_TEST_PROXY_PYTHON names
(.ci/run builds one). Nothing is fetched when it runs: litellm's remote tables are read from the
copies it ships, and its telemetry is off.

Without a database the proxy knows only its master key, so the keys a team would hand out
(virtual keys, with their own ``rpm_limit``) come from the proxy's custom-auth hook instead: a
small module next to the config maps each key to its limit. The proxy's rate limiter counts
requests per window of LITELLM_RATE_LIMIT_WINDOW_SIZE seconds (60 by default); the tests shorten
it to a few seconds so that going over the limit costs seconds, not minutes.

Besides the loopback judge the proxy serves model groups whose deployment fails, each with a
fallback to another group: one answers 500, one is at a port where nothing listens (both fall back
to a working backup judge), and one answers 500 with a fallback that answers 503 as well.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopback import LoopbackServer, Reply

PYTHON_VARIABLE = "CRITIQUE_TEST_PROXY_PYTHON"
UNAVAILABLE_VARIABLE = "CRITIQUE_TEST_PROXY_UNAVAILABLE"
"""Set by .ci/run to why it could not build the proxy's virtualenv."""
MODEL_NAME = "loopback-judge"
"""The name the proxy serves the loopback judge under (the plugin asks for ``openai/loopback-judge``)."""
FAILING_MODEL = "failing-judge"
"""Its deployment answers every request with 500 (PRIMARY_DOWN); the proxy falls back to BACKUP_MODEL."""
UNREACHABLE_MODEL = "unreachable-judge"
"""Its deployment is at a port where nothing listens; the proxy falls back to BACKUP_MODEL."""
DOOMED_MODEL = "doomed-judge"
"""Served by the failing deployment, with a fallback that fails too (BROKEN_BACKUP_MODEL)."""
BACKUP_MODEL = "backup-judge"
BROKEN_BACKUP_MODEL = "broken-backup-judge"
"""Its deployment answers every request with 503 (BACKUP_DOWN)."""
FALLBACKS = {FAILING_MODEL: BACKUP_MODEL, UNREACHABLE_MODEL: BACKUP_MODEL, DOOMED_MODEL: BROKEN_BACKUP_MODEL}
PRIMARY_DOWN = "the primary judge is down"
BACKUP_DOWN = "the backup judge is down too"
STARTUP_SECONDS = 180.0
_PROXY_PACKAGES = ("litellm", "fastapi", "uvicorn", "apscheduler", "backoff")
"""What ``litellm[proxy]`` brings besides litellm (the plugin's own venv has litellm alone)."""

_QUESTION = re.compile(r"<question-[0-9a-f]+>\n(.*?)\n</question-", re.DOTALL)

# The proxy must neither fetch anything nor send anything anywhere but the loopback judge.
_OFFLINE = {
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    "LITELLM_LOCAL_ANTHROPIC_BETA_HEADERS": "True",
    "LITELLM_LOCAL_BLOG_POSTS": "True",
    "LITELLM_LOCAL_POLICY_TEMPLATES": "True",
    "LITELLM_LOCAL_AUTOROUTER_PRESETS": "True",
    "LITELLM_DONT_SHOW_FEEDBACK_BOX": "true",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}

_AUTH_MODULE = '''"""Team keys for a proxy without a database: each key and its requests per window (None: no limit)."""
from fastapi import HTTPException, Request
from litellm.proxy._types import UserAPIKeyAuth

KEYS = {keys!r}


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    if api_key not in KEYS:
        raise HTTPException(status_code=401, detail="unknown key")
    return UserAPIKeyAuth(api_key=api_key, rpm_limit=KEYS[api_key])
'''


def proxy_python() -> tuple[str | None, str]:
    """(the proxy venv's python, "") or (None, why the proxy tests cannot run here)."""
    unavailable = os.environ.get(UNAVAILABLE_VARIABLE)
    if unavailable:
        return None, f"the LiteLLM proxy is not installed: {unavailable}"
    python = os.environ.get(PYTHON_VARIABLE)
    if not python:
        return None, f"set {PYTHON_VARIABLE} to a python with litellm[proxy] (see .ci/run)"
    if not Path(python).is_file():
        return None, f"{PYTHON_VARIABLE}={python} is not a file"
    # Looked up, not imported: importing litellm takes seconds.
    probe = ("import importlib.util, sys; missing = [name for name in sys.argv[1:] "
             "if importlib.util.find_spec(name) is None]; print(' '.join(missing)); sys.exit(1 if missing else 0)")
    found = subprocess.run([python, "-c", probe, *_PROXY_PACKAGES], capture_output=True, text=True, timeout=120)
    if found.returncode != 0:
        missing = found.stdout.strip() or (found.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"{PYTHON_VARIABLE}={python} lacks the LiteLLM proxy's packages ({missing})"
    return python, ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def question_of(request: dict[str, Any]) -> str:
    found = _QUESTION.search(request["messages"][-1]["content"])
    return found.group(1).strip() if found else ""


@dataclass
class Upstream:
    """The loopback judge behind the proxy: says YES to every question and notes when each arrived."""

    arrivals: list[tuple[float, str]] = field(default_factory=list)
    """(time.time() on arrival, the question), in arrival order."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: dict[str, Any]) -> Reply:
        question = question_of(request)
        with self.lock:
            self.arrivals.append((time.time(), question))
        return Reply(json.dumps({"reasoning": f"judged: {question}", "answer": "YES"}))

    def questions(self, containing: str) -> list[str]:
        with self.lock:
            return [question for _, question in self.arrivals if containing in question]

    def times(self, containing: str) -> list[float]:
        with self.lock:
            return [moment for moment, question in self.arrivals if containing in question]


def backup_judge(request: dict[str, Any]) -> Reply:
    """The judge the proxy falls back to: NO to a question about something wrong, YES to the rest, signed."""
    question = question_of(request)
    answer = "NO" if "wrong" in question else "YES"
    return Reply(json.dumps({"reasoning": f"backup judged: {question}", "answer": answer}))


def questions_at(server: LoopbackServer, containing: str) -> list[str]:
    """The questions of the chat-completion requests a loopback server received that contain ``containing``."""
    return [question for question in map(question_of, list(server.requests)) if containing in question]


def _end(process: "subprocess.Popen[bytes] | None") -> None:
    """Stop a server process: politely, then for sure."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


class RedisServer:
    """``redis-server`` on a free 127.0.0.1 port, keeping nothing on disk: the proxy's shared response cache."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.command("PING") == b"+PONG":
                    return self
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.1)

    def command(self, *words: str) -> bytes:
        """One command in Redis's wire protocol; the first line of the answer."""
        request = f"*{len(words)}\r\n" + "".join(f"${len(word)}\r\n{word}\r\n" for word in words)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(request.encode("utf-8"))
            answer = b""
            while not answer.endswith(b"\r\n"):
                chunk = connection.recv(4096)
                if not chunk:
                    break
                answer += chunk
        return answer.split(b"\r\n", 1)[0]

    def stop(self) -> None:
        process, self._process = self._process, None
        _end(process)


class ProxyGateway:
    """``litellm --config ...`` on a free 127.0.0.1 port, routing ``loopback-judge`` to a loopback server."""

    def __init__(self, python: str, directory: Path, *, keys: dict[str, int | None], window: int,
                 upstream_key: str, master_key: str, redis: RedisServer | None = None):
        self.python = python
        self.redis = redis
        """Where the proxy keeps its response cache; None: in the proxy's memory."""
        self.directory = directory
        self.keys = keys
        self.window = window
        self.upstream_key = upstream_key
        self.master_key = master_key
        self.upstream = Upstream()
        self.server = LoopbackServer(handler=self.upstream)
        self.primary = LoopbackServer(handler=lambda request: Reply(status=500, content=PRIMARY_DOWN))
        self.backup = LoopbackServer(handler=backup_judge)
        self.broken_backup = LoopbackServer(handler=lambda request: Reply(status=503, content=BACKUP_DOWN))
        self._nobody: socket.socket | None = None
        """Bound and never listening: a connection to its port is refused, and no other process can take the port."""
        self.port = 0
        self.log = directory / "proxy.log"
        self.started_in = 0.0
        """Seconds from launching the proxy to its first healthy answer."""
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def config(self) -> str:
        assert self._nobody is not None
        unreachable = f"http://127.0.0.1:{self._nobody.getsockname()[1]}/v1"
        deployments = {MODEL_NAME: self.server.url, FAILING_MODEL: self.primary.url, UNREACHABLE_MODEL: unreachable,
                       DOOMED_MODEL: self.primary.url, BACKUP_MODEL: self.backup.url,
                       BROKEN_BACKUP_MODEL: self.broken_backup.url}
        return "\n".join([
            "model_list:",
            *(line for name, api_base in deployments.items() for line in (
                f"  - model_name: {name}",
                "    litellm_params:",
                f"      model: openai/{name}",
                f"      api_base: {api_base}",
                f"      api_key: {self.upstream_key}")),
            # Without these the router tries a failing group three times, with a backoff, before it falls back
            # (4 to 5 s a request), and may put a deployment in a cooldown that later requests skip: then
            # which requests reach it depends on timing.
            "router_settings:",
            "  num_retries: 0",
            "  disable_cooldowns: true",
            f"  fallbacks: {json.dumps([{group: [fallback]} for group, fallback in FALLBACKS.items()])}",
            "general_settings:",
            f"  master_key: {self.master_key}",
            "  custom_auth: team_keys.user_api_key_auth",
            "litellm_settings:",
            "  cache: true",
            "  cache_params:",
            *(["    type: local"] if self.redis is None else
              ["    type: redis", "    host: 127.0.0.1", f"    port: {self.redis.port}"]),
            "",
        ])

    def start(self) -> ProxyGateway:
        for server in (self.server, self.primary, self.backup, self.broken_backup):
            server.start()
        self._nobody = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._nobody.bind(("127.0.0.1", 0))
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "config.yaml").write_text(self.config(), encoding="utf-8")
        (self.directory / "team_keys.py").write_text(_AUTH_MODULE.format(keys=self.keys), encoding="utf-8")
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("CRITIQUE_", "PYTHON", "DATABASE_", "REDIS_", "LITELLM_"))
               and name.upper() not in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")}
        env.update(_OFFLINE, LITELLM_RATE_LIMIT_WINDOW_SIZE=str(self.window))
        self.port = free_port()
        started = time.monotonic()
        with self.log.open("wb") as log:
            self._process = subprocess.Popen(
                [self.python, "-c", "from litellm import run_server; run_server()",  # the `litellm` command
                 "--config", "config.yaml", "--host", "127.0.0.1", "--port", str(self.port), "--telemetry", "False",
                 "--num_workers", "1"],
                cwd=self.directory, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            self._wait_healthy(started + STARTUP_SECONDS)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - started
        return self

    def _wait_healthy(self, deadline: float) -> None:
        assert self._process is not None
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(f"the LiteLLM proxy exited with status {self._process.returncode}:\n{self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/liveliness", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the LiteLLM proxy did not answer within {STARTUP_SECONDS:g} s:\n{self.tail()}")
            time.sleep(0.2)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        process, self._process = self._process, None
        _end(process)
        for server in (self.server, self.primary, self.backup, self.broken_backup):
            server.stop()
        nobody, self._nobody = self._nobody, None
        if nobody is not None:
            nobody.close()


def most_in_any_window(times: list[float], seconds: float) -> int:
    """The most arrivals within any ``seconds`` long stretch of time."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, moment in enumerate(ordered):
        while moment - ordered[first] >= seconds:
            first += 1
        most = max(most, last - first + 1)
    return most


if __name__ == "__main__":  # pragma: no cover - a manual look: python tests/proxy_gateway.py DIR
    python, why = proxy_python()
    if python is None:
        sys.exit(why)
    gateway = ProxyGateway(python, Path(sys.argv[1]), keys={"sk-team-demo": 4}, window=2,
                           upstream_key="sk-upstream-demo", master_key="sk-master-demo").start()
    print(f"proxy at {gateway.url}, healthy after {gateway.started_in:.1f} s; Ctrl-C stops it")
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        gateway.stop()
