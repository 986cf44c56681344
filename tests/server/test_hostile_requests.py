"""Requests that used to stall every client or grow the server without bound, against a real
server on loopback: each is bounded, and a health check keeps answering meanwhile."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from test_bad_input import (
    BASIC,
    CF,
    CF_TOKEN,
    SW,
    ZOOM,
    Reply,
    exchange,
    request,
    signed,
)

from live_server import LiveServer
from recmock.auth import hmac_hex, zoom_jwt
from recmock.clock import MAX_LIFETIME, MAX_LIFETIME_DAYS, MAX_TIME
from recmock.server.limits import MAX_HEAD_BYTES, READ_TIMEOUT
from recmock.validation import MAX_ITEMS
from recmock.world import Memo, World

GOOD = b'{"room_ids":["room01"],"limit":2}'
APP = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"  # Cloudflare app ids are UUIDs


def every_provider_answers_below_500(port: int) -> list[int]:
    """One valid request per provider; every answer is an HTTP response below 500."""
    zoom = ("Authorization", "Bearer " + zoom_jwt("demo-key", "demo-secret"))
    statuses = [
        exchange(port, data).status
        for data in (
            request("GET", SW, [BASIC]),
            signed(GOOD),
            request("GET", ZOOM, [zoom]),
            request("GET", CF.replace("/app/", f"/{APP}/"), [CF_TOKEN]),
        )
    ]
    assert all(status < 500 for status in statuses), statuses
    return statuses


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer()
    yield live
    log = live.stop()
    assert "Traceback" not in log, log[-3000:]


class HealthProbe:
    """Asks /__recmock/health over one keep-alive connection while something else runs."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.latencies: list[float] = []

    def ask(self) -> None:
        started = time.perf_counter()
        self.sock.sendall(b"GET /__recmock/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        data = b""
        while not data.endswith(b"}"):
            chunk = self.sock.recv(4096)
            assert chunk, "health connection closed"
            data += chunk
        assert data.startswith(b"HTTP/1.1 200")
        self.latencies.append(time.perf_counter() - started)

    def during(self, work: Callable[[], Any]) -> Any:
        """Run `work` in a thread and probe until it is done; returns its result."""
        result: list[Any] = []
        worker = threading.Thread(target=lambda: result.append(work()))
        worker.start()
        while worker.is_alive():
            self.ask()
            time.sleep(0.005)
        worker.join()
        self.sock.close()
        return result[0] if result else None


def large(body: bytes) -> bytes:  # a signed fetch under the `large` scenario
    headers: list[tuple[str, str | bytes]] = [
        ("API-KEY", "demo-key"),
        ("HASH-SIGNATURE", hmac_hex(body, "demo-secret")),
        ("Content-Type", "application/json"),
        ("X-Recmock-Scenario", "large"),
    ]
    return request("POST", "/auth/recording/fetch", headers, body)


def test_3000_rooms_are_refused_at_once_naming_the_limit(server: LiveServer) -> None:
    body = json.dumps({"room_ids": [f"r{i}" for i in range(3000)]}).encode()
    started = time.perf_counter()
    reply = exchange(server.port, large(body))
    assert time.perf_counter() - started < 1
    assert reply.status == 400 and f"at most {MAX_ITEMS}" in reply.json()["msg"]  # type: ignore[index]


def test_the_worst_allowed_request_does_not_stall_the_others(server: LiveServer) -> None:
    # MAX_ITEMS never-seen rooms of the `large` scenario (~600 recordings each): seconds of CPU.
    exchange(server.port, large(GOOD))  # the scenario's world exists before we measure
    rooms = [f"stall-{time.time_ns()}-{i}" for i in range(MAX_ITEMS)]
    body = json.dumps({"room_ids": rooms, "limit": 100}).encode()
    probe = HealthProbe(server.port)
    started = time.perf_counter()
    reply: Reply = probe.during(lambda: exchange(server.port, large(body), timeout=120))
    took = time.perf_counter() - started
    assert reply.status == 200 and len(reply.json()["result"]["recordings_list"]) == 100  # type: ignore[index]
    assert took > 0.2 and len(probe.latencies) >= 5  # it was heavy, and we asked meanwhile
    assert max(probe.latencies) < 0.2, sorted(probe.latencies)[-5:]


def test_a_100_mb_header_is_cut_off_at_the_bound_without_stalling_others(
    server: LiveServer,
) -> None:
    def send_huge() -> bytes:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"GET /__recmock/health HTTP/1.1\r\nHost: x\r\nX-Huge: ")
            chunk, sent = b"a" * (1 << 20), 0
            try:
                while sent < 100 << 20:
                    sock.sendall(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # refused and closed: what we want
            return sock.recv(4096)

    probe = HealthProbe(server.port)
    answer = probe.during(send_huge)
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert str(MAX_HEAD_BYTES).encode() in answer
    assert max(probe.latencies, default=0) < 0.2


@pytest.mark.slow
def test_half_sent_and_silent_connections_time_out(server: LiveServer) -> None:
    half = socket.create_connection(("127.0.0.1", server.port), timeout=READ_TIMEOUT + 10)
    half.sendall(b"POST /auth/recording/fetch HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    silent = socket.create_connection(("127.0.0.1", server.port), timeout=READ_TIMEOUT + 10)
    started = time.monotonic()
    assert silent.recv(100) == b""  # closed after the idle timeout, without an answer
    idle = time.monotonic() - started
    answer = half.recv(4096)
    waited = time.monotonic() - started
    half.close()
    silent.close()
    assert answer.startswith(b"HTTP/1.1 408 ")
    assert READ_TIMEOUT - 1 < waited < READ_TIMEOUT + 5 and 3 < idle < 10
    every_provider_answers_below_500(server.port)


def test_a_slow_but_steady_request_is_answered(server: LiveServer) -> None:
    data = signed(GOOD)
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        for at in range(0, len(data), 40):
            sock.sendall(data[at : at + 40])
            time.sleep(0.02)
        assert sock.recv(100).startswith(b"HTTP/1.1 200 ")


def test_world_caches_are_bounded_by_bytes_not_entries() -> None:
    world = World()
    for i in range(400):
        world.room_sessions(f"{i}-" + "x" * 900_000)  # too big to keep: computed, not cached
        world.room_sessions(f"room-{i}-" + "y" * 20_000)
    for memo in (world.open_rooms, world.open_uploads, world.open_sessions):
        assert memo.size <= memo.max_bytes
        assert sum(len(key) for key in memo.entries) <= memo.max_bytes
    assert world.open_rooms.entries  # small ids are still cached


def test_memo_keeps_the_most_recent_entries_within_its_budget() -> None:
    calls: list[str] = []

    def work(key: str) -> str:
        calls.append(key)
        return key.upper()

    memo = Memo(work, 20_000, lambda value: len(value))  # one entry may take 2,500
    for key in ["a" * 1000, "b" * 1000, "c" * 1000, "a" * 1000, "d" * 1000]:
        assert memo(key) == key.upper()
    assert memo.size <= 20_000
    assert len(calls) == 4 and list(memo.entries)[-1] == "d" * 1000  # "a" came from the memo


@pytest.mark.parametrize(
    "now,shape",
    [
        (MAX_TIME, f"{{link_lifetime: {MAX_LIFETIME}, history_days: {MAX_LIFETIME_DAYS}}}"),
        (0, f"{{link_lifetime: -{MAX_LIFETIME}, history_days: {MAX_LIFETIME_DAYS}}}"),
    ],
    ids=["latest-clock-longest-links", "earliest-clock-longest-history"],
)
def test_the_edges_of_the_accepted_calendar_serve_without_a_5xx(
    tmp_path: Path, start_server: Callable[..., LiveServer], now: int, shape: str
) -> None:
    (tmp_path / "edge.yaml").write_text(f"name: edge\nnow: {now}\nworld: {{shape: {shape}}}\n")
    server = start_server("--fixtures", str(tmp_path), "--scenario", "edge")
    assert every_provider_answers_below_500(server.port) == [200, 200, 200, 200]
    assert "Traceback" not in server.output()
