"""The request pipeline without ASGI: choose scenario -> forced code -> overrides -> auth ->
validate -> serve (Prism's order, plus scenarios).

Everything here is a function of (the session's state, operation, raw request). The mutable
part (each session's active scenario and the counters behind `failure_rate`) lives in `State`,
shared by every worker and replica; replies drawn from a counter say so (`valid_until=0`),
which is what lets the ASGI edge replay every other reply for an identical request instead of
recomputing it, until the state's version changes.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from recmock.generate import derive_int
from recmock.providers import Credentials, Provider, Reply, View, provider_for
from recmock.rules import Rules
from recmock.scenarios import DEFAULT, Override, Scenario, example_value
from recmock.server.dynamic import dynamic_body
from recmock.specs import Operation, Spec, deref
from recmock.state import DEFAULT_SESSION, MemoryState, State, session_problem
from recmock.state.interface import ACTIVE, SESSION_HEADER, SESSION_QUERY, StateUnavailable
from recmock.validation import RawRequest, RequestParser
from recmock.world import DEFAULT_NOW, World

SCENARIO_HEADER = "x-recmock-scenario"
RETRY_AFTER_SECONDS = 1  # a forced 429's wait: short, so client retry tests stay fast


@dataclass(frozen=True)
class Outcome:
    """A reply plus what the edge needs: the scenario used, journal notes, added latency."""

    reply: Reply
    problems: tuple[str, ...] = ()
    scenario: str = ""
    delay: float = 0.0  # seconds to wait before answering (scenario latency)
    session: str = DEFAULT_SESSION


@dataclass(frozen=True)
class Selection:
    """What the client asked the mock for, beside the API request itself."""

    scenario: str | None = None
    code: str | None = None
    example: str | None = None
    dynamic: bool = False
    session: str = DEFAULT_SESSION


def select(raw: RawRequest) -> Selection:
    """Read the controls: `__x` query parameters win over headers (Prefer, X-Recmock-Scenario,
    X-Recmock-Session)."""
    query = dict(raw.query)
    prefer: dict[str, str] = {}
    for part in raw.header("prefer").split(","):
        key, _, value = part.strip().partition("=")
        if key:
            prefer[key.strip().lower()] = value.strip().strip('"')
    dynamic = query.get("__dynamic", prefer.get("dynamic", "false")).lower() == "true"
    return Selection(
        scenario=query.get("__scenario") or raw.header(SCENARIO_HEADER) or None,
        code=query.get("__code") or prefer.get("code") or None,
        example=query.get("__example") or prefer.get("example") or None,
        dynamic=dynamic,
        session=query.get(SESSION_QUERY) or raw.header(SESSION_HEADER) or DEFAULT_SESSION,
    )


def mock_error(status: int, message: str, **extra: Any) -> Reply:
    """An error from the mock itself (not the provider): unknown scenario, undocumented code."""
    return Reply(status, {"recmock_error": message, **extra}, {"X-Recmock-Error": "true"})


@dataclass
class Mock:
    """Everything the mock serves from: specs, scenarios and their worlds, credentials."""

    specs: tuple[Spec, ...]
    scenarios: Mapping[str, Scenario] = field(default_factory=lambda: {"default": DEFAULT})
    credentials: Credentials = field(default_factory=Credentials)
    seed: int = 0
    now: int = DEFAULT_NOW
    default_scenario: str = "default"
    parsers: dict[tuple[str, str], RequestParser] = field(default_factory=dict)
    worlds: dict[str, World] = field(default_factory=dict)  # derived: deterministic per name
    state: State = field(default_factory=MemoryState)
    live: Any = None  # recmock.server.live_admin.Live: the admin clock, QA recordings, webhooks

    def __post_init__(self) -> None:
        for op in self.operations():
            self.parsers[(op.spec_name, op.operation_id)] = RequestParser(op)
            provider_for(op.provider)  # fail at start-up, not on the first request
        if self.default_scenario not in self.scenarios:
            from recmock.errors import ConfigError

            raise ConfigError(f"--scenario: no scenario {self.default_scenario!r}; "
                              f"available: {sorted(self.scenarios)}")  # fmt: skip

    @property
    def active(self) -> str:
        """The default session's active scenario."""
        return self.active_in(DEFAULT_SESSION)

    def active_in(self, session: str) -> str:
        """The session's active scenario: set through the admin API, else `--scenario`. A name
        that a reload removed falls back to `--scenario` rather than failing every request."""
        name = self.state.get(session, ACTIVE)
        return name if isinstance(name, str) and name in self.scenarios else self.default_scenario

    def operations(self) -> Iterable[Operation]:
        """Every served operation, in spec order."""
        return (op for spec in self.specs for op in spec.operations)

    def provider(self, name: str) -> Provider:
        """The provider module serving specs/<name>/."""
        return provider_for(name)

    def world(self, scenario: str) -> World:
        """The (lazily built, then kept) world of a scenario."""
        if scenario not in self.worlds:
            self.worlds[scenario] = self.scenarios[scenario].world(self.seed, self.now)
        return self.worlds[scenario]

    def reset(self, session: str = DEFAULT_SESSION) -> None:
        """Forget the session's scenario, counters and journal: its next request starts afresh."""
        self.state.reset(session)

    def handle(self, op: Operation, raw: RawRequest, *, origin: str, wall_clock: float) -> Outcome:
        """The reply for `raw`, with journal notes; see the module docstring for the order.

        A failing shared store (Redis gone) is a 503 from the mock, never cached, not a 500."""
        try:
            return self._handle(op, raw, origin, wall_clock)
        except StateUnavailable as exc:
            reply = mock_error(503, str(exc))
            return Outcome(Reply(503, reply.body, {**reply.headers, "Retry-After": "1"}, 0.0),
                           (str(exc),), "")  # fmt: skip

    def _handle(self, op: Operation, raw: RawRequest, origin: str, wall_clock: float) -> Outcome:
        choice = select(raw)
        session = choice.session
        problem = session_problem(session)
        if problem:
            reply = mock_error(400, f"X-Recmock-Session / __session: {problem}")
            return Outcome(reply, (f"bad session name: {problem}",), "")
        name = choice.scenario or self.active_in(session)
        if name not in self.scenarios:
            reply = mock_error(400, f"unknown scenario {name!r}", scenarios=sorted(self.scenarios))
            return Outcome(reply, (f"unknown scenario {name!r}",), name, session=session)
        provider = provider_for(op.provider)
        if choice.code or choice.example or choice.dynamic:
            forced = self._forced(op, provider, choice, raw, name)
            return Outcome(forced, ("forced by Prefer/__code",), name, session=session)
        delay, injected, dice = self._overrides(op, raw, name, provider, session)
        volatile = dice or delay > 0
        if injected is not None:
            return Outcome(
                _volatile(injected, volatile),
                ("injected by scenario override",),
                name,
                delay,
                session,
            )
        world = self.world(name) if self.live is None else self.live.world(self, name, session)
        view = View(world, self.credentials, origin, wall_clock, name, session)
        accepted = provider.authenticate(op, raw, view)
        if isinstance(accepted, Reply):
            return Outcome(
                _volatile(accepted, volatile), ("credentials refused",), name, delay, session
            )
        parsed, issues = self.parsers[(op.spec_name, op.operation_id)].parse(raw)
        if issues:
            reply = _until(provider.invalid(op, issues), accepted)
            return Outcome(
                _volatile(reply, volatile), tuple(str(i) for i in issues), name, delay, session
            )
        reply = _until(provider.serve(op, parsed, raw, view), accepted)
        return Outcome(_volatile(reply, volatile), (), name, delay, session)

    def _forced(
        self, op: Operation, provider: Provider, choice: Selection, raw: RawRequest, name: str
    ) -> Reply:
        code = choice.code or "200"
        if code not in op.responses:
            return mock_error(400, f"status {code} is not documented for {op.full_path}",
                              documented=sorted(op.responses))  # fmt: skip
        examples = op.examples.get(code, {})
        headers = self._documented_headers(op, code)
        if choice.example:
            if choice.example not in examples:
                return mock_error(
                    404, f"no example {choice.example!r} for {code}", examples=sorted(examples)
                )
            return Reply(int(code), examples[choice.example], headers)
        if choice.dynamic:
            seed = derive_int(self.seed, raw.method, raw.path, raw.query, raw.body)
            world = self.world(name)
            schema, rules = op.response_schema(code) or {}, op.rules
            body = dynamic_body(schema, rules if code.startswith("2") else Rules(), seed,
                                world.pools, world.now)  # fmt: skip
            return Reply(int(code), body, headers)
        if examples:
            return Reply(int(code), next(iter(examples.values())), headers)
        error = provider.error(int(code), f"status {code} forced by the client", op)
        return Reply(error.status, error.body, {**headers, **error.headers}, error.valid_until)

    def _documented_headers(self, op: Operation, code: str) -> dict[str, str]:
        """The response headers the spec documents for `code`, so a forced 429 says when to
        retry as the provider's does (`Retry-After`); other headers need an example."""
        spec = next((s for s in self.specs if s.name == op.spec_name), None)
        if spec is None:
            return {}
        item = spec.document.get("paths", {}).get(op.path, {})
        response = item.get(op.method.lower(), {}).get("responses", {}).get(code, {})
        out = {}
        for name, header in deref(spec.document, response).get("headers", {}).items():
            schema = header.get("schema", {})
            example = header.get("example", schema.get("example", schema.get("default")))
            if name.lower() == "retry-after":
                out[name] = str(example if example is not None else RETRY_AFTER_SECONDS)
            elif example is not None:
                out[name] = str(example)
        return out

    def _overrides(
        self, op: Operation, raw: RawRequest, name: str, provider: Provider, session: str
    ) -> tuple[float, Reply | None, bool]:
        """(latency, injected reply or None, whether the outcome depends on a dice roll)."""
        delay, injected, dice = 0.0, None, False
        for override in self.scenarios[name].overrides_for(op):
            if not _matches(override, raw):
                continue
            key = (name, f"{op.spec_name}#{op.operation_id}")
            count = self.state.count(session, f"{name} {key[1]}")
            rng = random.Random(derive_int(self.seed, name, key[1], count))
            if override.latency is not None:
                delay = max(delay, override.latency.sample(rng.random(), rng.gauss(0, 1)) / 1000)
            if override.status is None:
                continue
            dice = dice or override.failure_rate < 1.0
            if injected is None and rng.random() < override.failure_rate:
                injected = self._injected(op, provider, override)
        return delay, injected, dice

    def _injected(self, op: Operation, provider: Provider, override: Override) -> Reply:
        assert override.status is not None
        if override.body is not None:
            body = override.body
        elif override.example is not None:
            body = example_value(op, override.status, override.example)
        else:
            body = provider.error(override.status, "injected by the scenario", op).body
        return Reply(override.status, body, dict(override.headers))


def _matches(override: Override, raw: RawRequest) -> bool:
    if not override.match:
        return True
    values = {**dict(raw.query), **raw.path_params}
    if raw.body:
        try:
            body = json.loads(raw.body)
            if isinstance(body, dict):
                values.update(
                    {k: str(v) for k, v in body.items() if not isinstance(v, dict | list)}
                )
        except ValueError:
            pass
    return all(values.get(k) == v for k, v in override.match.items())


def _volatile(reply: Reply, volatile: bool) -> Reply:
    """Replies that carry latency or hang on a dice roll must not be replayed from cache."""
    if volatile:
        return Reply(reply.status, reply.body, reply.headers, 0.0)
    return reply


def _until(reply: Reply, accepted_until: float) -> Reply:
    if reply.valid_until <= accepted_until:
        return reply
    return Reply(reply.status, reply.body, reply.headers, accepted_until)


_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
_DIGITS = b"0123456789."


def encode(body: Any) -> bytes:
    """Compact, key-order-preserving JSON: the same body always gives the same bytes.

    The bytes are exactly `json.dumps(body, separators=(",", ":"), ensure_ascii=False)`'s.
    orjson writes them about 10x faster; it only formats floats below 1e-4 differently (and
    refuses what json refuses too, or ints beyond 64 bits), so those bodies take json's path.
    Non-finite floats, which JSON cannot carry, become null instead of json's invalid `NaN`.
    """
    try:
        out = orjson.dumps(body, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: a key that is not a str, a huge int, ...
        return _encode_slow(body)
    return out if _floats_agree(out) else _encode_slow(body)


def _encode_slow(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def _floats_agree(out: bytes) -> bool:
    """False when `out` may hold a float that json would write differently (|x| < 1e-4).

    orjson writes those as `1.5e-7` or `0.00001`; json as `1.5e-07` and `1e-05`. A match inside
    a string only costs the slow path, never different bytes.
    """
    for needle in (b"e-", b"0.0000"):
        at = out.find(needle)
        while at >= 0:
            start = at
            while start and out[start - 1] in _DIGITS:
                start -= 1
            if start and out[start - 1] == 0x2D:  # a minus sign
                start -= 1
            token_start = start == 0 or out[start - 1] in b":,["
            if token_start and (needle == b"0.0000" or start < at):
                return False
            at = out.find(needle, at + 1)
    return True
