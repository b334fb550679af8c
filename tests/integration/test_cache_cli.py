"""``python -m pytest_critique cache export / import / stats / prune`` on the directory store and on Redis.

Verdicts recorded by a pytest run are exported as sorted JSON lines (the same bytes every time),
imported into another store (a fresh directory, a Redis), and served from there to a read-only run
with no judge. An import file is checked line by line before anything is stored: truncated
lines, wrong types, a pickle, a huge line, merge conflicts are reported with their line numbers.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import CountingJudgeFiles
from redis_server import free_port

from pytest_critique.__main__ import main

pytestmark = pytest.mark.filterwarnings("always::pytest_critique.cache.store.CacheWarning")

SUITE = """
import pytest

@pytest.mark.parametrize("response", ["a fox in autumn", "an owl", "autumn"])
def test_reply(critique, response):
    assert critique.checklist(response, items=["Does it mention a fox?", "Does it mention autumn?"]).passed
"""


def cache(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = main(["cache", *map(str, args)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def recorded(pytester: pytest.Pytester, counting: CountingJudgeFiles) -> Path:
    """A cache directory filled by a judged run: 3 tests x 2 questions = 6 verdicts."""
    pytester.makepyfile(test_suite=SUITE)
    pytester.runpytest().assert_outcomes(passed=1, failed=2)
    counting.reset()
    return pytester.path / ".critique_cache"


def test_export_is_sorted_stable_and_loads_into_redis_for_a_run_without_a_judge(
        pytester: pytest.Pytester, counting: CountingJudgeFiles, recorded: Path, redis_url: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = pytester.path / "verdicts.jsonl"
    status, said, _ = cache(capsys, "export", "--cache-dir", recorded, "-o", out)
    assert status == 0 and said.strip() == f"critique: exported 6 verdicts from {recorded} to {out}"
    first = out.read_bytes()
    lines = first.decode().splitlines()
    keys = [json.loads(line)["key"] for line in lines]
    assert len(lines) == 6 and keys == sorted(keys)
    assert all(line == json.dumps(json.loads(line), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
               for line in lines)
    assert cache(capsys, "export", "--cache-dir", recorded, "-o", out)[0] == 0 and out.read_bytes() == first

    status, said, _ = cache(capsys, "import", out, "--url", redis_url, "--namespace", "ci")
    assert (status, said.strip()) == (0, f"critique: imported 6 verdicts into {redis_url} (namespace ci): "
                                         "6 added, 0 replaced, 0 unchanged")
    assert cache(capsys, "import", out, "--url", redis_url, "--namespace", "ci")[1].strip().endswith(
        "0 added, 0 replaced, 6 unchanged")
    # the export of the Redis store is the same file, through a real subprocess and stdout
    exported = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "export"], capture_output=True,
                              env={**os.environ, "CRITIQUE_CACHE_URL": redis_url, "CRITIQUE_CACHE_NAMESPACE": "ci"},
                              cwd=pytester.path, check=True)
    assert exported.stdout == first and b"exported 6 verdicts" in exported.stderr

    shutil.rmtree(recorded)  # a fresh machine: no cache directory
    served = pytester.runpytest(f"--critique-cache-url={redis_url}", "--critique-cache-namespace=ci",
                                "--critique-cache=read")
    served.assert_outcomes(passed=1, failed=2)
    assert counting.calls() == []


def test_stats_and_prune_by_the_stored_time(pytester: pytest.Pytester, recorded: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = pytester.path / "verdicts.jsonl"
    cache(capsys, "export", "--cache-dir", recorded, "-o", out)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    records[0]["entry"]["created"] = time.time() - 40 * 86400
    records[1]["entry"]["created"] = time.time() - 40 * 86400
    del records[2]["entry"]["created"]
    out.write_text("".join(json.dumps(record) + "\n" for record in records))
    status, said, _ = cache(capsys, "import", out, "--cache-dir", recorded)
    assert status == 0 and "3 replaced, 3 unchanged" in said

    status, said, _ = cache(capsys, "stats", "--cache-dir", recorded)
    assert status == 0
    assert said.splitlines()[0] == f"critique: 6 verdicts in {recorded}"
    assert "  1 without a stored time (prune keeps them)" in said and "  judge counting: 6" in said
    assert "  task tick.item: 6" in said

    status, said, _ = cache(capsys, "prune", "--older-than", "30d", "--dry-run", "--cache-dir", recorded)
    assert status == 0 and said.startswith("critique: would delete 2 of 6 verdicts stored before ")
    assert said.rstrip().endswith("; kept 1 without a stored time")
    status, said, _ = cache(capsys, "prune", "--older-than", "30d", "--cache-dir", recorded)
    assert status == 0 and said.startswith("critique: deleted 2 of 6 verdicts")
    assert cache(capsys, "stats", "--cache-dir", recorded)[1].startswith(f"critique: 4 verdicts in {recorded}")
    assert cache(capsys, "prune", "--older-than", "30 days", "--cache-dir", recorded)[0] == 2


class Planted:
    def __init__(self, path: str):
        self.path = path

    def __reduce__(self) -> Any:
        return (open, (self.path, "w"))


def test_a_hostile_import_file_is_refused_line_by_line_and_nothing_is_stored(
        tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    good = {"key": "a" * 64, "entry": {"data": {"answer": True}, "judge": "j", "created": 1.0}}
    marker = tmp_path / "unpickled"
    lines = [
        json.dumps(good).encode(),                                                       # 1 fine
        json.dumps(good).encode()[:-9],                                                  # 2 truncated
        json.dumps({"key": 12, "entry": {"data": {}}}).encode(),                         # 3 key not a string
        json.dumps({"key": "b" * 64, "entry": {"data": []}}).encode(),                   # 4 data a list
        json.dumps({"key": "c" * 64, "entry": {"data": {}, "created": "yesterday"}}).encode(),  # 5
        pickle.dumps(Planted(str(marker))),                                              # 6 a pickle
        b"<<<<<<< HEAD",                                                                 # 7 a merge conflict
        json.dumps({"key": "a" * 64, "entry": {"data": {"answer": False}}}).encode(),    # 8 key of line 1 again
        b'{"key": "' + b"d" * 64 + b'", "entry": {"data": {}, "created": NaN}}',         # 9 not JSON numbers
        json.dumps({"key": "e" * 64, "entry": {"data": {}}, "extra": 1}).encode(),       # 10 extra field
        b"[" * 100000,                                                                   # 11 nested too deep
        b'{"key": "' + b"f" * 64 + b'", "entry": {"data": {"x": "' + b"y" * (17 * 1024 * 1024) + b'"}}}',  # 12
        json.dumps({"key": "A" * 64, "entry": {"data": {}}}).encode(),                   # 13 not lowercase hex
        json.dumps({"key": "1" * 64, "entry": {"data": {}, "created": True}}).encode(),  # 14
    ]
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_bytes(b"\n".join(line.replace(b"\n", b" ") if index != 5 else line
                                   for index, line in enumerate(lines)))
    for where in (["--cache-dir", str(tmp_path / "store")], ["--url", redis_url]):
        status, out, err = cache(capsys, "import", hostile, *where)
        assert status == 1 and out == ""
        reported = err.splitlines()
        assert reported[0].startswith(f"critique: cache import: {hostile} has ") and "nothing was imported" in err
        numbers = [int(line.split(":")[1]) for line in reported[1:]]
        assert 1 not in numbers and {2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14} <= set(numbers), err
        assert f"{hostile}:6: not UTF-8 text (binary data such as a pickle is never loaded)" in reported
        assert f"{hostile}:14: 'entry.created' must be a number, not true/false" in reported
        assert "longer than 16 MiB" in err and "JSON nested too deeply" in err
        assert "is also on line 1 with another entry" in err
        assert "Traceback" not in err
    assert not marker.exists()
    assert not (tmp_path / "store").exists() or cache(capsys, "stats", "--cache-dir", tmp_path / "store")[1] \
        .startswith("critique: 0 verdicts")
    status, out, _ = cache(capsys, "export", "--url", redis_url)
    assert status == 0 and out == ""


def test_usage_errors_and_a_store_that_is_down(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cache(capsys, "stats", "--cache-dir", tmp_path / "missing")
    assert status == 2 and err.strip() == f"critique: cache: no cache directory at {tmp_path / 'missing'}"
    status, _, err = cache(capsys, "stats", "--url", "http://127.0.0.1:1/0")
    assert status == 2 and "critique: cache: unusable store URL: expected redis://" in err
    status, _, err = cache(capsys, "import", tmp_path / "none.jsonl", "--cache-dir", tmp_path / "c")
    assert status == 2 and "cannot read" in err
    port = free_port()
    status, _, err = cache(capsys, "stats", "--url", f"redis://:s3cret@127.0.0.1:{port}/0")
    assert status == 1 and err.startswith(f"critique: the shared verdict store redis://:***@127.0.0.1:{port}/0 "
                                          "is unavailable (")
    assert "s3cret" not in err and "Traceback" not in err


def fill_verdicts(url: str, namespace: str, count: int) -> list[bytes]:
    """``count`` verdict records under ``namespace``, as the plugin writes them; their Redis keys, sorted."""
    import redis

    client = redis.Redis.from_url(url)
    pipe = client.pipeline(transaction=False)
    names = []
    for number in range(count):
        name = f"{namespace}:verdict:{number:064x}".encode()
        names.append(name)
        pipe.set(name, json.dumps({"data": {"answer": "YES" if number % 3 else "NO", "reasoning": f"n{number}"},
                                   "judge": "j", "task": "tick.item", "created": 1.7e9 + number}))
    pipe.execute()
    client.close()
    return names


def test_export_from_redis_reads_in_batches_the_same_bytes_and_refuses_the_same_entries(
        tmp_path: Path, redis_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import redis

    from pytest_critique.cache.redis_store import BATCH_KEYS, MAX_ENTRY_BYTES, RedisStore
    from pytest_critique.cache.records import export_lines

    names = fill_verdicts(redis_url, "many", 1234)
    marker = tmp_path / "unpickled"
    client = redis.Redis.from_url(redis_url)
    # foreign values on both sides of the batch boundaries
    client.set(names[0], pickle.dumps(Planted(str(marker))))
    client.set(names[BATCH_KEYS - 1], b"\xff\xfe not text")
    client.set(names[BATCH_KEYS], b"{not json")
    client.set(names[BATCH_KEYS + 1], b'"a JSON string"')
    client.delete(names[2 * BATCH_KEYS - 1], names[2 * BATCH_KEYS])
    client.rpush(names[2 * BATCH_KEYS - 1], b"a list")
    client.hset(names[2 * BATCH_KEYS], "field", "a hash")
    client.setrange(names[-1], MAX_ENTRY_BYTES, b"x")  # one byte more than is ever read
    client.close()

    one_by_one = RedisStore(redis_url, "many")
    keys = one_by_one.keys()
    entries = [(key, entry) for key in keys if (entry := one_by_one.get(key)) is not None]
    one_by_one.close()
    assert len(keys) == 1234 and len(entries) == 1234 - 7 and len(one_by_one.refused) == 7

    out = tmp_path / "verdicts.jsonl"
    status, said, _ = cache(capsys, "export", "--url", redis_url, "--namespace", "many", "-o", out)
    assert status == 0
    assert said.splitlines() == ["critique: 7 entries refused (not JSON text), left out",
                                 f"critique: exported 1227 verdicts from {redis_url} (namespace many) to {out}"]
    assert out.read_text(encoding="utf-8") == export_lines(entries)
    batched = RedisStore(redis_url, "many")
    assert {key: entry for key, entry in batched.get_many(keys).items() if entry is not None} == dict(entries)
    batched.close()
    assert batched.refused == one_by_one.refused
    assert f"a value of {MAX_ENTRY_BYTES + 1} bytes" in batched.refused[names[-1].decode()[-64:]]
    assert "not a string value (WRONGTYPE" in batched.refused[names[2 * BATCH_KEYS].decode()[-64:]]
    assert not marker.exists()


def test_export_from_a_distant_redis_takes_a_round_trip_per_batch_not_per_key(
        tmp_path: Path, redis_url: str, redis_server: Any) -> None:
    from latency_relay import LatencyRelay

    fill_verdicts(redis_url, "far", 2000)
    database = redis_url.rsplit("/", 1)[1]
    # 100 ms per round trip: one per key would take over 200 s
    with LatencyRelay(redis_server.port, delay=0.05) as relay:
        exported = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "export", "--url",
                                   f"redis://127.0.0.1:{relay.port}/{database}", "--namespace", "far"],
                                  capture_output=True, cwd=tmp_path, check=True, timeout=60)
    assert exported.stdout.count(b"\n") == 2000 and b"exported 2000 verdicts" in exported.stderr


def test_an_import_into_a_distant_redis_takes_round_trips_per_batch_not_per_record(
        tmp_path: Path, redis_url: str, redis_server: Any) -> None:
    import redis
    from latency_relay import LatencyRelay

    fill_verdicts(redis_url, "from", 2000)
    database = redis_url.rsplit("/", 1)[1]
    exported = tmp_path / "verdicts.jsonl"
    subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "export", "--url", redis_url, "--namespace",
                    "from", "-o", exported], capture_output=True, cwd=tmp_path, check=True, timeout=60)
    lines = exported.read_text(encoding="utf-8").splitlines()
    # one record already there as it is, one there with another verdict
    client = redis.Redis.from_url(redis_url)
    same, other = json.loads(lines[0]), json.loads(lines[1])
    client.set(f"to:verdict:{same['key']}", json.dumps(same["entry"]))
    client.set(f"to:verdict:{other['key']}", json.dumps({**other["entry"], "data": {"answer": "MAYBE"}}))
    # 100 ms per round trip: a read and a write per record would take over 400 s
    with LatencyRelay(redis_server.port, delay=0.05) as relay:
        imported = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "import", exported, "--url",
                                   f"redis://127.0.0.1:{relay.port}/{database}", "--namespace", "to"],
                                  capture_output=True, cwd=tmp_path, check=True, timeout=60, text=True)
    assert "imported 2000 verdicts" in imported.stdout and "1998 added, 1 replaced, 1 unchanged" in imported.stdout
    copied = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "export", "--url", redis_url,
                             "--namespace", "to"], capture_output=True, cwd=tmp_path, check=True, timeout=60)
    assert copied.stdout == exported.read_bytes()
    client.close()


def test_a_prune_of_a_distant_redis_takes_a_round_trip_per_batch_not_per_key(
        tmp_path: Path, redis_url: str, redis_server: Any) -> None:
    import redis

    from latency_relay import LatencyRelay

    names = fill_verdicts(redis_url, "old", 1500)  # stored at 1.7e9 + n: in 2023
    client = redis.Redis.from_url(redis_url)
    client.set(b"old:verdict:" + b"f" * 64, json.dumps({"data": {"answer": "YES"}, "created": time.time()}))
    database = redis_url.rsplit("/", 1)[1]
    with LatencyRelay(redis_server.port, delay=0.05) as relay:
        pruned = subprocess.run([sys.executable, "-m", "pytest_critique", "cache", "prune", "--older-than", "30d",
                                 "--url", f"redis://127.0.0.1:{relay.port}/{database}", "--namespace", "old"],
                                capture_output=True, cwd=tmp_path, check=True, timeout=60, text=True)
    assert pruned.stdout.startswith("critique: deleted 1500 of 1501 verdicts")
    assert client.exists(*names) == 0 and client.exists(b"old:verdict:" + b"f" * 64) == 1
    client.close()
