"""fixtures/ files -> validated `Scenario` objects. Pure, except for reading the files.

A scenario is a named world (seed, clock, shape, explicit rooms/sessions/recordings, open or
closed) plus per-operation overrides (status, body, headers, latency, failure rate). Every file
is checked at load time against the scenario format, the specs and the world's lifecycle rules;
every error names the file, the line and the field, and what was expected.
"""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from recmock.errors import ScenarioError
from recmock.generate import rng_for, uuid4_from
from recmock.resources import data_dir
from recmock.scenario_format import SCENARIO_SCHEMA
from recmock.specs import Operation
from recmock.world import (
    DEFAULT_NOW,
    STATUSES,
    Caller,
    Catalog,
    Recording,
    Session,
    World,
    WorldShape,
    canonical_session_id,
    recording_id,
    session_id_from_any,
)

FIXTURES_DIR = data_dir("fixtures")  # the installed wheel's copy, else the checkout's
RELATIVE = re.compile(r"^now(?:\s*([+-])\s*(\d+)\s*([smhd]))?$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Latency:
    """Added response time: fixed, uniform in [low, high], or log-normal by median and p99."""

    low_ms: float = 0.0
    high_ms: float = 0.0
    median_ms: float = 0.0
    p99_ms: float = 0.0

    def sample(self, u: float, z: float) -> float:
        """Milliseconds for one request, from a uniform `u` and a standard-normal `z`."""
        if self.median_ms:
            import math

            sigma = math.log(max(self.p99_ms, self.median_ms) / self.median_ms) / 2.326
            return float(self.median_ms * math.exp(sigma * z))
        return self.low_ms + (self.high_ms - self.low_ms) * u


@dataclass(frozen=True)
class Override:
    """Replace the reply of matching operations: all requests, or a deterministic fraction."""

    selector: str
    operations: frozenset[tuple[str, str]]  # (spec name, operation id)
    status: int | None = None
    body: Any = None
    example: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    latency: Latency | None = None
    failure_rate: float = 1.0
    match: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: build its world with `world()`, find overrides with `overrides_for`."""

    name: str
    description: str
    path: Path | None
    seed: int | None
    now: int | None
    shape: WorldShape
    catalog: Catalog
    overrides: tuple[Override, ...] = ()

    def world(self, default_seed: int, default_now: int) -> World:
        """The world this scenario serves; the server's seed and clock fill what it leaves open."""
        seed = default_seed if self.seed is None else self.seed
        now = default_now if self.now is None else self.now
        return World(seed=seed, now=now, shape=self.shape, catalog=self.catalog)

    def overrides_for(self, op: Operation) -> list[Override]:
        """Overrides that apply to `op`, in file order."""
        return [o for o in self.overrides if (op.spec_name, op.operation_id) in o.operations]


DEFAULT = Scenario("default", "Open world: every well-formed id exists.", None, None, None,
                   WorldShape(), Catalog())  # fmt: skip


# ---- loading -------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as the strings QA wrote (the format says str or int)."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _Located:
    """Maps a JSON path inside a YAML file to its line, for messages."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        try:
            self.root = yaml.compose(text)
        except yaml.YAMLError:
            self.root = None

    def line(self, parts: Sequence[Any]) -> int | None:
        node = self.root
        for part in parts:
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == str(part)), None)
            elif (
                isinstance(node, yaml.SequenceNode)
                and isinstance(part, int)
                and part < len(node.value)
            ):
                node = node.value[part]
            else:
                break
            if node is None:
                break
        return node.start_mark.line + 1 if node is not None else None

    def error(self, parts: Sequence[Any], message: str) -> ScenarioError:
        where = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts).replace(
            ".[", "["
        )
        line = self.line(parts)
        return ScenarioError(
            f"{self.path}{f':{line}' if line else ''}: {where or '(top)'}: {message}"
        )


def parse_time(value: Any, now: int) -> int:
    """Unix seconds from an int, RFC 3339, or `now`, `now-2h`, `now+30m`, `now-3d`."""
    if isinstance(value, bool):
        raise ValueError(f"expected a time, got {value!r}")
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, datetime):
        return int(value.timestamp())
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    relative = RELATIVE.match(text)
    if relative:
        sign, amount, unit = relative.groups()
        delta = int(amount) * UNITS[unit] if amount else 0
        return now - delta if sign == "-" else now + delta
    try:
        return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
    except ValueError:
        raise ValueError(
            f"expected unix seconds, RFC 3339 or now-2h style, got {value!r}"
        ) from None


def load_scenario(
    path: Path, operations: Sequence[Operation], *, default_now: int = DEFAULT_NOW
) -> Scenario:
    """Read and validate one fixtures/ file against the format, the specs and the world rules."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read: {exc}") from None
    located = _Located(path, text)
    try:
        raw = yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ScenarioError(f"{path}{line}: invalid YAML: {getattr(exc, 'problem', exc)}") from None
    errors = sorted(
        Draft202012Validator(SCENARIO_SCHEMA).iter_errors(raw), key=lambda e: list(e.absolute_path)
    )
    if errors:
        error = _most_specific(errors)
        where = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = error.schema.get("properties", {})
            where.append(next(k for k in error.instance if k not in allowed))  # point at the key
        raise located.error(where, _describe(error))
    assert isinstance(raw, dict)
    if raw["name"] != path.stem:
        raise located.error(["name"], f"expected the file name {path.stem!r}, got {raw['name']!r}")
    now = parse_time(raw["now"], default_now) if "now" in raw else None
    world = raw.get("world", {})
    shape = _shape(located, world.get("shape", {}))
    catalog = _catalog(located, world, now if now is not None else default_now, raw.get("seed", 0))
    overrides = tuple(
        _override(located, i, o, operations) for i, o in enumerate(raw.get("overrides", []))
    )
    return Scenario(
        raw["name"],
        raw.get("description", ""),
        path,
        raw.get("seed"),
        now,
        shape,
        catalog,
        overrides,
    )


def load_scenarios(
    directory: Path | Sequence[Path],
    operations: Sequence[Operation],
    *,
    default_now: int = DEFAULT_NOW,
) -> dict[str, Scenario]:
    """Every *.yaml of `directory` (or of several, in order: a later scenario of the same name
    wins) by name; `default` exists even without a file."""
    found = {"default": DEFAULT}
    directories = [directory] if isinstance(directory, Path) else directory
    for path in (p for folder in directories for p in sorted(folder.glob("*.yaml"))):
        scenario = load_scenario(path, operations, default_now=default_now)
        found[scenario.name] = scenario
    return found


def _most_specific(errors: list[Any]) -> Any:
    best = max(errors, key=lambda e: len(e.absolute_path))
    while best.context:
        best = max(best.context, key=lambda e: len(e.absolute_path))
    return best


def _describe(error: Any) -> str:
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        return f"{error.message}; expected one of {allowed}"
    if error.validator == "enum":
        return f"expected one of {error.validator_value}, got {error.instance!r}"
    if error.validator == "type":
        kind = type(error.instance).__name__
        return f"expected {error.validator_value}, got {kind} {error.instance!r}"
    return str(error.message)


def _shape(located: _Located, raw: Mapping[str, Any]) -> WorldShape:
    try:
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        return WorldShape(**values)
    except (ValueError, TypeError) as exc:
        raise located.error(["world", "shape"], str(exc)) from None


def _catalog(located: _Located, world: Mapping[str, Any], now: int, seed: int) -> Catalog:
    rooms: dict[str, tuple[str, ...]] = {}
    sessions: dict[str, Session] = {}
    for room_id, entries in (world.get("rooms") or {}).items():
        ids = []
        for i, entry in enumerate(entries):
            session = _session(
                located, ["world", "rooms", room_id, i], entry, now, seed, f"{room_id}/{i}"
            )
            sessions[session.id] = session
            ids.append(session.id)
        rooms[room_id] = tuple(ids)
    for i, entry in enumerate(world.get("sessions") or []):
        session = _session(located, ["world", "sessions", i], entry, now, seed, f"session/{i}")
        sessions[session.id] = session
    return Catalog(rooms=rooms, sessions=sessions, closed=bool(world.get("closed", False)))


def _session(
    located: _Located, where: list[Any], raw: Mapping[str, Any], now: int, seed: int, key: str
) -> Session:
    rng = rng_for(seed, "scenario-session", key)
    # Any provider's id form works: a UUID, Zoom's base64 UUID, or any string (hashed).
    session_id = session_id_from_any(str(raw["id"])) if "id" in raw else uuid4_from(rng)
    session_id = canonical_session_id(session_id)
    try:
        created = parse_time(raw.get("created", "now-1d"), now)
    except ValueError as exc:
        raise located.error([*where, "created"], str(exc)) from None
    host = Caller(name=str(raw.get("host", "QA Host")), user_id=uuid4_from(rng), kind="USER")
    recordings = []
    cursor = created + 60
    for index, entry in enumerate(raw.get("recordings") or []):
        rec = _recording(
            located, [*where, "recordings", index], entry, session_id, index, cursor, now, host
        )
        if rec.invoked < created:
            field_name = "invoked" if "invoked" in entry else "created"
            place = (
                [*where, "recordings", index, "invoked"]
                if "invoked" in entry
                else [*where, "created"]
            )
            message = f"recording {index} is invoked before its session was created "
            raise located.error(place, message + f"({rec.invoked} < {created}); move {field_name}")
        recordings.append(rec)
        cursor = (
            max(t for t in (rec.invoked, rec.started, rec.stopped, rec.uploaded) if t is not None)
            + 60
        )
    return Session(
        session_id, created, str(raw.get("name", f"Session {key}")), tuple(recordings), host
    )


def _recording(
    located: _Located, where: list[Any], raw: Mapping[str, Any], session_id: str, index: int,
    cursor: int, now: int, host: Caller,
) -> Recording:  # fmt: skip
    """Complete a partial recording: every pinned value is kept, the rest follows the status."""

    def when(name: str, default: int | None) -> int | None:
        if name not in raw:
            return default
        if raw[name] is None:
            return None
        try:
            return parse_time(raw[name], now)
        except ValueError as exc:
            raise located.error([*where, name], str(exc)) from None

    status = raw.get("status", "UPLOADED")
    invoked = when("invoked", cursor)
    assert invoked is not None
    started = when("started", invoked + 4 if status != "INVOKED" else None)
    stopped_default = (
        (started or invoked) + int(raw.get("duration", 900))
        if status in ("UPLOADING", "UPLOADED", "ERRORED")
        else None
    )
    stopped = when("stopped", stopped_default)
    uploaded = when("uploaded", (stopped or invoked) + 30 if status == "UPLOADED" else None)
    duration = (stopped - started) if stopped is not None and started is not None else None
    size = raw.get("size", duration * 250_000 if status == "UPLOADED" and duration else None)
    audio = raw.get("audio_size", duration * 16_000 if status == "UPLOADED" and duration else None)
    stop_reason = raw.get(
        "stop_reason",
        ("INTERNAL_ERROR" if status == "ERRORED" else "API_CALL") if stopped else None,
    )
    rec = Recording(
        id=str(raw.get("id", recording_id(session_id, index))), session_id=session_id, index=index,
        status=status, invoked=invoked, started=started, stopped=stopped, uploaded=uploaded,
        size=size, audio_size=audio, start_reason=raw.get("start_reason", "API_CALL"),
        stop_reason=stop_reason, started_by=host,
        stopped_by=host if stop_reason == "API_CALL" else None,
        title=str(raw.get("title", f"Recording {index + 1}")),
        description=str(raw.get("description", "")),
        extra=dict(raw.get("extra", {})),
    )  # fmt: skip
    problem = lifecycle_problem(rec, now)
    if problem:
        field_name, message = problem
        raise located.error([*where, field_name] if field_name in raw else where, message)
    return rec


def lifecycle_problem(rec: Recording, now: int) -> tuple[str, str] | None:
    """The first way `rec` is an impossible state, as (field, message); None when consistent."""
    if rec.status not in STATUSES:
        return "status", f"expected one of {list(STATUSES)}, got {rec.status!r}"
    times = [
        ("invoked", rec.invoked),
        ("started", rec.started),
        ("stopped", rec.stopped),
        ("uploaded", rec.uploaded),
    ]
    known = [(n, t) for n, t in times if t is not None]
    for (a, ta), (b, tb) in itertools.pairwise(known):
        if ta > tb:
            return b, f"{b} ({ta} > {tb}) must not be before {a}"
    for name, value in known:
        if value > now:
            return name, f"{name} lies after the scenario's now ({value} > {now})"
    running = rec.status in ("INVOKED", "RECORDING", "PAUSED")
    if rec.status != "INVOKED" and rec.started is None:
        return "started", f"a {rec.status} recording needs a start time"
    if rec.status == "INVOKED" and rec.started is not None:
        return "started", "an INVOKED recording has not started yet: drop started or pick a status"
    if running and rec.stopped is not None:
        return "stopped", f"a {rec.status} recording cannot have stopped yet"
    if not running and rec.stopped is None:
        return "stopped", f"a {rec.status} recording needs a stop time"
    if rec.status == "UPLOADED" and (rec.size is None or rec.size <= 0):
        return "size", "an UPLOADED recording needs a size greater than 0"
    if rec.status == "UPLOADED" and rec.uploaded is None:
        return "uploaded", "an UPLOADED recording needs an upload time"
    if rec.status != "UPLOADED" and rec.size is not None:
        return "size", f"only UPLOADED recordings have a size, this one is {rec.status}"
    if rec.status == "ERRORED" and rec.stop_reason != "INTERNAL_ERROR":
        return (
            "stop_reason",
            f"an ERRORED recording stops with INTERNAL_ERROR, got {rec.stop_reason!r}",
        )
    return None


def _override(
    located: _Located, index: int, raw: Mapping[str, Any], operations: Sequence[Operation]
) -> Override:
    where: list[Any] = ["overrides", index]
    selector = raw["operation"]
    chosen = [op for op in operations if selector in _names(op)]
    if not chosen:
        names = sorted({f"{op.provider}/{op.operation_id}" for op in operations})
        raise located.error(
            [*where, "operation"],
            f"matches no operation; expected '*', a provider or one of {names}",
        )
    status = raw.get("status")
    if status is not None:
        for op in chosen:
            if str(status) not in op.responses and "default" not in op.responses:
                documented = sorted(op.responses)
                raise located.error(
                    [*where, "status"],
                    f"{status} is not documented for {op.spec_name}#{op.operation_id}; "
                    f"documented: {documented}",
                )
    if "body" in raw:
        if status is None:
            raise located.error([*where, "body"], "a body override needs a status")
        for op in chosen:
            schema = op.response_schema(status)
            error = next(iter(Draft202012Validator(schema or {}).iter_errors(raw["body"])), None)
            if error is not None:
                inner = ".".join(str(p) for p in error.absolute_path)
                message = (
                    f"invalid for {op.spec_name} {status}: {inner or '(body)'}: {error.message}"
                )
                raise located.error([*where, "body", *error.absolute_path], message)
    if "example" in raw:
        for op in chosen:
            if example_value(op, status or 200, raw["example"]) is None:
                raise located.error(
                    [*where, "example"],
                    f"{op.spec_name} documents no example {raw['example']!r} for {status or 200}",
                )
    latency = None
    if "latency_ms" in raw:
        value = raw["latency_ms"]
        if isinstance(value, int | float):
            latency = Latency(low_ms=value, high_ms=value)
        elif isinstance(value, list):
            latency = Latency(low_ms=value[0], high_ms=value[1])
        else:
            latency = Latency(median_ms=value["median"], p99_ms=value.get("p99", value["median"]))
    return Override(
        selector=selector, operations=frozenset((op.spec_name, op.operation_id) for op in chosen),
        status=status, body=raw.get("body"), example=raw.get("example"),
        headers=dict(raw.get("headers", {})), latency=latency,
        failure_rate=float(raw.get("failure_rate", 1.0)), match=dict(raw.get("match", {})),
    )  # fmt: skip


def _names(op: Operation) -> tuple[str, ...]:
    """Every way an override may name `op`."""
    provider_op = f"{op.provider}/{op.operation_id}"
    return ("*", op.provider, op.operation_id, op.spec_name, provider_op)


def example_value(op: Operation, status: int | str, name: str) -> Any:
    """A named example documented for `op`'s response `status`, or None."""
    return op.examples.get(str(status), {}).get(name)


def today_midnight() -> int:
    """The start of the current UTC day: a clock that is recent yet stable all day long."""
    now = int(time.time())
    return now - now % 86400
