"""A real LiteLLM proxy for the gateway tests, started once per session (see tests/proxy_gateway.py).

The tests skip, saying why, where no proxy virtualenv is at hand: CRITIQUE_TEST_PROXY_PYTHON unset
(set it to the python of a virtualenv with ``litellm[proxy]``, as .ci/run builds), or .ci/run
could not build one (CRITIQUE_TEST_PROXY_UNAVAILABLE).
"""

from __future__ import annotations

import os
import shutil
from typing import Iterator

import pytest
from gateway_settings import MASTER_KEY, OPEN_KEY, THROTTLED_KEY, THROTTLED_LIMIT, UPSTREAM_KEY, WINDOW
from proxy_gateway import ProxyGateway, RedisServer, proxy_python


@pytest.fixture(scope="session")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyGateway]:
    python, why = proxy_python()
    if python is None:
        pytest.skip(why)
    # The response cache in Redis where redis-server is installed (as teams share it), else in memory.
    redis = RedisServer(tmp_path_factory.mktemp("redis")).start() if shutil.which("redis-server") else None
    try:
        running = ProxyGateway(python, tmp_path_factory.mktemp("litellm-proxy"),
                               keys={THROTTLED_KEY: THROTTLED_LIMIT, OPEN_KEY: None}, window=WINDOW,
                               upstream_key=UPSTREAM_KEY, master_key=MASTER_KEY, redis=redis).start()
        try:
            yield running
        finally:
            running.stop()
    finally:
        if redis is not None:
            redis.stop()


@pytest.fixture(autouse=True)
def _clean_critique_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's CRITIQUE_* variables stay out of these runs; output lines are not cut."""
    for name in list(os.environ):
        if name.startswith("CRITIQUE_") and name not in ("CRITIQUE_TEST_PROXY_PYTHON",
                                                        "CRITIQUE_TEST_PROXY_UNAVAILABLE"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("COLUMNS", "200")
