"""The admin API of the live world: the clock, recordings QA starts, webhook deliveries.

    GET  /__recmock/clock                      {"now": ..., "time": RFC 3339}
    POST /__recmock/clock                      {"advance": "15m"} or {"set": "2025-11-24T16:00:00Z"}
    POST /__recmock/recordings                 {"provider": "zoom", "duration": "2m", ...} -> 201
    GET  /__recmock/recordings                 the session's started recordings, as they are now
    GET  /__recmock/deliveries                 every delivery and attempt (signatures redacted)
    POST /__recmock/deliveries/{id}/redeliver  one more attempt
    GET  /.well-known/webhooks.json            the public key of rtk-signature (Cloudflare's path)

The clock and the started recordings are per session values in the shared State (`clock`,
`recordings`), so every worker serves the same world; each transition is sent by the one process
that claims it (`Live.claim`), and the delivery log is one for all (recmock.webhooks.delivery).
Moving the clock fires every transition it crosses to each `--webhook PROVIDER=URL` of the
recording's provider, and every world-clock retry now due.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from recmock.clock import parse_time
from recmock.generate import rfc3339
from recmock.lifecycle import Transition
from recmock.providers.base import Credentials, View
from recmock.state.interface import DEFAULT_SESSION
from recmock.webhooks import Message, cloudflare, compact, plugnmeet, schema, zoom
from recmock.webhooks.delivery import Deliverer
from recmock.webhooks.live import (
    MAX_RECORDINGS,
    MAX_SPEED,
    MAX_TARGETS,
    Source,
    Started,
    clock_now,
    crossed,
    declared,
    parse,
    read_back,
    running,
    seconds,
    speed_of,
    target_problem,
    world_at,
)
from recmock.world import World

Reply = tuple[int, Any]
APP_ID = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"  # the app id the Cloudflare read-back names
CHALLENGE = "recmock-url-validation"
TICK = 0.25  # seconds between a running clock's firings (and reply-cache resets)


@dataclass
class Live:
    """Webhook targets and secrets, the signing key, the delivery worker, a world cache."""

    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    zoom_secret: str = zoom.DEFAULT_SECRET
    credentials: Credentials = field(default_factory=Credentials)
    key: Any = None  # the RSA key of rtk-signature, made on first use
    deliverer: Deliverer = field(default_factory=Deliverer)
    origin: str = "http://127.0.0.1:8000"
    _worlds: dict[tuple[Any, ...], World] = field(default_factory=dict)
    _validated: bool = False
    clock_speed: float = 0.0  # --clock-speed: every session's clock runs from start-up
    started_at: float = field(default_factory=time.time)
    _fired: dict[str, int] = field(default_factory=dict)  # per session: events sent up to here
    _ticker: Any = None
    refused: list[str] = field(default_factory=list)  # bodies the spec refused

    def signing_key(self) -> Any:
        """The key pair whose public half /.well-known/webhooks.json publishes."""
        if self.key is None:
            self.key = cloudflare.generate_key()
        return self.key

    # ---- the world each session sees --------------------------------------------------

    def started(self, state: Any, session: str) -> list[Started]:
        """The session's started recordings."""
        return [Started.from_json(v) for v in state.get(session, "recordings") or []]

    def sources(self, mock: Any, session: str) -> list[Source]:
        """Every recording whose transitions fire: the session's started ones and those its
        active scenario declares."""
        name = mock.active_in(session)  # always a scenario the server has
        faults = mock.scenarios[name].webhook_faults
        return [*self.started(mock.state, session), *declared(mock.world(name), faults)]

    def stored_clock(self, mock: Any, session: str) -> Any:
        """The session's stored clock value, or the running one --clock-speed implies."""
        value = mock.state.get(session, "clock")
        if value is None and self.clock_speed > 0:
            base = mock.world(mock.active_in(session)).now
            return {"at": base, "real": self.started_at, "speed": self.clock_speed}
        return value

    def clock(self, mock: Any, session: str) -> int:
        """The session's world clock: set through the admin API, else its scenario's `now`
        (running from start-up with --clock-speed)."""
        value = self.stored_clock(mock, session)
        base = 0 if value is not None else int(mock.world(mock.active_in(session)).now)
        return clock_now(value, base, time.time())

    def world(self, mock: Any, scenario: str, session: str) -> World:
        """What `session` is served from: its scenario's world at its clock, with its
        recordings (the unchanged scenario world while it has neither)."""
        clock = self.stored_clock(mock, session)
        stored = mock.state.get(session, "recordings")
        base = mock.world(scenario)
        if clock is None and not stored:
            return base
        if speed_of(clock) > 0:
            self.ensure_ticker(mock)
        now = clock_now(clock, base.now, time.time())
        key = (scenario, session, now, json.dumps(stored, sort_keys=True))
        if key not in self._worlds:
            if len(self._worlds) > 64:
                self._worlds.clear()
            self._worlds[key] = world_at(base, now, [Started.from_json(v) for v in stored or []])
        return self._worlds[key]

    # ---- a running clock ---------------------------------------------------------------

    def ensure_ticker(self, mock: Any) -> None:
        """Start the task that fires what running clocks cross (inside the server's loop)."""
        if self._ticker is not None and not self._ticker.done():
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop (a synchronous caller): the next request in the server starts it
        self._ticker = loop.create_task(self._tick(mock))

    async def _tick(self, mock: Any) -> None:
        self.validate_urls(self.clock(mock, DEFAULT_SESSION), mock=mock)  # before any event
        while True:
            await asyncio.sleep(TICK)
            sessions = {*mock.state.sessions(), DEFAULT_SESSION}
            for session in sorted(sessions):
                if speed_of(self.stored_clock(mock, session)) > 0:
                    self.catch_up(mock, session)

    def catch_up(self, mock: Any, session: str) -> int:
        """Fire what the session's clock crossed since the last call, queue due retries, and
        make every worker's reply cache forget replies of an earlier instant."""
        now = self.clock(mock, session)
        last = self._fired.setdefault(session, now)
        if now <= last:
            return 0
        self._fired[session] = now
        fired = self.fire(mock, session, crossed(self.sources(mock, session), last, now))
        self.deliverer.due(now)
        mock.state.put(session, "tick", now)  # a new version: cached replies are of the past
        return fired

    # ---- events ----------------------------------------------------------------------

    def _message(
        self, mock: Any, session: str, item: Source, t: Transition, provider: str
    ) -> Message | None:
        scenario = mock.active_in(session)
        own = [item] if isinstance(item, Started) else []  # a declared one is in the scenario
        world = world_at(mock.world(scenario), t.at, own)
        view = View(world, self.credentials, self.origin, time.time(), scenario, session)
        timeline = item.timeline()
        if provider == "zoom":
            return zoom.message(view, timeline, t, self.zoom_secret, int(time.time() * 1000))
        if provider == "plugnmeet":
            creds = self.credentials
            return plugnmeet.message(
                timeline,
                t,
                item.room_id,
                creds.plugnmeet_key,
                creds.plugnmeet_secret,
                int(time.time()),
            )
        if provider == "cloudflare":
            return cloudflare.message(view, timeline, t, self.signing_key())
        return None  # SignalWire documents no recording webhook

    def share(self, mock: Any) -> None:
        """This process's deliveries take their ids, log and redelivery from the shared State."""
        self.deliverer.attach(mock.state, lambda session: self.clock(mock, session))

    def claim(self, mock: Any, session: str, key: str) -> bool:
        """True in exactly one of the processes sharing `mock.state` (workers, replicas): the
        one that sends `key`'s events. A counter of the session: as bounded as its recordings,
        forgotten with it."""
        self.share(mock)
        return mock.state.count(session, f"~claim {key}") == 0

    def fire(self, mock: Any, session: str, pairs: list[tuple[Source, Transition]]) -> int:
        """Queue every event of `pairs` for each target of each provider that sends it; how
        many. A body the spec refuses (a bug of the mock) is never sent: it is listed in
        `refused` instead."""
        count = 0
        mine = mock.state.get(session, "webhooks") or {}
        for item, t in pairs:
            for provider in item.providers:
                count += self._fire_one(mock, session, item, t, provider, mine)
        return count

    def _fire_one(self, mock: Any, session: str, item: Source, t: Transition, provider: str,
                  mine: dict[str, Any]) -> int:  # fmt: skip
        urls = (*self.targets.get(provider, ()), *mine.get(provider, ()))
        key = f"{t.recording_id} {t.kind} {t.at} {provider}"
        if not urls or not self.claim(mock, session, key):
            return 0  # nobody listens, or another process sends it
        first = self._message(mock, session, item, t, provider)
        if first is None:
            return 0
        problems = schema.problems(provider, first.event, first.json())
        if problems:
            self.refused.append("; ".join(problems)[:500])
            return 0

        def build() -> Message:
            found = self._message(mock, session, item, t, provider)
            assert found is not None
            return found

        count = 0
        for url in urls:
            for _ in range(2 if "duplicate" in item.faults else 1):
                self.deliverer.submit(provider, url, build, t.at, first=first, session=session)
                count += 1
        return count

    def validate_urls(
        self,
        world_now: int,
        urls: tuple[str, ...] | None = None,
        mock: Any = None,
        session: str = DEFAULT_SESSION,
    ) -> None:
        """Zoom's endpoint.url_validation challenge to every Zoom URL of --webhook, or to `urls`
        (registered through the admin API by `session`). The flags' URLs get it once for all
        processes (the one claiming it sends it), and again after a reset of the default
        session, as on a fresh start."""
        if mock is not None:
            self.share(mock)
        if urls is None:
            if not self.targets.get("zoom"):
                return
            if mock is None:  # no shared state: once for this process
                if self._validated:
                    return
                self._validated = True
            elif mock.state.get(DEFAULT_SESSION, "url_validation") or not self.claim(
                mock, DEFAULT_SESSION, "url_validation"
            ):
                return
            else:
                mock.state.put(DEFAULT_SESSION, "url_validation", True)
            urls = self.targets.get("zoom", ())
        secret = self.zoom_secret
        expected = zoom.encrypted_token(secret, CHALLENGE)

        def build() -> Message:
            sent = int(time.time() * 1000)
            raw = compact(zoom.url_validation(CHALLENGE, sent))
            return Message("zoom", "endpoint.url_validation", raw, zoom.headers(secret, sent, raw))

        def check(response: httpx.Response) -> str:
            try:
                answer = response.json()
            except ValueError:
                return "the challenge answer is not JSON"
            ok = isinstance(answer, dict) and answer.get("encryptedToken") == expected
            return "" if ok else "the challenge answer has no matching encryptedToken"

        for url in urls:
            self.deliverer.submit("zoom", url, build, world_now, check=check, session=session)


async def answer(
    live: Live,
    mock: Any,
    scope: Any,
    path: str,
    read: Callable[[], Awaitable[bytes | None]],
    session: str,
) -> Reply | None:
    """The answer of a live-world admin endpoint, or None when `path` is none of them."""
    if path not in ("clock", "recordings", "deliveries", "webhooks") and not path.startswith(
        "deliveries/"
    ):
        return None
    method = scope["method"]
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    if host:  # media links in events point where the admin client reached the mock
        live.origin = f"{scope.get('scheme', 'http')}://{host}"
    live.validate_urls(live.clock(mock, session), mock=mock)
    if path == "clock" and method == "GET":
        speed = speed_of(live.stored_clock(mock, session))
        return 200, {**_clock_view(live.clock(mock, session), session), "speed": speed}
    if path == "clock" and method == "POST":
        return _move(live, mock, await _body(read), session)
    if path == "recordings" and method == "POST":
        return _start(live, mock, await _body(read), session)
    if path == "recordings" and method == "GET":
        now = live.clock(mock, session)
        rows = []
        for item in live.started(mock.state, session):
            state = item.timeline().state_at(now)
            rows.append(
                {
                    "id": item.recording_id,
                    "provider": item.provider,
                    "status": state.status if state else None,
                    "read_back": read_back(item),
                }
            )
        return 200, {"recordings": rows, "now": now, "session": session}
    if path == "webhooks" and method == "GET":
        mine = mock.state.get(session, "webhooks") or {}
        return 200, {"flags": {k: list(v) for k, v in live.targets.items()}, "session": mine}
    if path == "webhooks" and method == "POST":
        return _register(live, mock, await _body(read), session)
    if path == "webhooks" and method == "DELETE":
        mock.state.put(session, "webhooks", {})
        return 200, {"session": {}}
    if path == "deliveries" and method == "GET":
        rows = live.deliverer.rows(mock.state)  # every process's
        return 200, {"deliveries": rows, "count": len(rows), "refused": live.refused[-20:]}
    parts = path.split("/")
    if len(parts) == 3 and parts[2] == "redeliver" and method == "POST" and parts[1].isdigit():
        found = live.deliverer.redeliver(int(parts[1]), live.clock(mock, session), mock.state)
        if found is None:
            return 404, {"error": f"deliveries/{parts[1]}: no such delivery"}
        return 202, found
    return 404, {"error": f"no admin endpoint {method} /__recmock/{path}"}


def _clock_view(now: int, session: str) -> dict[str, Any]:
    return {"now": now, "time": rfc3339(now), "session": session}


async def _body(read: Callable[[], Awaitable[bytes | None]]) -> Any:
    raw = await read()
    if raw is None:
        return None
    try:
        return json.loads(raw or b"{}")
    except (ValueError, RecursionError):
        return None


def _move(live: Live, mock: Any, body: Any, session: str) -> Reply:
    if not isinstance(body, dict) or len(body) != 1 or not set(body) <= {"advance", "set", "speed"}:
        return 400, {
            "error": 'clock: expected {"advance": "15m"}, {"set": '
            '"2025-11-24T16:00:00Z"} or {"speed": 60}'
        }
    live.catch_up(mock, session)  # a running clock's events up to now first
    before = live.clock(mock, session)
    speed = speed_of(live.stored_clock(mock, session))
    try:
        if "speed" in body:
            value = body["speed"]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not (0 <= value <= MAX_SPEED)
            ):
                raise ValueError(
                    f"speed: expected 0 (frozen) to {MAX_SPEED:g} world seconds "
                    f"per real second, got {value!r}"
                )
            after, speed = before, float(value)
        elif "advance" in body:
            after = before + seconds(body["advance"], "advance")
        else:
            after = parse_time(body["set"], before)
    except ValueError as exc:
        return 400, {"error": str(exc)}
    if after < before:
        return 400, {"error": f"set: the clock only moves forward (now {rfc3339(before)})"}
    mock.state.put(session, "clock", running(after, speed, time.time()))
    live._fired[session] = after
    fired = live.fire(mock, session, crossed(live.sources(mock, session), before, after))
    retried = live.deliverer.due(after)
    if speed > 0:
        live.ensure_ticker(mock)
    view = {**_clock_view(after, session), "speed": speed}
    return 200, {**view, "fired": fired, "retried": retried}


def _register(live: Live, mock: Any, body: Any, session: str) -> Reply:
    """POST /__recmock/webhooks {"provider": "zoom", "url": "http://..."}: this session's
    events of that provider also go to `url` (Zoom's URL gets the validation challenge)."""
    if not isinstance(body, dict) or set(body) != {"provider", "url"}:
        return 400, {"error": 'webhooks: expected {"provider": "zoom", "url": "http://..."}'}
    problem = target_problem(body["provider"], body["url"])
    if problem:
        return 400, {"error": f"webhooks: {problem}"}
    mine = dict(mock.state.get(session, "webhooks") or {})
    urls = list(mine.get(body["provider"], []))
    if body["url"] not in urls:
        if len(urls) >= MAX_TARGETS:
            return 400, {"error": f"webhooks: at most {MAX_TARGETS} URLs per provider"}
        urls.append(body["url"])
        if body["provider"] == "zoom":
            live.validate_urls(live.clock(mock, session), (body["url"],), mock, session)
    mine[body["provider"]] = urls
    mock.state.put(session, "webhooks", mine)
    return 201, {"session": mine}


def _start(live: Live, mock: Any, body: Any, session: str) -> Reply:
    existing = mock.state.get(session, "recordings") or []
    if len(existing) >= MAX_RECORDINGS:
        return 400, {"error": f"recordings: at most {MAX_RECORDINGS} per session; reset it"}
    now = live.clock(mock, session)
    try:
        item = parse(body, now, len(existing), session)
    except ValueError as exc:
        return 400, {"error": str(exc)}
    if mock.state.get(session, "clock") is None:  # pin it: the recording's times are on it
        mock.state.put(session, "clock", running(now, live.clock_speed, time.time()))
        live._fired[session] = now
    mock.state.put(session, "recordings", [*existing, item.to_json()])
    transitions = item.timeline().transitions()
    fired = live.fire(mock, session, [(item, t) for t in transitions if t.at == now])
    back = read_back(item)
    if item.provider == "cloudflare":
        back["path"] = back["path"].format(
            account_id=live.credentials.cloudflare_account, app_id=APP_ID
        )
    return 201, {
        "id": item.recording_id,
        "provider": item.provider,
        "session_id": item.session_id,
        "room_id": item.room_id,
        "invoked": rfc3339(now),
        "fired": fired,
        "transitions": [{"kind": t.kind, "at": rfc3339(t.at)} for t in transitions],
        "read_back": back,
    }


def public_key_document(live: Live) -> dict[str, Any]:
    """GET /.well-known/webhooks.json: as Cloudflare publishes its webhook key."""
    return cloudflare.public_key_document(live.signing_key())
