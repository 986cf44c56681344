"""fixtures/ files -> validated `Scenario` objects. Pure, except for reading the files.

A scenario is a named world (seed, clock, shape, explicit rooms/sessions/recordings, open or
closed) plus per-operation overrides (status, body, headers, latency, failure rate). Every file
is checked at load time against the scenario format, the specs and the world's lifecycle rules;
every error names the file, the line and the field, and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from recmock import lifecycle, yaml_source
from recmock.clock import parse_time
from recmock.clock import today_midnight as today_midnight  # the CLI's `--now today`
from recmock.errors import ScenarioError
from recmock.generate import rng_for, uuid4_from
from recmock.resources import data_dir
from recmock.scenario_format import SCENARIO_SCHEMA
from recmock.specs import Operation
from recmock.world import (
    DEFAULT_NOW,
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
from recmock.yaml_source import excerpt

FIXTURES_DIR = data_dir("fixtures")  # the installed wheel's copy, else the checkout's
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")  # RFC 9110 field-name
_FIELD_VALUE = re.compile(r"^[\t\x20-\x7e\x80-\xff]*\Z")  # no CR, LF, NUL, beyond latin-1
_FRAMING = frozenset({"content-length", "transfer-encoding", "connection"})


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
    webhook_faults: tuple[str, ...] = ()  # what receivers of its declared recordings survive

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


def load_scenario(
    path: Path,
    operations: Sequence[Operation],
    *,
    default_now: int = DEFAULT_NOW,
    roots: Sequence[Path] = (),
) -> Scenario:
    """Read and validate one fixtures/ file against the format, the specs and the world rules.

    Raises one ScenarioError listing every problem found, one `file:line: field: ...` a line.
    A symlink must stay inside `roots` (default: the file's folder and the one above it).
    """
    try:
        text = yaml_source.read_text(path, roots or (path.parent, path.parent.parent))
        raw = yaml_source.load(text, fixture=True)
    except yaml_source.SourceError as exc:
        raise ScenarioError(exc.located(path)) from None
    located = _Located(path, text)
    errors = sorted(
        Draft202012Validator(SCENARIO_SCHEMA).iter_errors(raw), key=lambda e: list(e.absolute_path)
    )
    if errors:
        raise ScenarioError("\n".join(str(_schema_problem(located, e)) for e in errors))
    assert isinstance(raw, dict)
    problems: list[ScenarioError] = []

    def attempt(build: Any, *args: Any) -> Any:
        try:
            return build(*args)
        except ScenarioError as exc:
            problems.append(exc)
            return None

    if raw["name"] != path.stem:
        problems.append(
            located.error(["name"], f"expected the file name {path.stem!r}, got {raw['name']!r}")
        )
    now = attempt(_time, located, ["now"], raw["now"], default_now) if "now" in raw else None
    world = raw.get("world", {})
    shape = attempt(_shape, located, world.get("shape", {}))
    clock = now if now is not None else default_now
    catalog = attempt(_catalog, located, world, clock, raw.get("seed", 0), problems)
    entries = enumerate(raw.get("overrides", []))
    overrides = tuple(attempt(_override, located, i, o, operations) for i, o in entries)
    if problems:
        raise ScenarioError("\n".join(str(p) for p in problems))
    return Scenario(
        raw["name"],
        raw.get("description", ""),
        path,
        raw.get("seed"),
        now,
        shape,
        catalog,
        overrides,
        tuple(raw.get("webhook_faults", ())),
    )


def _schema_problem(located: _Located, error: Any) -> ScenarioError:
    error = _most_specific([error])
    where = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        where.append(next(k for k in error.instance if k not in allowed))  # point at the key
    return located.error(where, _describe(error))


def _time(located: _Located, where: list[Any], value: Any, now: int) -> int:
    try:
        return parse_time(value, now)
    except ValueError as exc:
        raise located.error(where, str(exc)) from None


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
    for folder in directories:
        roots = (folder, folder.parent)
        for path in sorted(folder.glob("*.yaml")):
            scenario = load_scenario(path, operations, default_now=default_now, roots=roots)
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
        return f"expected one of {error.validator_value}, got {excerpt(error.instance)}"
    if error.validator == "type":
        kind = type(error.instance).__name__
        return f"expected {error.validator_value}, got {kind} {excerpt(error.instance)}"
    bounds = {"minimum": "at least", "maximum": "at most", "exclusiveMinimum": "more than"}
    if error.validator in bounds:
        return f"expected {bounds[error.validator]} {error.validator_value}, got {error.instance}"
    message = str(error.message)
    return message if len(message) <= 200 else message[:197] + "..."


def _shape(located: _Located, raw: Mapping[str, Any]) -> WorldShape:
    try:
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}
        return WorldShape(**values)
    except (ValueError, TypeError) as exc:
        name, _, message = str(exc).partition(": ")
        if name in raw:
            raise located.error(["world", "shape", name], message) from None
        raise located.error(["world", "shape"], str(exc)) from None


def _catalog(
    located: _Located, world: Mapping[str, Any], now: int, seed: int, problems: list[Any]
) -> Catalog:
    """The pinned rooms and sessions; each session's problem joins `problems`, so one bad
    session does not hide the next."""
    rooms: dict[str, tuple[str, ...]] = {}
    sessions: dict[str, Session] = {}
    entries_found = [
        (["world", "rooms", room_id, i], entry, f"{room_id}/{i}", room_id)
        for room_id, entries in (world.get("rooms") or {}).items()
        for i, entry in enumerate(entries)
    ] + [
        (["world", "sessions", i], entry, f"session/{i}", None)
        for i, entry in enumerate(world.get("sessions") or [])
    ]
    for room_id in world.get("rooms") or {}:
        rooms[room_id] = ()
    for where, entry, key, room in entries_found:
        try:
            session = _session(located, where, entry, now, seed, key)
        except ScenarioError as exc:
            problems.append(exc)
            continue
        sessions[session.id] = session
        if room is not None:
            rooms[room] = (*rooms[room], session.id)
    return Catalog(rooms=rooms, sessions=sessions, closed=bool(world.get("closed", False)))


def _session(
    located: _Located, where: list[Any], raw: Mapping[str, Any], now: int, seed: int, key: str
) -> Session:
    rng = rng_for(seed, "scenario-session", key)
    # Any provider's id form works: a UUID, Zoom's base64 UUID, or any string (hashed).
    session_id = session_id_from_any(str(raw["id"])) if "id" in raw else uuid4_from(rng)
    session_id = canonical_session_id(session_id)
    created = _time(located, [*where, "created"], raw.get("created", "now-1d"), now)
    host = Caller(name=str(raw.get("host", "QA Host")), user_id=uuid4_from(rng), kind="USER")
    recordings: list[Recording] = []
    cursor = created + 60
    problems: list[str] = []  # every recording's problem, not just the first one's
    for index, entry in enumerate(raw.get("recordings") or []):
        try:
            recordings.append(
                _placed(
                    located,
                    where,
                    entry,
                    session_id,
                    index,
                    cursor,
                    now,
                    host,
                    created,
                    recordings[-1] if recordings else None,
                )
            )
        except ScenarioError as exc:
            problems.append(str(exc))
            continue
        rec = recordings[-1]
        cursor = (
            max(t for t in (rec.invoked, rec.started, rec.stopped, rec.uploaded) if t is not None)
            + 60
        )
    if problems:
        raise ScenarioError("\n".join(problems))
    return Session(
        session_id, created, str(raw.get("name", f"Session {key}")), tuple(recordings), host
    )


def _placed(
    located: _Located, where: list[Any], entry: Mapping[str, Any], session_id: str, index: int,
    cursor: int, now: int, host: Caller, created: int, before: Recording | None,
) -> Recording:  # fmt: skip
    """One recording of a session, in its place: after its session began and the one before."""
    rec = _recording(
        located, [*where, "recordings", index], entry, session_id, index, cursor, now, host
    )
    if before is not None and rec.invoked < before.invoked:
        raise located.error(
            [*where, "recordings", index, "invoked"] if "invoked" in entry else where,
            f"recordings come in the order they were invoked: {rec.invoked} is before "
            f"recording {index - 1}'s {before.invoked}",
        )
    if rec.invoked < created:
        field_name = "invoked" if "invoked" in entry else "created"
        place = (
            [*where, "recordings", index, "invoked"] if "invoked" in entry else [*where, "created"]
        )
        message = f"recording {index} is invoked before its session was created "
        raise located.error(place, message + f"({rec.invoked} < {created}); move {field_name}")
    return rec


def _recording(
    located: _Located, where: list[Any], raw: Mapping[str, Any], session_id: str, index: int,
    cursor: int, now: int, host: Caller,
) -> Recording:  # fmt: skip
    """Complete a partial recording into a whole life (recmock.lifecycle): every pinned value
    is kept, the rest follows from how it ends. `status` is its state at the scenario's `now`;
    a time after `now` (`stopped: now+2m`) makes it move on, to `outcome` (default uploaded),
    as the clock runs; without one it stays in `status` for good."""

    def when(name: str, default: int | None, raw: Mapping[str, Any] = raw,
             place: Sequence[Any] = ()) -> int | None:  # fmt: skip
        if name not in raw:
            return default
        if raw[name] is None:
            return None
        try:
            return parse_time(raw[name], now)
        except ValueError as exc:
            raise located.error([*where, *place, name], str(exc)) from None

    status = raw.get("status")
    pinned = [when(name, None) for name in ("invoked", "started", "stopped", "uploaded")]
    pauses = tuple(
        (when("paused", now, p, ["pauses", i]) or now, when("resumed", None, p, ["pauses", i]))
        for i, p in enumerate(raw.get("pauses") or [])
    )
    moving = any(t is not None and t > now for t in pinned) or any(
        r is not None and r > now for _, r in pauses
    )
    if "outcome" in raw:
        ends = str(raw["outcome"]).upper()
    elif status in (None, "UPLOADED", "ERRORED") or moving:
        ends = status if status in ("UPLOADED", "ERRORED") else "UPLOADED"
    else:
        ends = status  # stays as it is at `now`, for good
    if ends == "PAUSED" and not pauses:
        pauses = ((now, None),)  # paused by `now`, for good
    invoked = when("invoked", cursor)
    assert invoked is not None
    started = when("started", invoked + 4 if ends != "INVOKED" else None)
    stops = ends in ("UPLOADING", "UPLOADED", "ERRORED")
    stopped = when("stopped", (started or invoked) + int(raw.get("duration", 900)) if stops
                   else None)  # fmt: skip
    uploaded = when("uploaded", (stopped or invoked) + 30 if ends == "UPLOADED" else None)
    duration = (stopped - started) if stopped is not None and started is not None else None
    size = raw.get("size", duration * 250_000 if ends == "UPLOADED" and duration else None)
    audio = raw.get("audio_size", duration * 16_000 if ends == "UPLOADED" and duration else None)
    stop_reason = raw.get(
        "stop_reason",
        ("INTERNAL_ERROR" if ends == "ERRORED" else "API_CALL") if stopped else None,
    )
    start_reason = raw.get("start_reason", "API_CALL")
    rec = Recording(
        id=str(raw.get("id", recording_id(session_id, index))), session_id=session_id, index=index,
        status=ends, invoked=invoked, started=started, stopped=stopped, uploaded=uploaded,
        size=size, audio_size=audio, start_reason=start_reason, stop_reason=stop_reason,
        # Only an API call has a caller: a recording started on room start names nobody.
        started_by=host if start_reason == "API_CALL" else None,
        stopped_by=host if stop_reason == "API_CALL" else None,
        title=str(raw.get("title", f"Recording {index + 1}")),
        description=str(raw.get("description", "")),
        extra=dict(raw.get("extra", {})),
        provider_fields={k: dict(v) for k, v in (raw.get("provider_fields") or {}).items()},
        pauses=pauses,
    )  # fmt: skip
    problem = lifecycle_problem(rec, now, status)
    if problem is None and ends == "UPLOADED" and audio is None:
        problem = ("audio_size", "an UPLOADED recording has an audio file: drop audio_size: null")
    if problem:
        field_name, message = problem
        raise located.error([*where, field_name] if field_name in raw else where, message)
    return rec


def lifecycle_problem(
    rec: Recording, now: int, status: str | None = None
) -> tuple[str, str] | None:
    """The first way `rec` is an impossible life, or (given `status`) not in that state at the
    scenario's `now`, as (field, message); None when consistent."""
    found = lifecycle.problem(rec)
    if found is not None:
        return found
    if status is None:
        return None
    shown = lifecycle.state_at(rec, now)
    if shown is None:
        return "invoked", (f"invoked lies after the scenario's now ({rec.invoked} > {now}), so "
                           f"it cannot be {status} then; drop status to have it appear when "
                           "the clock gets there")  # fmt: skip
    if shown.status != status:
        hint = "; give its pauses: [{paused: now-1m, resumed: now+1m}]"
        hint = hint if status == "PAUSED" else ""
        return "status", (f"expected its times to make it {status} at the scenario's now, they "
                          f"make it {shown.status} (it ends {rec.status}){hint}")  # fmt: skip
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
        headers=_headers(located, where, raw.get("headers", {})), latency=latency,
        failure_rate=float(raw.get("failure_rate", 1.0)), match=dict(raw.get("match", {})),
    )  # fmt: skip


def _headers(located: _Located, where: list[Any], raw: Mapping[str, str]) -> dict[str, str]:
    """Override headers that HTTP can carry: a token name, a value without line breaks, and
    none that would change how the response is framed."""
    for name, value in raw.items():
        if not _TOKEN.match(name):
            raise located.error([*where, "headers", name],
                                f"{excerpt(name)} is not an HTTP header name; expected letters, "
                                "digits and !#$%&'*+-.^_`|~ only")  # fmt: skip
        if name.lower() in _FRAMING:
            raise located.error([*where, "headers", name],
                                f"{name} frames the response; recmock sets it itself")  # fmt: skip
        if not _FIELD_VALUE.match(value):
            raise located.error([*where, "headers", name],
                                f"value {excerpt(value)} cannot be sent in HTTP; expected visible "
                                "latin-1 characters, spaces and tabs (no line breaks)")  # fmt: skip
    return dict(raw)


def _names(op: Operation) -> tuple[str, ...]:
    """Every way an override may name `op`."""
    provider_op = f"{op.provider}/{op.operation_id}"
    return ("*", op.provider, op.operation_id, op.spec_name, provider_op)


def example_value(op: Operation, status: int | str, name: str) -> Any:
    """A named example documented for `op`'s response `status`, or None."""
    return op.examples.get(str(status), {}).get(name)
