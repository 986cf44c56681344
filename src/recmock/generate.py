"""Schema + seeded randomness -> realistic values. Never global state.

Faker is realistic but costs ~0.5 ms a call, far too slow to call per field on the request
path. So Faker runs once per seed to fill `Pools` of names, titles, sentences and hosts, and
request-time generation only picks from those pools with a `random.Random` it is handed. Same
seed, same pools, same bytes.
"""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from faker import Faker

from recmock.errors import SpecError

Json = Any
Schema = dict[str, Any]
POOL_SIZE = 256
LANGUAGES = ("en", "de", "fr", "es", "pt-BR", "ja", "hi", "ar", "zh-Hans", "it")
MEDIA_EXTENSIONS = (".mp4", ".webm", ".m4a", ".mkv")
REGIONS = ("us-east-1", "us-west-2", "eu-central-1", "eu-west-1", "ap-south-1", "ap-southeast-2")


@dataclass(frozen=True)
class Pools:
    """Faker output drawn once per seed; request-time generation picks from these."""

    first_names: tuple[str, ...]
    names: tuple[str, ...]
    titles: tuple[str, ...]
    sentences: tuple[str, ...]
    words: tuple[str, ...]
    hosts: tuple[str, ...]
    companies: tuple[str, ...]


@lru_cache(maxsize=16)
def pools_for(seed: int) -> Pools:
    """The pools for a seed; cached because building them is the only expensive step."""
    fake = Faker("en_US")
    fake.seed_instance(seed)
    n = POOL_SIZE
    return Pools(
        first_names=tuple(fake.first_name() for _ in range(n)),
        names=tuple(fake.name() for _ in range(n)),
        titles=tuple(fake.catch_phrase() for _ in range(n)),
        sentences=tuple(fake.sentence(nb_words=10) for _ in range(n)),
        words=tuple(dict.fromkeys(fake.word().lower() for _ in range(n * 2)))[:n],
        hosts=tuple(f"media.{fake.domain_name()}" for _ in range(32)),
        companies=tuple(fake.company() for _ in range(64)),
    )


def derive_int(seed: int, *parts: object) -> int:
    """A stable 64-bit integer from a seed and any identifying parts (ids, names, indexes)."""
    data = "\x1f".join([str(seed), *map(str, parts)]).encode()
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "big")


def rng_for(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible random stream for one entity of the world."""
    return random.Random(derive_int(seed, *parts))


def uuid4_from(rng: random.Random) -> str:
    """A version-4-shaped UUID drawn from `rng` (uuid.uuid4 would use the OS entropy)."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def rfc3339(epoch: float) -> str:
    """Unix seconds -> RFC 3339 in UTC with a Z suffix, as every provider here writes it."""
    return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def slug(rng: random.Random, pools: Pools, words: int = 2) -> str:
    """A readable identifier such as `quiet-harbor`."""
    return "-".join(rng.choice(pools.words) for _ in range(words))


@dataclass(frozen=True)
class Context:
    """What a value generator may consult besides the schema."""

    rng: random.Random
    pools: Pools
    now: int


def from_schema(schema: Schema, ctx: Context, *, field: str = "", depth: int = 0) -> Json:
    """A value valid against `schema`, realistic for a field named `field`."""
    if depth > 12:
        raise SpecError(f"{field or 'schema'}: nesting deeper than 12 levels; refusing to recurse")
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        choices = [v for v in schema["enum"] if v is not None] or [None]
        return ctx.rng.choice(choices)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
            return from_schema(branches[0], ctx, field=field, depth=depth + 1)
    if "allOf" in schema:
        merged: Schema = {}
        for part in schema["allOf"]:
            merged = {
                **merged,
                **part,
                "properties": {**merged.get("properties", {}), **part.get("properties", {})},
            }
        return from_schema(merged, ctx, field=field, depth=depth + 1)
    kind = schema.get("type", "object" if "properties" in schema else "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    maker = _MAKERS.get(kind)
    if maker is None:
        raise SpecError(f"{field or 'schema'}: cannot generate a value of type {kind!r}")
    return maker(schema, ctx, field, depth)


def _object(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    props: dict[str, Schema] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    out: dict[str, Json] = {}
    for name, sub in props.items():
        if sub.get("writeOnly"):
            continue  # write-only fields are never returned, by definition
        if name in required or ctx.rng.random() < 0.8:
            out[name] = from_schema(sub, ctx, field=name, depth=depth + 1)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and not props:
        keys = _map_keys(schema, ctx, field)
        out.update(
            {k: from_schema(extra, ctx, field=f"{field}.{k}", depth=depth + 1) for k in keys}
        )
    return out


def _map_keys(schema: Schema, ctx: Context, field: str) -> list[str]:
    count = ctx.rng.randint(schema.get("minProperties", 1), min(schema.get("maxProperties", 3), 3))
    if "subtitle" in field or "lang" in field or "propertyNames" in schema:
        return ctx.rng.sample(LANGUAGES, count)
    return [ctx.rng.choice(ctx.pools.words) + f"_{i}" for i in range(count)]


def _array(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    low = schema.get("minItems", 1 if depth < 4 else 0)
    high = max(low, min(schema.get("maxItems", low + 3), low + 3))
    items = schema.get("items", {"type": "string"})
    values = [
        from_schema(items, ctx, field=field, depth=depth + 1)
        for _ in range(ctx.rng.randint(low, high))
    ]
    if schema.get("uniqueItems"):
        values = list({repr(v): v for v in values}.values())
    return values


def _bounds(schema: Schema, low: float, high: float) -> tuple[float, float]:
    lo = max(low, schema.get("minimum", low))
    hi = min(high, schema.get("maximum", high))
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        lo = max(lo, schema["exclusiveMinimum"] + 1)
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        hi = min(hi, schema["exclusiveMaximum"] - 1)
    return (lo, hi) if lo <= hi else (lo, lo)


def _integer(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    name = field.rsplit(".", 1)[-1]
    if name.endswith("_time") or name.endswith("_at"):
        lo, hi = _bounds(schema, ctx.now - 86400 * 90, ctx.now)
    elif "size" in name or name == "bytes":
        lo, hi = _bounds(schema, 200_000, 2_000_000_000)
    elif name == "port":
        lo, hi = _bounds(schema, 1024, 65535)
    elif "duration" in name:
        lo, hi = _bounds(schema, 30, 7200)
    else:
        lo, hi = _bounds(schema, 0, 1000)
    return ctx.rng.randint(int(lo), int(hi))


def _number(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    if "cost" in field or "dollars" in field:
        return round(ctx.rng.uniform(0.01, 25.0), 2)
    return float(_integer(schema, ctx, field, depth))


def _boolean(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    return ctx.rng.random() < 0.5


def _null(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    return None


def _string(schema: Schema, ctx: Context, field: str, depth: int) -> Json:
    rng, pools = ctx.rng, ctx.pools
    fmt = schema.get("format", "")
    name = field.rsplit(".", 1)[-1].lower()
    if fmt == "date-time" or name.endswith("_at") or name.endswith("_time"):
        return rfc3339(ctx.now - rng.randint(60, 86400 * 90))
    if fmt == "uuid" or name.endswith("_uuid"):
        return uuid4_from(rng)
    if fmt in ("uri", "url") or name in ("uri", "url") or name.endswith("_url"):
        ext = ".vtt" if "subtitle" in field else rng.choice(MEDIA_EXTENSIONS)
        return f"https://{rng.choice(pools.hosts)}/{slug(rng, pools)}/{uuid4_from(rng)}{ext}"
    if fmt == "email":
        return f"{rng.choice(pools.first_names).lower()}@{rng.choice(pools.hosts)[6:]}"
    pattern = schema.get("pattern")
    if pattern is not None:
        return _from_pattern(pattern, rng, field)
    if "path" in name or name.endswith("file_name"):
        return f"/recordings/{slug(rng, pools)}/{uuid4_from(rng)[:8]}{rng.choice(MEDIA_EXTENSIONS)}"
    if name in ("title", "session_name", "output_file_name"):
        return rng.choice(pools.titles)
    if name in ("description", "message", "msg"):
        return rng.choice(pools.sentences)
    if name in ("name", "username", "label"):
        return rng.choice(pools.names)
    if name == "region":
        return rng.choice(REGIONS)
    if name in ("host",):
        return rng.choice(pools.hosts)
    if name.endswith("id") or name.endswith("sid"):
        return slug(rng, pools) + f"-{rng.randint(100, 999)}"
    text = rng.choice(pools.words)
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10_000)
    text = (text * (1 + low // max(1, len(text))))[: max(low, min(high, len(text) + low))]
    return text


def _from_pattern(pattern: str, rng: random.Random, field: str) -> str:
    """Values for the id patterns our specs use; anything else is a spec author's error."""
    if pattern in ("^[0-9a-f]{32}$", "^[a-f0-9]{32}$"):
        return f"{rng.getrandbits(128):032x}"
    if pattern.startswith("^[a-z]{2,3}"):
        return rng.choice(["en", "de", "fr"])
    raise SpecError(f"{field}: pattern {pattern!r}: recmock has no generator for it; add one")


_MAKERS = {
    "object": _object, "array": _array, "integer": _integer, "number": _number,
    "boolean": _boolean, "string": _string, "null": _null,
}  # fmt: skip
