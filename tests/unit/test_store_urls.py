"""Which shared-store URLs are accepted, and how they are shown: never with a password, a CA file's path as given."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pytest

from pytest_critique.store_urls import check_cache_url, redact_url, url_secrets


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    path = tmp_path / "private ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def test_a_tls_url_may_name_a_ca_file_and_a_client_certificate(ca: Path) -> None:
    assert check_cache_url("rediss://cache.internal:6380/0") is None
    assert check_cache_url(f"rediss://cache.internal:6380/0?ssl_ca_certs={ca}") is None
    assert check_cache_url(f"rediss://:pw@cache.internal/1?ssl_ca_certs={ca}&ssl_certfile={ca}&ssl_keyfile={ca}") \
        is None


@pytest.mark.parametrize("query, problem", [
    ("ssl_cert_reqs=none", "ssl_cert_reqs is not accepted: the server's certificate is always checked*"),
    ("ssl_check_hostname=false", "ssl_check_hostname is not accepted*"),
    ("socket_timeout=3600", "unknown parameter 'socket_timeout' after '?' (accepted: ssl_ca_certs, *"),
    ("db=3", "unknown parameter 'db'*"),
    ("ssl_ca_certs=", "ssl_ca_certs is empty"),
    ("ssl_ca_certs={ca}&ssl_ca_certs={ca}", "ssl_ca_certs is given twice"),
    ("ssl_ca_certs={ca}.missing", "ssl_ca_certs: no file at *.missing"),
    ("ssl_keyfile={ca}", "ssl_keyfile needs ssl_certfile*"),
])
def test_query_parameters_that_would_weaken_tls_or_that_redis_py_cannot_take_are_refused(
        ca: Path, query: str, problem: str) -> None:
    found = check_cache_url(f"rediss://cache.internal:6380/0?{query.format(ca=ca)}")
    assert found is not None and fnmatch.fnmatchcase(found, problem.format(ca=ca)), found


def test_tls_files_need_a_tls_url(ca: Path) -> None:
    assert check_cache_url(f"redis://cache.internal:6379/0?ssl_ca_certs={ca}") == \
        "ssl_ca_certs needs a TLS connection: rediss://, not redis://"


def test_redaction_hides_passwords_and_shows_the_rest_as_written(ca: Path) -> None:
    url = f"rediss://:s3cret@cache.internal:6380/0?ssl_ca_certs={ca}"
    assert redact_url(url) == f"rediss://:***@cache.internal:6380/0?ssl_ca_certs={ca}"
    assert redact_url("redis://cache.internal/0?password=q%26pw&ssl_ca_certs=/etc/ca.pem") == \
        "redis://cache.internal/0?password=***&ssl_ca_certs=/etc/ca.pem"
    assert redact_url("redis://lone-secret@cache.internal/0") == "redis://***@cache.internal/0"
    assert sorted(url_secrets("redis://user:p%40ss@h/0?password=q%26pw")) == ["p%40ss", "p@ss", "q&pw"]
    assert url_secrets("redis://lone-secret@h/0") == ["lone-secret"] and url_secrets("redis://h/0") == []
