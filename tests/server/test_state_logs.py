"""The shared logs (`State.append`/`log`) and the claim built on `State.count`, on every backend.

The delivery log of `--workers N` takes its ids from log positions, so a position must never be
handed out twice, even to processes appending at the same instant; and `Live.claim` must let
exactly one of several processes send an event. Both are checked with real concurrent processes
on one SQLite store and one redis-server (started here; skipped, saying so, without the binary).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_state import start_redis

from recmock.server.live_admin import Live
from recmock.state import MemoryState, State, open_state
from recmock.state import local as local_state
from recmock.state.local import LocalState

PROCESSES = 4
KEYS = 300

# Each process: wait for the common start instant, then claim every key and append every key
# to one log; print what it won and the positions it was given.
RACER = """
import json, sys, time
from types import SimpleNamespace
from recmock.server.live_admin import Live
from recmock.state import open_state

state = open_state(sys.argv[1])
live, mock = Live(), SimpleNamespace(state=state)
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
won, positions = [], []
for k in range(int(sys.argv[2])):
    if live.claim(mock, "qa", f"rec-{k} started 1764000000 zoom"):
        won.append(k)
    positions.append(state.append("race", {"k": k, "pid": sys.argv[4]}))
state.close()
print(json.dumps({"won": won, "positions": positions}))
"""


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    process, url = start_redis(tmp_path_factory.mktemp("redis-logs"))
    yield url + "/4"
    process.terminate()
    process.wait(timeout=10)


def _flushed(url: str) -> str:
    import redis

    redis.Redis.from_url(url).flushdb()
    return url


def _backends(tmp_path: Path, redis_url: str) -> list[tuple[str, Callable[[], State]]]:
    return [
        ("memory", MemoryState),
        ("sqlite", lambda: LocalState(tmp_path / "local")),
        ("redis", lambda: open_state(_flushed(redis_url))),
    ]


def test_a_log_keeps_its_newest_entries_and_never_reuses_a_position(
    tmp_path: Path, redis_url: str
) -> None:
    for name, make in _backends(tmp_path, redis_url):
        state = make()
        state.log_size = 5  # type: ignore[attr-defined]
        assert state.log("deliveries") == [], name
        positions = [state.append("deliveries", {"n": i, "tags": ("a", 1)}) for i in range(12)]
        assert positions == list(range(1, 13)), name
        kept = state.log("deliveries")
        assert [p for p, _ in kept] == [8, 9, 10, 11, 12], name
        assert kept[-1][1] == {"n": 11, "tags": ["a", 1]}, name  # JSON, as stored
        assert [p for p, _ in state.log("deliveries", after=10)] == [11, 12], name
        assert state.log("deliveries", after=12) == [] and state.log("other") == [], name
        for session in ("default", "qa"):
            state.reset(session)  # a log belongs to no session: a reset keeps it
        assert state.append("deliveries", {"n": 12}) == 13, name
        assert [p for p, _ in state.log("deliveries")] == [9, 10, 11, 12, 13], name
        state.close()


def test_a_claim_is_won_once_and_again_only_after_the_session_is_forgotten(
    tmp_path: Path, redis_url: str
) -> None:
    for name, make in _backends(tmp_path, redis_url):
        state = make()
        live, mock = Live(), SimpleNamespace(state=state)
        assert live.claim(mock, "qa", "rec-1 started 5 zoom"), name
        assert not live.claim(mock, "qa", "rec-1 started 5 zoom"), name
        assert live.claim(mock, "other", "rec-1 started 5 zoom"), name  # per session
        assert live.claim(mock, "qa", "rec-1 stopped 9 zoom"), name
        state.reset("qa")  # its recordings are gone with it: nothing left to send twice
        assert live.claim(mock, "qa", "rec-1 started 5 zoom"), name
        state.close()


def _race(url: str) -> list[dict[str, list[int]]]:
    start = time.time() + 4  # every process has imported recmock by then
    racers = [
        subprocess.Popen(
            [sys.executable, "-c", RACER, url, str(KEYS), str(start), str(i)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(PROCESSES)
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=60)
        assert racer.returncode == 0, err
        results.append(json.loads(out))
    return results


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", "redis"])
def test_concurrent_processes_win_each_claim_once_and_share_no_position(
    backend: str, tmp_path: Path, redis_url: str
) -> None:
    url = local_state.create(tmp_path / "race") if backend == "sqlite" else _flushed(redis_url)
    results = _race(url)
    wins = Counter(k for result in results for k in result["won"])
    assert wins == Counter(range(KEYS)), wins  # every key claimed, by exactly one process
    positions = [p for result in results for p in result["positions"]]
    assert sorted(positions) == list(range(1, PROCESSES * KEYS + 1))  # none given twice
    for result in results:  # each process sees its own positions in the order it appended
        assert result["positions"] == sorted(result["positions"])
    state = open_state(url)
    try:
        kept = state.log("race")
        assert [p for p, _ in kept] == list(range(1, PROCESSES * KEYS + 1))
        by_position = {p: item for p, item in kept}
        for i, result in enumerate(results):
            for k, p in enumerate(result["positions"]):
                assert by_position[p] == {"k": k, "pid": str(i)}
    finally:
        state.close()
