"""The state backends against one model, and two Redis-backed replicas against each other.

Every backend must behave like `Model` (a few dicts and lists: the oracle), including when two
handles on one store (two workers, two replicas) interleave. The Redis tests start their own
`redis-server` on a free loopback port (no persistence, in a temp dir) and skip, saying so, only
where the binary is absent.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_server import free_port
from recmock.auth import basic
from recmock.state import MemoryState, State, open_state
from recmock.state import local as local_state
from recmock.state.interface import DEFAULT_SESSION, JOURNAL_SIZE, session_problem
from recmock.state.local import LocalState

SW = "/api/video/room_sessions/{}/recordings"
CF = (
    "/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
    "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/"
)
CF_AUTH = {"Authorization": "Bearer demo-token"}
BASIC = basic("demo-project", "demo-token")


# ---- a real redis-server ---------------------------------------------------------------------


def start_redis(directory: Path) -> tuple[subprocess.Popen[bytes], str]:
    """A redis-server on a free loopback port (no persistence) and its URL; skips without one."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server not installed (Debian package redis-server; .ci/run installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )  # fmt: skip
    import redis

    client = redis.Redis(port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            return process, f"redis://127.0.0.1:{port}"
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("redis-server did not answer within 10 s") from None
            time.sleep(0.05)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """redis://127.0.0.1:PORT of a redis-server this module started (and stops)."""
    process, url = start_redis(tmp_path_factory.mktemp("redis"))
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """A freshly emptied database of the module's redis-server."""
    import redis

    redis.Redis.from_url(redis_server + "/1").flushdb()
    return redis_server + "/1"


# ---- the model every backend must match ------------------------------------------------------


class Model:
    """The oracle: the State semantics in plain dicts (no eviction: tests stay under the cap)."""

    def __init__(self) -> None:
        self.values: dict[tuple[str, str], Any] = {}
        self.counters: dict[tuple[str, str], int] = {}
        self.journals: dict[str, list[Any]] = {}
        self.logs: dict[str, list[list[Any]]] = {}  # shared logs: of no session, never reset

    def apply(self, op: tuple[Any, ...]) -> Any:
        kind, session, *rest = op
        if kind == "put":
            self.values[(session, rest[0])] = rest[1]
        elif kind == "get":
            return self.values.get((session, rest[0]))
        elif kind == "count":
            n = self.counters.get((session, rest[0]), 0)
            self.counters[(session, rest[0])] = n + 1
            return n
        elif kind == "record":
            self.journals[session] = [*self.journals.get(session, []), rest[0]][-JOURNAL_SIZE:]
        elif kind == "journal":
            return self.journals.get(session, [])
        elif kind == "clear":
            self.journals.pop(session, None)
        elif kind == "append":  # `session` is the log's name
            kept = self.logs.setdefault(session, [])
            kept.append([len(kept) + 1, rest[0]])
            return len(kept)
        elif kind == "log":
            return [entry for entry in self.logs.get(session, []) if entry[0] > rest[0]]
        elif kind == "reset":
            self.values = {k: v for k, v in self.values.items() if k[0] != session}
            self.counters = {k: v for k, v in self.counters.items() if k[0] != session}
            self.journals.pop(session, None)
        return None


def run(state: State, op: tuple[Any, ...]) -> Any:
    kind, session, *rest = op
    if kind == "put":
        return state.put(session, rest[0], rest[1])
    if kind == "get":
        return state.get(session, rest[0])
    if kind == "count":
        return state.count(session, rest[0])
    if kind == "record":
        return state.record(session, rest[0])
    if kind == "journal":
        return [list(e) for e in state.journal(session)]
    if kind == "clear":
        return state.clear_journal(session)
    if kind == "append":
        return state.append(session, rest[0])
    if kind == "log":
        return [list(entry) for entry in state.log(session, rest[0])]
    return state.reset(session)


SESSIONS = st.sampled_from([DEFAULT_SESSION, "ci-1", "dev.2"])
KEYS = st.sampled_from(["scenario", "clock"])
VALUES = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.dictionaries(KEYS, st.booleans()))
LOGS = st.sampled_from(["deliveries", "redeliveries"])
ENTRY_TIME = iter(range(10**9))  # journal times that only grow, so order is unambiguous


def entries() -> st.SearchStrategy[list[Any]]:
    def entry(method: str, status: int) -> list[Any]:
        return [float(next(ENTRY_TIME)), method, "/p", "", status, None, "", "", False]

    return st.builds(entry, st.sampled_from(["GET", "POST"]), st.sampled_from([200, 404]))


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("put"), SESSIONS, KEYS, VALUES),
        st.tuples(st.just("get"), SESSIONS, KEYS),
        st.tuples(st.just("count"), SESSIONS, st.sampled_from(["a", "b"])),
        st.tuples(st.just("record"), SESSIONS, entries()),
        st.tuples(st.just("journal"), SESSIONS),
        st.tuples(st.just("clear"), SESSIONS),
        st.tuples(st.just("reset"), SESSIONS),
        st.tuples(st.just("append"), LOGS, VALUES),
        st.tuples(st.just("log"), LOGS, st.integers(0, 4)),
    ),
    max_size=30,
)


def check_against_model(handles: list[State], ops: list[tuple[Any, ...]]) -> None:
    """Run `ops` round-robin over `handles` (several processes on one store): every answer is
    the model's, and every change moves the version each handle reports."""
    model = Model()
    for i, op in enumerate(ops):
        handle = handles[i % len(handles)]
        before = [h.version() for h in handles]
        if op[0] in ("journal", "clear", "reset"):
            time.sleep(handle.lag)  # what the admin API waits: other handles' buffers are out
        got, wanted = run(handle, op), model.apply(op)
        if op[0] in ("get", "count", "journal", "append", "log"):
            assert got == wanted, op
        if op[0] in ("put", "reset"):
            for other, seen in zip(handles, before, strict=True):
                deadline = time.monotonic() + 1
                while other.version() == seen and time.monotonic() < deadline:
                    time.sleep(0.002)
                assert other.version() != seen, f"{op}: a handle never saw the change"


@settings(max_examples=60)
@given(OPS)
def test_memory_state_is_the_model(ops: list[tuple[Any, ...]]) -> None:
    check_against_model([MemoryState()], ops)


@settings(max_examples=15)
@given(OPS)
def test_two_sqlite_handles_on_one_store_are_the_model(ops: list[tuple[Any, ...]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        url = local_state.create(Path(scratch))
        handles = [open_state(url), open_state(url)]
        try:
            check_against_model(handles, ops)
        finally:
            for handle in handles:
                handle.close()


@settings(max_examples=15)
@given(OPS)
def test_two_redis_handles_on_one_database_are_the_model(
    redis_server: str, ops: list[tuple[Any, ...]]
) -> None:
    import redis

    redis.Redis.from_url(redis_server + "/2").flushdb()
    handles = [open_state(redis_server + "/2"), open_state(redis_server + "/2")]
    try:
        check_against_model(handles, ops)
    finally:
        for handle in handles:
            handle.close()


def _backends(tmp_path: Path, redis_url: str | None) -> list[Callable[[int], State]]:
    from recmock.state.redis import RedisState

    made: list[Callable[[int], State]] = [
        lambda cap: MemoryState(cap),
        lambda cap: LocalState(tmp_path / f"local-{cap}", max_sessions=cap),
    ]
    if redis_url:
        made.append(lambda cap: RedisState(redis_url, max_sessions=cap))
    return made


def test_sessions_are_capped_least_recently_used_first_and_default_stays(
    tmp_path: Path, redis_url: str
) -> None:
    for make in _backends(tmp_path, redis_url):
        state = make(3)
        state.put(DEFAULT_SESSION, "scenario", "empty")
        for name in ("a", "b", "c", "d"):
            state.put(name, "scenario", name)
        kept = state.sessions()
        assert len(kept) == 3 and DEFAULT_SESSION in kept, (type(state).__name__, kept)
        assert "a" not in kept and "d" in kept
        assert state.get("a", "scenario") is None and state.get("d", "scenario") == "d"
        assert state.get(DEFAULT_SESSION, "scenario") == "empty"
        state.close()


def test_the_journal_keeps_the_newest_entries_up_to_its_bound(
    tmp_path: Path, redis_url: str
) -> None:
    for make in _backends(tmp_path, redis_url):
        state = make(8)
        for i in range(JOURNAL_SIZE + 25):
            state.record("s", (float(i), "GET", f"/{i}", "", 200, None, "", "", False))
        kept = state.journal("s")
        assert len(kept) == JOURNAL_SIZE, type(state).__name__
        assert kept[0][2] == "/25" and kept[-1][2] == f"/{JOURNAL_SIZE + 24}"
        state.close()


@pytest.mark.parametrize(
    ("name", "valid"),
    [("ci-job-42", True), ("a", True), ("A.b_c-9", True), ("x" * 64, True), ("x" * 65, False),
     ("", False), ("-lead", False), ("with space", False), ("a/b", False), ("ünï", False),
     ("a\nb", False)],
)  # fmt: skip
def test_session_names_are_bounded_printable_tokens(name: str, valid: bool) -> None:
    assert (session_problem(name) is None) is valid


def test_an_unreachable_redis_is_one_clear_line_without_the_password() -> None:
    from recmock.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        open_state(f"redis://user:s3cret@127.0.0.1:{free_port()}/0")
    message = str(caught.value)
    assert message.startswith("--state redis://***@127.0.0.1:") and "cannot use Redis" in message
    assert "s3cret" not in message and "\n" not in message
    with pytest.raises(ConfigError, match="--state: expected memory, local"):
        open_state("postgres://x")


# ---- two replicas on one Redis ---------------------------------------------------------------


def _admin(url: str, method: str, path: str, body: Any = None) -> httpx.Response:
    return httpx.request(method, url + "/__recmock/" + path, json=body, timeout=10)


@pytest.mark.slow
def test_two_redis_replicas_agree_on_admin_changes_journal_and_failures(
    start_server: Any, redis_url: str
) -> None:
    one = start_server("--state", redis_url)
    two = start_server("--state", redis_url)
    page = SW.format(uuid.uuid4())
    assert _admin(one.url, "PUT", "scenario", {"name": "empty"}).json() == {"active": "empty"}
    # The PUT answered only once every replica could see it: no retry, no sleep.
    assert _admin(two.url, "GET", "scenario").json() == {"active": "empty"}
    for server in (one, two):
        reply = httpx.get(server.url + page, headers=BASIC)
        assert reply.headers["x-recmock-scenario"] == "empty"

    _admin(two.url, "POST", "reset", {})
    assert _admin(one.url, "GET", "scenario").json() == {"active": "default"}
    for i in range(10):
        server = (one, two)[i % 2]
        httpx.get(server.url + page + f"?n={i}", headers=BASIC)
    for server in (one, two):
        journal = _admin(server.url, "GET", "journal").json()
        assert [e["query"] for e in journal["entries"]] == [f"n={i}" for i in range(10)]

    # server-errors: one seeded sequence, whichever replica answers each request.
    def sequence(servers: tuple[Any, ...]) -> list[int]:
        _admin(one.url, "POST", "reset", {})
        headers = {**CF_AUTH, "X-Recmock-Scenario": "server-errors"}
        return [httpx.get(servers[i % len(servers)].url + CF + "182bd5e5-6e1a-4fe4-a799-"
                          "aa6d9a6ab26e", headers=headers).status_code for i in range(12)]  # fmt: skip

    alone, alternating = sequence((one,)), sequence((one, two))
    assert alone == alternating and {200, 429, 500} <= set(alone)
    _admin(one.url, "DELETE", "journal")
    assert _admin(two.url, "GET", "journal").json()["count"] == 0


@pytest.mark.parametrize(
    ("flags", "message"),
    [(["--state", "memory", "--workers", "2"], "--state memory: 2 workers would each keep"),
     (["--state", "postgres://db"], "--state: expected memory, local, sqlite:DIRECTORY or redis"),
     (["--state", "redis://u:pw@127.0.0.1:1/0"], "--state redis://***@127.0.0.1:1/0: cannot use")],
)  # fmt: skip
def test_a_bad_state_flag_is_one_line_and_exit_2(
    flags: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from recmock import cli

    assert cli.main(["serve", "--port", str(free_port()), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "pw@" not in err


@pytest.mark.slow
def test_a_lost_redis_is_a_503_from_the_mock_never_a_500(start_server: Any, tmp_path: Path) -> None:
    process, url = start_redis(tmp_path)
    try:
        server = start_server("--state", url + "/0")
        page = server.url + SW.format(uuid.uuid4())
        assert httpx.get(page, headers=BASIC).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
    errors = {**CF_AUTH, "X-Recmock-Scenario": "server-errors"}  # advances a shared counter
    begin = time.monotonic()
    lost = httpx.get(server.url + CF + "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e", headers=errors)
    assert lost.status_code == 503 and time.monotonic() - begin < 5
    assert "state store redis://127.0.0.1:" in lost.json()["recmock_error"]
    assert lost.headers["x-recmock-error"] == "true" and lost.headers["retry-after"] == "1"
    reset = httpx.post(server.url + "/__recmock/reset", json={})
    assert reset.status_code == 503 and "unavailable" in reset.json()["error"]
    assert httpx.get(server.url + "/__recmock/health").status_code == 200
