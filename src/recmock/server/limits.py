"""Bounds on what one client can make the server hold or wait for, below the application.

uvicorn's httptools protocol accepts a request head of any size (httptools appends each
chunk of a header to the bytes so far: a 100 MB header costs seconds of CPU for every client)
and never times out a connection that has sent nothing or half a request. `BoundedHttpTools`
adds what a public server has:

- the request line and headers together at most `MAX_HEAD_BYTES` (64 KiB, four times nginx's
  default per line and above any credential the providers issue): 431 and close;
- a request must arrive completely within `READ_TIMEOUT` of its first byte (a half-sent
  request, a slowloris trickle): 408 and close;
- a connection that never sends a byte is closed after uvicorn's keep-alive timeout, like one
  that went quiet between requests.

uvicorn's h11 protocol has a head bound (`h11_max_incomplete_event_size`) but parses in pure
Python, several times slower per request than httptools; subclassing httptools keeps its speed
(the added bookkeeping is one `find` per read, within the noise of `benchmarks/compare.py`).

Bodies are bounded by the application (`Options.max_body`, 413 in the provider's shape), and
so are arrays in them (`recmock.validation.MAX_ITEMS`). The operations whose work grows with
the request (`fans_out`) run on a worker thread (`off_loop`), so no request stalls the others.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from recmock.specs import Operation

T = TypeVar("T")

MAX_HEAD_BYTES = 64 << 10
READ_TIMEOUT = 10.0
PROTOCOL = "recmock.server.limits:BoundedHttpTools"  # uvicorn's `http=` (workers import it)
_END = b"\r\n\r\n"


def refusal(status: int, reason: str, error: str, message: str) -> bytes:
    """A complete HTTP/1.1 response that closes the connection (JSON, like every mock answer)."""
    body = json.dumps({"error": error, "message": message}).encode()
    head = (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n")  # fmt: skip
    return head.encode() + body


TOO_LARGE = refusal(431, "Request Header Fields Too Large", "request_header_too_large",
                    f"the request line and headers exceed {MAX_HEAD_BYTES} bytes; "
                    f"expected at most {MAX_HEAD_BYTES}")  # fmt: skip
TOO_SLOW = refusal(408, "Request Timeout", "request_timeout",
                   f"the request did not arrive completely within {READ_TIMEOUT:g} s")  # fmt: skip


class BoundedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol with a head-size bound, a read timeout and an idle timeout."""

    max_head = MAX_HEAD_BYTES
    read_timeout = READ_TIMEOUT

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._in_head = True
        self._head_bytes = 0
        self._tail = b""
        self._deadline: asyncio.TimerHandle | None = None
        self._pending, self._first_byte = False, 0.0  # a request has begun, and when
        # Nothing sent yet is idle too: uvicorn arms this timer only after a response.
        self.timeout_keep_alive_task = self.loop.call_later(
            self.timeout_keep_alive, self.timeout_keep_alive_handler
        )

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if not self._pending:
            self._pending, self._first_byte = True, self.loop.time()
        if self._in_head and not self._count_head(data):
            self._refuse(TOO_LARGE)
            return
        super().data_received(data)
        # Most requests arrive whole in one read and complete above: no timer for them.
        if self._pending and self._deadline is None and not self.transport.is_closing():
            when = self._first_byte + self.read_timeout
            self._deadline = self.loop.call_at(when, self._too_slow)

    def _count_head(self, data: bytes) -> bool:
        """Add the head bytes in `data`; False once the head is over the bound."""
        window = self._tail + data if self._tail else data
        end = window.find(_END)
        if end < 0:
            self._head_bytes += len(data)
            self._tail = window[-3:]
        else:
            self._head_bytes += end + len(_END) - len(self._tail)
            self._in_head = False
            self._tail = b""
        return self._head_bytes <= self.max_head

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes, self._tail, self._pending = True, 0, b"", False
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        super().connection_lost(exc)

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self._refuse(TOO_SLOW)

    def _refuse(self, response: bytes) -> None:
        """Answer `response` unless a response is already on its way, then close."""
        if self.cycle is None or not self.cycle.response_started:
            self.transport.write(response)
        if self.cycle is not None:
            self.cycle.disconnected = True
            self.cycle.message_event.set()
        self.transport.close()


# ---- per-request work ----------------------------------------------------------------------

_HEAVY = ThreadPoolExecutor(max_workers=1, thread_name_prefix="recmock-heavy")
SWITCH_INTERVAL = 0.0005  # s a busy thread may hold the GIL while the loop waits (default 5 ms)


def fans_out(op: Operation) -> bool:
    """Whether `op`'s cost grows with the request: it takes a list (of room ids, say).

    Such a request may derive hundreds of rooms (`large`: ~8 ms each), so it is served on one
    worker thread instead of the event loop; every other operation reads one session (at most
    64 recordings) and answers in about a millisecond on the loop.
    """
    schemas = [p.schema for p in op.parameters] + [op.request_body or {}]
    return any(_has_array(schema) for schema in schemas)


def _has_array(schema: Any) -> bool:
    if not isinstance(schema, dict):
        return False
    kinds = schema.get("type")
    if kinds == "array" or (isinstance(kinds, list) and "array" in kinds):
        return True
    nested = [*schema.get("properties", {}).values(), schema.get("items")]
    nested += [s for key in ("anyOf", "oneOf", "allOf") for s in schema.get(key, [])]
    return any(_has_array(s) for s in nested)


async def off_loop(function: Callable[[], T]) -> T:
    """`function()` on the one heavy-work thread: the loop keeps answering meanwhile (the GIL
    passes back every few ms), and heavy requests queue behind each other, not the loop."""
    if sys.getswitchinterval() > SWITCH_INTERVAL:
        sys.setswitchinterval(SWITCH_INTERVAL)  # only ever matters while a heavy request runs
    return await asyncio.get_running_loop().run_in_executor(_HEAVY, function)
