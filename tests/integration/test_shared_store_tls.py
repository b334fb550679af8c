"""The shared verdict store over TLS (``rediss://``), against a real redis-server that speaks only TLS.

The server's certificate comes from a throwaway CA made for the test: trusted when the URL names
that CA (``?ssl_ca_certs=``), and otherwise refused, so the tests are UNSCORED naming the URL, with
no judge call, nothing stored and never a fallback to plain text.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Iterator

import pytest
import redis
from conftest import COUNTING_CONFTEST, CountingJudgeFiles
from redis_server import Certificates, RedisServer, make_certificates, tls_unsupported

pytestmark = pytest.mark.filterwarnings("always::pytest_critique.cache.store.CacheWarning")

SUITE = """
import pytest

@pytest.mark.parametrize("response", ["a fox in autumn", "an owl", "autumn"])
def test_reply(critique, response):
    assert critique.checklist(response, items=["Does it mention a fox?", "Does it mention autumn?"]).passed
"""


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    unsupported = tls_unsupported()
    if unsupported:
        pytest.skip(unsupported)
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not on PATH: it makes the throwaway CA of the TLS tests")
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory, certificates: Certificates) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-tls"), certificates=certificates).start()
    yield server
    server.stop()


def trusted(server: RedisServer) -> str:
    assert server.certificates is not None
    return f"{server.url}?ssl_ca_certs={server.certificates.ca}"


def stored(server: RedisServer, pattern: str = "*") -> list[bytes]:
    client = redis.Redis.from_url(trusted(server))
    try:
        return sorted(client.scan_iter(match=pattern))
    finally:
        client.close()


def test_a_certificate_not_signed_by_a_trusted_ca_makes_tests_unscored_naming_the_url(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, tls_server: RedisServer) -> None:
    pytester.makepyfile(test_tls=SUITE)
    url = f"rediss://:tls-pw-8d1e@127.0.0.1:{tls_server.port}/0"  # the system's CAs only
    result = pytester.runpytest(f"--critique-cache-url={url}")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    assert result.parseoutcomes() == {"unscored": 3}
    result.stdout.fnmatch_lines([f"*the shared verdict store rediss://:***@127.0.0.1:{tls_server.port}/0 is "
                                 "unavailable (*CERTIFICATE_VERIFY_FAILED*; to trust a private CA, add "
                                 "?ssl_ca_certs=/path/to/ca.pem to the URL): no verdict could be read*"])
    text = result.stdout.str() + result.stderr.str()
    assert "tls-pw-8d1e" not in text and "Traceback" not in text
    assert counting.calls() == [] and stored(tls_server) == []


def test_plain_text_to_the_tls_port_is_unscored_too(pytester: pytest.Pytester, counting: CountingJudgeFiles,
                                                    tls_server: RedisServer) -> None:
    pytester.makepyfile(test_tls=SUITE)
    url = f"redis://127.0.0.1:{tls_server.port}/0"
    result = pytester.runpytest(f"--critique-cache-url={url}")
    assert result.parseoutcomes() == {"unscored": 3}
    result.stdout.fnmatch_lines([f"*the shared verdict store {url} is unavailable (*): no verdict could be read*"])
    assert counting.calls() == [] and stored(tls_server) == []


def test_a_certificate_for_another_host_is_refused_even_from_the_trusted_ca(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, certificates: Certificates,
        tmp_path: Path) -> None:
    # a certificate our CA signed, but for another name: a trusted issuer, the wrong host
    elsewhere = make_certificates(tmp_path / "elsewhere", names=("cache.elsewhere.test",), authority=certificates)
    server = RedisServer(tmp_path / "redis", certificates=elsewhere)
    server.start()
    try:
        pytester.makepyfile(test_tls=SUITE)
        url = f"rediss://127.0.0.1:{server.port}/0?ssl_ca_certs={certificates.ca}"
        result = pytester.runpytest(f"--critique-cache-url={url}")
        assert result.parseoutcomes() == {"unscored": 3}
        result.stdout.fnmatch_lines([f"*the shared verdict store {url} is unavailable (*CERTIFICATE_VERIFY_FAILED*"
                                     "mismatch*): no verdict could be read*"])
        assert counting.calls() == []
    finally:
        server.stop()


def test_a_server_that_asks_for_a_client_certificate_gets_the_one_the_url_names(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, certificates: Certificates,
        tmp_path: Path) -> None:
    client = make_certificates(tmp_path / "client", names=("ci-runner",), authority=certificates, usage="clientAuth")
    server = RedisServer(tmp_path / "redis", certificates=certificates, client_certificates=True).start()
    try:
        pytester.makepyfile(test_tls=SUITE)
        url = f"rediss://127.0.0.1:{server.port}/0?ssl_ca_certs={certificates.ca}"
        refused = pytester.runpytest(f"--critique-cache-url={url}")
        assert refused.parseoutcomes() == {"unscored": 3}
        refused.stdout.fnmatch_lines([f"*the shared verdict store {url} is unavailable (*): no verdict could be read*"])
        assert counting.calls() == []
        with_certificate = f"{url}&ssl_certfile={client.cert}&ssl_keyfile={client.key}"
        pytester.runpytest(f"--critique-cache-url={with_certificate}").assert_outcomes(passed=1, failed=2)
        assert len(counting.calls()) == 6
        reader = redis.Redis.from_url(with_certificate)
        assert len(reader.keys("pytest-critique:verdict:*")) == 6
        reader.close()
    finally:
        server.stop()


def test_a_suite_stores_its_verdicts_over_tls_and_a_machine_without_a_judge_reads_them(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, tls_server: RedisServer,
        capsys: pytest.CaptureFixture[str]) -> None:
    pytester.makepyfile(test_tls=SUITE)
    url = trusted(tls_server)
    store = [f"--critique-cache-url={url}", "--critique-cache-namespace=tls-suite"]
    first = pytester.runpytest(*store)
    first.assert_outcomes(passed=1, failed=2)
    first.stdout.fnmatch_lines([f"critique: judge=none configured cache=rw cache_url={url} namespace=tls-suite *"])
    assert len(counting.calls()) == 6 and len(stored(tls_server, "tls-suite:verdict:*")) == 6
    assert not (pytester.path / ".critique_cache").exists()

    fresh = pytester.mkdir("fresh_machine")
    shutil.copy(pytester.path / "test_tls.py", fresh / "test_tls.py")
    (fresh / "conftest.py").write_text(COUNTING_CONFTEST, encoding="utf-8")
    read = pytester.runpytest(str(fresh), f"--rootdir={fresh}", *store, "--critique-cache=read", "-n", "2")
    read.assert_outcomes(passed=1, failed=2)
    read.stdout.fnmatch_lines(["*6 verdicts (6 cached) · 0 judge calls*"])
    assert not (fresh / "calls.log").exists()

    from pytest_critique.__main__ import main

    capsys.readouterr()
    assert main(["cache", "export", "--url", url, "--namespace", "tls-suite"]) == 0
    exported = capsys.readouterr()
    assert len(exported.out.splitlines()) == 6 and f"exported 6 verdicts from {url} (namespace tls-suite)" \
        in exported.err
