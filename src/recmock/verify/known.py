"""Known test data: values the user says exist on the target, and values the run harvests.

A staging deployment shares no ids with the specs' examples, so without known ids every path
request hits a 404 or an empty page and the checks have nothing to look at. `--param NAME=VALUE`
(repeatable; `path.`/`query.`/`body.` prefixes optional while the name is unambiguous; values may
be `${ENV_VAR}`) names such values; the run adds the ones it harvests from successful responses
(a `room_sid` from a plugNmeet row). Both feed every phase: examples, probes, fuzzing and the
negative cases, which mutate other parts while the known ids stay valid. Pure: no I/O but the
environment lookup, which takes the mapping as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from recmock.errors import ConfigError
from recmock.rules import get_path
from recmock.specs import Operation, Schema, Spec
from recmock.verify.wire import WireRequest, encode_path, json_bytes, scalar_text

Json = Any
LOCATIONS = ("path", "query", "body")
MAX_HARVESTED = 8  # per name: enough variety, bounded however large the target's pages
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True)
class Slot:
    """Where a known value goes: a parameter or a top-level body field, and its schema."""

    location: str
    name: str
    schema: Schema = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_array(self) -> bool:
        """Body or query arrays take each known value as one item."""
        kinds = self.schema.get("type")
        return kinds == "array" or (isinstance(kinds, list) and "array" in kinds)


def slots_of(op: Operation) -> dict[tuple[str, str], Slot]:
    """Every input of an operation a known value can fill."""
    out = {(p.location, p.name): Slot(p.location, p.name, p.schema) for p in op.parameters}
    body = op.request_body or {}
    for name, schema in (body.get("properties") or {}).items():
        out[("body", name)] = Slot(
            "body", name, dict(schema) if isinstance(schema, Mapping) else {}
        )
    return out


def expand(text: str, env: Mapping[str, str], flag: str = "--param") -> str:
    """`${VAR}` replaced from the environment; an unset variable is a usage error."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in env:
            raise ConfigError(f"{flag}: environment variable {name} is not set")
        return env[name]

    return _ENV.sub(one, text)


def typed(value: str, schema: Schema, where: str) -> Json:
    """The text of a known value as the input's schema types it (array items for arrays)."""
    kinds = schema.get("type", "string")
    kinds = [kinds] if isinstance(kinds, str) else list(kinds)
    if "array" in kinds:
        items = schema.get("items")
        return typed(value, dict(items) if isinstance(items, Mapping) else {}, where)
    if "integer" in kinds and "string" not in kinds:
        try:
            return int(value)
        except ValueError:
            raise ConfigError(f"{where}: expected an integer, got {value!r}") from None
    if "number" in kinds and "string" not in kinds:
        try:
            return float(value)
        except ValueError:
            raise ConfigError(f"{where}: expected a number, got {value!r}") from None
    if "boolean" in kinds and "string" not in kinds:
        if value not in ("true", "false"):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value == "true"
    return value


def parse_params(
    texts: Sequence[str], spec: Spec, env: Mapping[str, str]
) -> dict[tuple[str, str], tuple[Json, ...]]:
    """`--param` flags -> {(location, name): values}; names are checked against the spec."""
    slots: dict[tuple[str, str], Slot] = {}
    for op in spec.operations:
        for key, slot in slots_of(op).items():
            slots.setdefault(key, slot)
    names = sorted({f"{loc}.{name}" for loc, name in slots})
    out: dict[tuple[str, str], list[Json]] = {}
    for text in texts:
        name, sep, raw = text.partition("=")
        if not sep or not name:
            raise ConfigError(f"--param: expected NAME=VALUE, got {text.split('=')[0][:40]!r}")
        location, dot, bare = name.partition(".")
        if dot and location in LOCATIONS:
            candidates = [k for k in slots if k == (location, bare)]
        else:
            bare = name
            candidates = [k for k in slots if k[1] == name]
        if not candidates:
            raise ConfigError(
                f"--param {name}: no operation of {spec.name} has this input; expected one of "
                f"{', '.join(names)}"
            )
        if len({loc for loc, _ in candidates}) > 1:
            where = " or ".join(f"{loc}.{bare}" for loc, _ in sorted(candidates))
            raise ConfigError(f"--param {name}: ambiguous, write {where}")
        key = candidates[0]
        value = typed(expand(raw, env), slots[key].schema, f"--param {name}")
        out.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in out.items()}


@dataclass
class KnownData:
    """The run's known values: given ones first, then harvested ones, per input."""

    given: Mapping[tuple[str, str], tuple[Json, ...]] = field(default_factory=dict)
    harvested: dict[tuple[str, str], list[Json]] = field(default_factory=dict)

    def values(self, location: str, name: str) -> list[Json]:
        """Every known value of one input, given ones first, each once."""
        out: list[Json] = []
        for value in [
            *self.given.get((location, name), ()),
            *self.harvested.get((location, name), []),
        ]:
            if value not in out:
                out.append(value)
        return out

    def given_for(self, op: Operation) -> dict[Slot, list[Json]]:
        """The user's values for this operation's inputs."""
        return {
            slot: list(self.given[key]) for key, slot in slots_of(op).items() if key in self.given
        }

    def known_for(self, op: Operation) -> dict[Slot, list[Json]]:
        """Given and harvested values for this operation's inputs."""
        out = {}
        for key, slot in slots_of(op).items():
            values = self.values(*key)
            if values:
                out[slot] = values
        return out

    def harvest(self, op: Operation, records: Iterable[Mapping[str, Any]]) -> None:
        """Remember record values that fill a filter input (a `room_sid`, a `room_id`)."""
        slots = slots_of(op)
        for rule in op.rules.filters:
            slot = next((s for (_, n), s in slots.items() if n == rule.param), None)
            if slot is None or slot.location == "path":
                continue  # a path value came from a request: nothing new to learn
            bucket = self.harvested.setdefault((slot.location, slot.name), [])
            for record in records:
                value = get_path(record, rule.field)
                if len(bucket) >= MAX_HARVESTED:
                    break
                usable = isinstance(value, str | int) and not isinstance(value, bool)
                if usable and value != "" and value not in bucket:
                    bucket.append(value)

    def path_values(self, op: Operation, index: int) -> dict[str, str]:
        """Path parameters from known values, the `index`-th combination (values cycle)."""
        out = {}
        for slot, values in self.known_for(op).items():
            if slot.location == "path":
                out[slot.name] = scalar_text(values[index % len(values)])
        return out

    def variants(self, op: Operation) -> int:
        """How many distinct requests it takes to use every known value once."""
        counts = [len(v) for v in self.known_for(op).values()]
        return max(counts, default=0)


def apply(
    request: WireRequest,
    op: Operation,
    known: Mapping[Slot, list[Json]],
    index: int,
    *,
    every: bool = False,
) -> WireRequest:
    """`request` with each known input set to its `index`-th value (all of them with `every`,
    for array inputs), wherever the input travels; other inputs are left as generated."""
    if not known:
        return request
    path_params = dict(request.path_params)
    query = list(request.query)
    ok, body = request.json_body()
    body_changed = False
    for slot, values in known.items():
        value = values[index % len(values)]
        chosen: Json = list(values) if (every and slot.is_array) else value
        if slot.is_array and not isinstance(chosen, list):
            chosen = [chosen]
        if slot.location == "path":
            path_params[slot.name] = scalar_text(value)
        elif slot.location == "query":
            query = [(k, v) for k, v in query if k != slot.name]
            for item in chosen if isinstance(chosen, list) else [chosen]:
                query.append((slot.name, scalar_text(item)))
        elif slot.location == "body" and ok and isinstance(body, dict):
            body[slot.name] = chosen
            body_changed = True
    return replace(
        request,
        path=encode_path(op.path, path_params),
        path_params=path_params,
        query=tuple(query),
        body=json_bytes(body) if body_changed else request.body,
    )


def pin_path(
    request: WireRequest, op: Operation, examples: Mapping[str, str], known: Mapping[str, str]
) -> WireRequest:
    """Path values that are the spec's example replaced by known ones (others are mutations)."""
    if not known:
        return request
    params = {
        name: known[name] if name in known and examples.get(name) == value else value
        for name, value in request.path_params.items()
    }
    if params == dict(request.path_params):
        return request
    return replace(request, path=encode_path(op.path, params), path_params=params)
