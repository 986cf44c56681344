"""The default request log: one line per request, buffered so it costs less than the reply.

uvicorn's access log formats through `logging` and writes each line on its own: measured, a log
line cost more than a cached reply and held `recmock serve` to 0.38x the raw-ASGI ceiling. This
middleware (one job: log) keeps what a developer reads in the log (time, client, method, path,
status, duration, which operation answered) and writes lines in batches: when 256 are waiting
or 0.2 s after the first of a batch, whichever comes first, and when the server stops, through
a writer thread, so a slow or stuck reader of stderr never stalls a request. Query
strings are not logged: they can carry tokens (`access_token`, presigned `signature`).
"""

from __future__ import annotations

import asyncio
import atexit
import queue
import sys
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, BinaryIO

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
BATCH = 256
DELAY = 0.2
QUEUED = 64  # batches waiting for the writer thread; beyond that, lines are dropped
MAX_PATH = 200  # a log line stays a line, whatever path a client sends


class RequestLog:
    """Wraps an ASGI app; HTTP requests are logged, everything else passes through."""

    def __init__(self, app: ASGIApp, stream: BinaryIO | None = None) -> None:
        self.app = app
        self.stream = stream or sys.stderr.buffer
        self.lines: list[bytes] = []
        self._timer: asyncio.TimerHandle | None = None
        self.dropped = 0
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=QUEUED)
        self._writer = threading.Thread(target=self._write, name="request-log", daemon=True)
        self._writer.start()
        atexit.register(self.close)  # the last lines of a stopping server are not lost

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.add(scope, status, time.perf_counter() - started)

    def add(self, scope: Scope, status: int, seconds: float) -> None:
        """Queue one line; flush when the batch is full, or soon."""
        client = scope.get("client") or ("-", 0)
        path = scope.get("path", "")
        if len(path) > MAX_PATH:
            path = path[:MAX_PATH] + "..."
        state = scope.get("state") or {}
        operation = state.get("operation", "") if isinstance(state, dict) else ""
        stamp = time.strftime("%H:%M:%S", time.gmtime())
        text = (
            f"{stamp} {client[0]} {scope.get('method', '-')} {path!r} "
            f"{status or '-'} {seconds * 1000:.1f}ms{' ' + operation if operation else ''}\n"
        )
        self.lines.append(text.encode("utf-8", "backslashreplace"))
        if len(self.lines) >= BATCH:
            self.flush()
        elif self._timer is None:
            try:
                self._timer = asyncio.get_running_loop().call_later(DELAY, self.flush)
            except RuntimeError:  # no loop (a synchronous caller): write now
                self.flush()

    def flush(self) -> None:
        """Hand every waiting line to the writer thread at once; never blocks the event loop.

        A reader that stops reading (a pipe nobody drains) fills the queue, and then batches
        are dropped and counted instead of stalling every client.
        """
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.lines:
            return
        data, self.lines = b"".join(self.lines), []
        note = f"recmock: {self.dropped} request log lines dropped\n" if self.dropped else ""
        try:
            self._queue.put_nowait(note.encode() + data)
        except queue.Full:
            self.dropped += data.count(b"\n")
        else:
            self.dropped = 0

    def close(self) -> None:
        """Flush and wait (briefly) for the writer, so a stopping server loses no line."""
        self.flush()
        if self._writer.is_alive():
            try:
                self._queue.put(None, timeout=0.5)
            except queue.Full:
                return  # a stuck reader: the daemon thread dies with the process
            self._writer.join(timeout=2)

    def _write(self) -> None:
        while (data := self._queue.get()) is not None:
            try:
                self.stream.write(data)
                self.stream.flush()
            except (OSError, ValueError):  # a closed stderr must not take requests down
                pass

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def sending(message: Message) -> None:
            if message["type"].startswith("lifespan.shutdown"):
                self.close()
            await send(message)

        await self.app(scope, receive, sending)
