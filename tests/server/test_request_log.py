"""The default request log: a useful line per request, written in batches, never a secret."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.auth import basic
from recmock.server import request_log
from recmock.server.request_log import RequestLog


async def _ok(scope: Any, receive: Any, send: Any) -> None:
    scope.setdefault("state", {})["operation"] = "signalwire/listRoomSessionRecordings"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def _scope(path: str, query: bytes = b"") -> dict[str, Any]:
    return {"type": "http", "method": "GET", "path": path, "query_string": query,
            "client": ("127.0.0.1", 5000), "headers": []}  # fmt: skip


async def _call(log: RequestLog, scope: dict[str, Any]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        return None

    await log(scope, receive, send)


def test_a_line_has_client_method_path_status_time_and_operation() -> None:
    """What a developer looks for; the query string (tokens!) is left out."""
    stream = io.BytesIO()
    log = RequestLog(_ok, stream)

    async def run() -> None:
        await _call(log, _scope("/api/video/x", b"access_token=s3cret"))
        assert stream.getvalue() == b""  # batched: nothing written yet
        await asyncio.sleep(request_log.DELAY + 0.1)

    asyncio.run(run())
    log.close()
    line = stream.getvalue().decode()
    assert "127.0.0.1 GET '/api/video/x' 200" in line
    assert "ms signalwire/listRoomSessionRecordings" in line
    assert "s3cret" not in line and line.count("\n") == 1


def test_a_full_batch_is_written_at_once() -> None:
    """BATCH waiting lines are written together, without waiting for the timer."""
    stream = io.BytesIO()
    log = RequestLog(_ok, stream)

    async def run() -> None:
        for n in range(request_log.BATCH):
            await _call(log, _scope(f"/r/{n}"))
        assert log.lines == []  # handed to the writer without waiting for the timer

    asyncio.run(run())
    log.close()
    assert stream.getvalue().count(b"\n") == request_log.BATCH


@given(st.text(max_size=400))
def test_any_path_is_one_escaped_line(path: str) -> None:
    """Property: whatever path a client sends, the log gets exactly one printable line."""
    stream = io.BytesIO()
    log = RequestLog(_ok, stream)
    log.add(_scope(path), 404, 0.001)
    log.close()
    text = stream.getvalue().decode()
    assert text.count("\n") == 1 and text.endswith("\n")
    assert text[:-1].isprintable()


class _Stuck(io.RawIOBase):
    """stderr piped to a reader that never reads: every write blocks."""

    def __init__(self) -> None:
        self.release = threading.Event()

    def write(self, data: Any) -> int:
        self.release.wait()
        return len(data)


def test_a_stuck_reader_never_stalls_requests() -> None:
    """Thousands of requests while stderr blocks: all answered at once, the excess counted."""
    stuck = _Stuck()
    log = RequestLog(_ok, stuck)  # type: ignore[arg-type]

    async def run() -> float:
        started = time.monotonic()
        for n in range(request_log.BATCH * (request_log.QUEUED + 4)):
            await _call(log, _scope(f"/r/{n}"))
        return time.monotonic() - started

    assert asyncio.run(run()) < 5
    assert log.dropped >= request_log.BATCH * 2
    stuck.release.set()
    log.close()


@pytest.mark.slow
def test_the_default_server_logs_requests(start_server) -> None:  # type: ignore[no-untyped-def]
    """`recmock serve` at its default log level (info) writes our line, not uvicorn's."""
    live_server = start_server("--log-level", "info")
    path = "/api/video/room_sessions/5ee8b016-0818-4425-9a59-cac9fc5e1f92/recordings"
    httpx.get(live_server.url + path + "?page_size=2", headers=basic("demo-project", "demo-token"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and path not in live_server.output():
        time.sleep(0.05)
    lines = [line for line in live_server.output().splitlines() if path in line]
    assert (
        lines
        and "200" in lines[-1]
        and "room-session-recordings/listRoomSessionRecordings" in lines[-1]
    )
    assert "page_size" not in lines[-1] and '" 200' not in lines[-1]  # not uvicorn's format
