"""Delivery like the providers': an asyncio worker posting signed webhooks, never in the way of
request serving, with each provider's timeout and retry schedule, and a log of every attempt.

Retries wait on the *world* clock (compressed by it: a Zoom retry "after 5 minutes" happens when
the clock has moved 5 minutes past the failure, which an admin `advance` does at once), except
plugNmeet's, whose notifier retries within the same second or two of real time.

In-process: with `--workers N` each worker delivers the events of the clock moves it handled
and lists only its own attempts.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from recmock.webhooks import Message

SIGNATURE_HEADERS = ("x-zm-signature", "authorization", "hash-token", "rtk-signature")
MAX_KEPT = 2000  # deliveries kept for GET /__recmock/deliveries (oldest forgotten first)


@dataclass(frozen=True)
class Policy:
    """A provider's delivery rules: how long a receiver has, when to retry, on which clock."""

    timeout: float
    retries: tuple[int, ...]  # seconds after each failure
    world_clock: bool  # retries wait on the world clock (else real time)
    source: str  # where the provider says so


POLICIES = {
    "zoom": Policy(
        3.0,
        (300, 1200, 3600),
        True,
        "Zoom developer blog, Resolving webhook delays: 200 or 204 within three seconds, "
        "else 3 retries, 5, 20 and 60 minutes after the previous attempt",
    ),
    "plugnmeet": Policy(
        30.0,
        (1, 2),
        False,
        "plugnmeet-protocol webhook/notifier.go: go-retryablehttp, RetryMax 2 "
        "(plugNmeet-server passes 2), backoff 1 s then 2 s",
    ),
    "cloudflare": Policy(
        10.0, (), True, "not modelled: recmock makes one attempt (redeliver by hand)"
    ),
}


@dataclass
class Attempt:
    """One POST of one delivery."""

    n: int
    status: int | None
    latency_ms: float
    error: str
    sent_at: float  # unix seconds (real)
    world_at: int
    headers: dict[str, str]  # signature headers redacted


@dataclass
class Delivery:
    """One event for one URL, and every attempt to deliver it."""

    id: int
    provider: str
    url: str
    event: str
    recording_id: str
    build: Callable[[], Message]  # signs afresh for every attempt (timestamps, token expiry)
    attempts: list[Attempt] = field(default_factory=list)
    next_due: int | None = None  # world (or, for real-time policies, unix) time of the retry
    state: str = "queued"  # queued, delivered, retrying, failed
    check: Callable[[httpx.Response], str] | None = None  # extra receiver check (challenge)
    pending: Message | None = None  # the first attempt, signed when the event was queued

    def view(self) -> dict[str, Any]:
        """The listing row."""
        return {
            "id": self.id,
            "provider": self.provider,
            "event": self.event,
            "url": self.url,
            "recording_id": self.recording_id,
            "state": self.state,
            "next_due": self.next_due,
            "attempts": [vars(a) for a in self.attempts],
        }


def redact(headers: dict[str, str]) -> dict[str, str]:
    """Headers as the log may show them: signatures and tokens replaced."""
    return {k: ("<redacted>" if k.lower() in SIGNATURE_HEADERS else v) for k, v in headers.items()}


class Deliverer:
    """The queue and its worker. `clock()` is the world clock of the session delivering."""

    def __init__(self, policies: dict[str, Policy] | None = None, senders: int = 4) -> None:
        self.policies = policies or POLICIES
        self.deliveries: dict[int, Delivery] = {}
        self.senders = senders  # concurrent POSTs (a provider fans out; one slow receiver
        self._ids = itertools.count(1)  # must not hold up the others)
        self._queues: list[asyncio.Queue[tuple[Delivery, int]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None
        self._busy = 0
        self.idle = asyncio.Event()

    def _start(self) -> None:
        if not self._tasks or any(t.done() for t in self._tasks):
            self._queues = [asyncio.Queue() for _ in range(self.senders)]
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._work(q)) for q in self._queues]

    def _put(self, delivery: Delivery, world_at: int) -> None:
        """Queue an attempt: one recording's events to one URL share a sender, so they arrive
        in the order they happened (a retry may still overtake, as with the providers)."""
        self._start()
        self.idle.clear()
        lane = zlib.crc32(f"{delivery.url} {delivery.recording_id}".encode()) % self.senders
        self._queues[lane].put_nowait((delivery, world_at))

    def submit(
        self,
        provider: str,
        url: str,
        build: Callable[[], Message],
        world_at: int,
        check: Callable[[httpx.Response], str] | None = None,
        first: Message | None = None,
    ) -> Delivery:
        """Queue one event for `url` (from inside the server's event loop); `first`, when
        given, is the already signed first attempt."""
        first = first or build()
        delivery = Delivery(
            next(self._ids),
            provider,
            url,
            first.event,
            first.recording_id,
            build,
            check=check,
            pending=first,
        )
        self.deliveries[delivery.id] = delivery
        while len(self.deliveries) > MAX_KEPT:
            self.deliveries.pop(next(iter(self.deliveries)))
        self._put(delivery, world_at)
        return delivery

    def redeliver(self, delivery_id: int, world_at: int) -> Delivery | None:
        """Send a delivery again, whatever its state (a new attempt)."""
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            return None
        delivery.state, delivery.next_due = "queued", None
        self._put(delivery, world_at)
        return delivery

    def due(self, world_now: int) -> int:
        """Queue every world-clock retry the clock has reached; how many."""
        ready = [
            d
            for d in self.deliveries.values()
            if d.state == "retrying"
            and self.policies[d.provider].world_clock
            and d.next_due is not None
            and d.next_due <= world_now
        ]
        for delivery in ready:
            delivery.state = "queued"
            self._put(delivery, world_now)
        return len(ready)

    async def drain(self, timeout: float = 30.0) -> None:
        """Wait until nothing is queued or being sent (tests, the README walk-through)."""
        if not self.idle.is_set():
            await asyncio.wait_for(self.idle.wait(), timeout)

    async def _work(self, queue: asyncio.Queue[tuple[Delivery, int]]) -> None:
        while True:
            if not self._busy and all(q.empty() for q in self._queues):
                self.idle.set()
            delivery, world_at = await queue.get()
            self._busy += 1
            self.idle.clear()
            try:
                await self._attempt(delivery, world_at)
            except Exception as exc:  # a bug here must not stop the worker
                delivery.state = "failed"
                delivery.attempts.append(
                    Attempt(
                        len(delivery.attempts) + 1,
                        None,
                        0.0,
                        f"internal: {type(exc).__name__}",
                        time.time(),
                        world_at,
                        {},
                    )
                )
            finally:
                self._busy -= 1

    async def _attempt(self, delivery: Delivery, world_at: int) -> None:
        policy = self.policies[delivery.provider]
        message, delivery.pending = delivery.pending or delivery.build(), None
        assert self._client is not None
        started = time.monotonic()
        status, error = None, ""
        try:
            response = await self._client.post(
                delivery.url, content=message.body, headers=message.headers, timeout=policy.timeout
            )
            status = response.status_code
            if delivery.check is not None and 200 <= status < 300:
                error = delivery.check(response)
        except httpx.TimeoutException:
            error = f"no answer within {policy.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        latency = round((time.monotonic() - started) * 1000, 1)
        n = len(delivery.attempts) + 1
        delivery.attempts.append(
            Attempt(n, status, latency, error, time.time(), world_at, redact(message.headers))
        )
        if status is not None and 200 <= status < 300 and not error:
            delivery.state, delivery.next_due = "delivered", None
            return
        retries = [a for a in delivery.attempts if a.world_at >= 0]
        if len(retries) > len(policy.retries):
            delivery.state, delivery.next_due = "failed", None
            return
        wait = policy.retries[len(retries) - 1]
        delivery.state = "retrying"
        if policy.world_clock:
            delivery.next_due = world_at + wait
        else:
            delivery.next_due = int(time.time()) + wait
            asyncio.get_running_loop().call_later(wait, self._retry_now, delivery, world_at)

    def _retry_now(self, delivery: Delivery, world_at: int) -> None:
        if delivery.state == "retrying" and self._queues:
            delivery.state = "queued"
            self._put(delivery, world_at)
