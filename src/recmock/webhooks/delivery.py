"""Delivery like the providers': an asyncio worker posting signed webhooks, never in the way of
request serving, with each provider's timeout and retry schedule, and a log of every attempt.

Retries wait on the *world* clock (compressed by it: a Zoom retry "after 5 minutes" happens when
the clock has moved 5 minutes past the failure, which an admin `advance` does at once), except
plugNmeet's, whose notifier retries within the same second or two of real time.

One log for every worker and replica (`--workers N`, `--state redis://`): a delivery's id is its
position in the shared log LOG of recmock.state (`State.append`), and every change to it (queued,
an attempt done) appends its snapshot there, so any process lists every attempt of all of them.
The process that queued a delivery owns it: it alone holds what signs it afresh, so it sends the
retries (whichever process moved the clock: it polls its deliveries' session clocks), and a
redeliver asked of another process is a request in the shared log REQUESTS that it picks up.
"""

from __future__ import annotations

import asyncio
import email.utils
import itertools
import logging
import secrets
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from recmock.state.interface import DEFAULT_SESSION
from recmock.webhooks import Message

SIGNATURE_HEADERS = ("x-zm-signature", "authorization", "hash-token", "rtk-signature")
MAX_KEPT = 2000  # deliveries kept for GET /__recmock/deliveries (oldest forgotten first)
LOG = "deliveries"  # the shared log of delivery snapshots
REQUESTS = "redeliveries"  # redeliver requests for the process owning a delivery
POLL = 0.1  # seconds between an owner's looks at REQUESTS and at its sessions' clocks
MAX_RETRY_AFTER = 3600  # a receiver's Retry-After is obeyed up to this many seconds
log = logging.getLogger("recmock.webhooks")


def any_failure(status: int | None) -> bool:
    """Every failed attempt is retried (Zoom: anything but a 200 or 204 in time)."""
    return True


def retryable(status: int | None) -> bool:
    """go-retryablehttp's DefaultRetryPolicy: no answer, 429, and 5xx except 501 are retried;
    any other status is final."""
    return status is None or status == 429 or (status >= 500 and status != 501)


@dataclass(frozen=True)
class Policy:
    """A provider's delivery rules: how long a receiver has, when to retry, on which clock."""

    timeout: float
    retries: tuple[int, ...]  # seconds after each failure
    world_clock: bool  # retries wait on the world clock (else real time)
    source: str  # where the provider says so
    retry_on: Callable[[int | None], bool] = any_failure  # the HTTP status (None: no answer)
    retry_after: bool = False  # a 429 or 503 answer's Retry-After replaces the wait


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
        "plugnmeet-protocol webhook/notifier.go: go-retryablehttp with RetryMax 2 "
        "(plugNmeet-server pkg/helpers/webhook_notifier.go passes 2); its DefaultBackoff "
        "waits 1 s then 2 s, or a 429/503 answer's Retry-After; its DefaultRetryPolicy "
        "retries no answer, 429 and 5xx but 501. Its client sets no timeout: recmock bounds "
        "an attempt at 30 s",
        retry_on=retryable,
        retry_after=True,
    ),
    "cloudflare": Policy(
        10.0,
        (),
        True,
        "RealtimeKit documents no retry schedule: recmock makes one attempt (redeliver by hand)",
    ),
}


def retry_after(value: str | None, now: float) -> int | None:
    """Seconds a Retry-After header asks for (delta seconds or an HTTP date), or None."""
    if not value:
        return None
    if value.strip().isdigit():
        return min(int(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return min(max(0, int(when - now)), MAX_RETRY_AFTER)


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
    session: str = DEFAULT_SESSION  # whose world clock its retries wait on

    def view(self) -> dict[str, Any]:
        """The listing row."""
        return {
            "id": self.id,
            "provider": self.provider,
            "event": self.event,
            "url": self.url,
            "recording_id": self.recording_id,
            "session": self.session,
            "state": self.state,
            "next_due": self.next_due,
            "attempts": [vars(a) for a in self.attempts],
        }


def redact(headers: dict[str, str]) -> dict[str, str]:
    """Headers as the log may show them: signatures and tokens replaced."""
    return {k: ("<redacted>" if k.lower() in SIGNATURE_HEADERS else v) for k, v in headers.items()}


def latest(state: Any) -> dict[int, dict[str, Any]]:
    """The newest snapshot of every delivery in the shared log, by id (oldest first); a
    delivery's first snapshot has no id: its position is the id."""
    found: dict[int, dict[str, Any]] = {}
    for position, item in state.log(LOG):
        found[int(item.get("id", position))] = item
    return dict(sorted(found.items()))


def row(delivery_id: int, snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as GET /__recmock/deliveries shows it (without the owner's token)."""
    rest = {k: v for k, v in snapshot.items() if k not in ("id", "owner")}
    return {"id": delivery_id, **rest}


class Deliverer:
    """The queue and its worker, for one process. Attached to the shared State (`attach`), ids,
    the log and redelivery are shared with every other process of that State."""

    def __init__(self, policies: dict[str, Policy] | None = None, senders: int = 4) -> None:
        self.policies = policies or POLICIES
        self.deliveries: dict[int, Delivery] = {}  # this process's own, by id
        self.senders = senders  # concurrent POSTs (a provider fans out; one slow receiver
        self._ids = itertools.count(1)  # must not hold up the others); ids while unattached
        self._queues: list[asyncio.Queue[tuple[Delivery, int]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._client: httpx.AsyncClient | None = None
        self._busy = 0
        self.idle = asyncio.Event()
        self.state: Any = None  # recmock.state.interface.State, once attached
        self.clock_of: Callable[[str], int] | None = None  # a session's world clock
        self.owner = secrets.token_hex(8)  # names this process in the shared log
        self._asked = 0  # REQUESTS read up to this position
        self._failing = False  # a failing store was logged (once)

    def attach(self, state: Any, clock_of: Callable[[str], int]) -> None:
        """Share ids, the delivery log and redelivery through `state`; `clock_of(session)` is
        the world clock a delivery's retries wait on."""
        self.state, self.clock_of = state, clock_of

    def _start(self) -> None:
        if not self._tasks or any(t.done() for t in self._tasks):
            self._queues = [asyncio.Queue() for _ in range(self.senders)]
            self._client = httpx.AsyncClient(follow_redirects=False, trust_env=False)
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._work(q)) for q in self._queues]
            self._tasks.append(loop.create_task(self._poll()))

    def _put(self, delivery: Delivery, world_at: int) -> None:
        """Queue an attempt: one recording's events to one URL share a sender, so they arrive
        in the order they happened (a retry may still overtake, as with the providers)."""
        self._start()
        self.idle.clear()
        lane = zlib.crc32(f"{delivery.url} {delivery.recording_id}".encode()) % self.senders
        self._queues[lane].put_nowait((delivery, world_at))

    def _queue(self, delivery: Delivery, world_at: int) -> None:
        delivery.state, delivery.next_due = "queued", None
        self._publish(delivery)
        self._put(delivery, world_at)

    def _publish(self, delivery: Delivery) -> None:
        """Append the delivery as it is now to the shared log; a failing store costs the log
        a snapshot, never the delivery (and is reported once)."""
        if self.state is None:
            return
        try:
            self.state.append(LOG, {**delivery.view(), "owner": self.owner})
            self._failing = False
        except Exception as exc:
            if not self._failing:
                log.error("recmock: the delivery log lost a snapshot: %s", exc)
            self._failing = True

    def _clock(self, session: str, fallback: int) -> int:
        if self.clock_of is None:
            return fallback
        try:
            return self.clock_of(session)
        except Exception:  # a failing store: the caller's clock will do
            return fallback

    def submit(
        self,
        provider: str,
        url: str,
        build: Callable[[], Message],
        world_at: int,
        check: Callable[[httpx.Response], str] | None = None,
        first: Message | None = None,
        session: str = DEFAULT_SESSION,
    ) -> Delivery:
        """Queue one event for `url` (from inside the server's event loop); `first`, when
        given, is the already signed first attempt."""
        first = first or build()
        delivery = Delivery(
            0,
            provider,
            url,
            first.event,
            first.recording_id,
            build,
            check=check,
            pending=first,
            session=session,
        )
        if self.state is None:
            delivery.id = next(self._ids)
        else:  # its first snapshot's position is its id, unique across processes
            snapshot = {**delivery.view(), "owner": self.owner}
            del snapshot["id"]
            delivery.id = self.state.append(LOG, snapshot)
        self.deliveries[delivery.id] = delivery
        while len(self.deliveries) > MAX_KEPT:
            self.deliveries.pop(next(iter(self.deliveries)))
        self._put(delivery, world_at)
        return delivery

    def rows(self, state: Any = None) -> list[dict[str, Any]]:
        """GET /__recmock/deliveries: every kept delivery of every process sharing `state`
        (this process's alone without one), oldest first."""
        state = state if state is not None else self.state
        if state is None:
            return [d.view() for d in self.deliveries.values()]
        return [row(i, s) for i, s in latest(state).items()][-MAX_KEPT:]

    def redeliver(
        self, delivery_id: int, world_at: int, state: Any = None
    ) -> dict[str, Any] | None:
        """Send a delivery again, whatever its state (a new attempt), and its row; None when no
        process keeps it. Another process's delivery is asked of its owner through REQUESTS."""
        delivery = self.deliveries.get(delivery_id)
        if delivery is not None:
            self._queue(delivery, self._clock(delivery.session, world_at))
            return delivery.view()
        state = state if state is not None else self.state
        if state is None:
            return None
        snapshot = latest(state).get(delivery_id)
        if snapshot is None or snapshot.get("owner") in (None, self.owner):
            return None  # unknown, or this process's own and forgotten (beyond MAX_KEPT)
        state.append(REQUESTS, {"id": delivery_id, "owner": snapshot["owner"]})
        return {**row(delivery_id, snapshot), "state": "queued", "next_due": None}

    def due(self, world_now: int) -> int:
        """Queue every world-clock retry its session's clock has reached (`world_now` when no
        clock is known); how many."""
        ready = []
        for delivery in list(self.deliveries.values()):
            if (
                delivery.state == "retrying"
                and self.policies[delivery.provider].world_clock
                and delivery.next_due is not None
            ):
                now = self._clock(delivery.session, world_now)
                if delivery.next_due <= now:
                    ready.append((delivery, now))
        for delivery, now in ready:
            self._queue(delivery, now)
        return len(ready)

    def _take_requests(self) -> None:
        """Queue the redeliveries other processes were asked for this process's deliveries."""
        for position, request in self.state.log(REQUESTS, self._asked):
            self._asked = position
            delivery = self.deliveries.get(request.get("id"))
            if request.get("owner") == self.owner and delivery is not None:
                self._queue(delivery, self._clock(delivery.session, 0))

    async def _poll(self) -> None:
        """The owner's side of sharing: redeliveries asked elsewhere, retries that clocks moved
        by other processes reached (a clock this process moves queues its retries at once)."""
        while True:
            await asyncio.sleep(POLL)
            if self.state is None:
                continue
            try:
                self._take_requests()
                self.due(0)
            except Exception as exc:  # a failing store: try again next time
                if not self._failing:
                    log.error("recmock: webhook redelivery and retries wait for the store: %s", exc)
                self._failing = True

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
                self._publish(delivery)
            finally:
                self._busy -= 1

    async def _attempt(self, delivery: Delivery, world_at: int) -> None:
        policy = self.policies[delivery.provider]
        message, delivery.pending = delivery.pending or delivery.build(), None
        assert self._client is not None
        started = time.monotonic()
        status, error, asked = None, "", None
        try:
            response = await self._client.post(
                delivery.url, content=message.body, headers=message.headers, timeout=policy.timeout
            )
            status = response.status_code
            if delivery.check is not None and 200 <= status < 300:
                error = delivery.check(response)
            if policy.retry_after and status in (429, 503):
                asked = retry_after(response.headers.get("retry-after"), time.time())
        except httpx.TimeoutException:
            error = f"no answer within {policy.timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        latency = round((time.monotonic() - started) * 1000, 1)
        n = len(delivery.attempts) + 1
        delivery.attempts.append(
            Attempt(n, status, latency, error, time.time(), world_at, redact(message.headers))
        )
        self._settle(delivery, policy, status, error, asked, world_at)
        self._publish(delivery)

    def _settle(
        self,
        delivery: Delivery,
        policy: Policy,
        status: int | None,
        error: str,
        asked: int | None,
        world_at: int,
    ) -> None:
        """Delivered, failed for good, or retrying (when, on which clock) after an attempt."""
        if status is not None and 200 <= status < 300 and not error:
            delivery.state, delivery.next_due = "delivered", None
            return
        retries = [a for a in delivery.attempts if a.world_at >= 0]
        if len(retries) > len(policy.retries) or not policy.retry_on(status):
            delivery.state, delivery.next_due = "failed", None
            return
        wait = policy.retries[len(retries) - 1] if asked is None else asked
        delivery.state = "retrying"
        if policy.world_clock:
            delivery.next_due = world_at + wait
        else:
            delivery.next_due = int(time.time()) + wait
            asyncio.get_running_loop().call_later(wait, self._retry_now, delivery, world_at)

    def _retry_now(self, delivery: Delivery, world_at: int) -> None:
        if delivery.state == "retrying" and self._queues:
            self._queue(delivery, world_at)
