"""Shape facts of HTTP responses and the fidelity score between two sets of them. Pure.

A *shape fact* is one observable, value-free property of a response: the status code, a field's
JSON type at a path (`null` included, so nullability is a type), a string field's format, an
enum field's value, a header that matters. Two deployments agree on an operation as far as the
facts their answers produce agree; the score is the weighted Jaccard similarity of the two sets:

    score(A, B) = w(A & B) / w(A | B)      (1.0 when both are empty)

where w(S) sums each fact's kind weight (`WEIGHTS`). It is 1.0 exactly when the sets are
equal, symmetric, and a fact only one side has (a difference) never raises it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Json = Any

# A status the mock never answers breaks a client most; a missing field or a type change next;
# an unseen enum value, format or header least (clients often tolerate them).
WEIGHTS: Mapping[str, float] = {
    "status": 3.0,
    "type": 2.0,
    "enum": 1.0,
    "format": 1.0,
    "header": 1.0,
}
MAX_DEPTH = 12  # deeper structure is summarised by its type at the cut
MAX_ENUM_TEXT = 64  # longer strings are values, not enum members

_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("uuid", re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")),
    ("date-time", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$")),
    ("naive-date-time", re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?$")),
    ("date", re.compile(r"^\d{4}-\d\d-\d\d$")),
    ("uri", re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://\S+$")),
    ("email", re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")),
    ("decimal", re.compile(r"^-?\d+(\.\d+)?([eE][+-]?\d+)?$")),
)  # fmt: skip


@dataclass(frozen=True, order=True)
class Fact:
    """One shape fact: `kind` (a WEIGHTS key), the status class it was seen under, and what."""

    kind: str
    status: str  # "200", "4xx", ...: the error shape is the facts under a 4xx/5xx class
    where: str  # a body path like `data[].status`, a header name, or "" for the status itself
    value: str

    @property
    def weight(self) -> float:
        """The kind's weight (unknown kinds count 1)."""
        return WEIGHTS.get(self.kind, 1.0)

    def describe(self) -> str:
        """One human line, e.g. `200 data[].status = "ARCHIVED" (enum)`."""
        if self.kind == "status":
            return f"status {self.value}"
        if self.kind == "header":
            return f"{self.status} header {self.where}: {self.value}"
        if self.kind == "enum":
            return f"{self.status} {self.where or '(body)'} = {self.value!r} (enum value)"
        return f"{self.status} {self.where or '(body)'}: {self.value} ({self.kind})"


def json_type(value: Json) -> str:
    """The JSON type name of a parsed JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"  # 3 and 3.5 are one JSON type: sample values must not look like drift
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def string_format(text: str) -> str | None:
    """The first format `text` matches (uuid, date-time, uri, ...), else None."""
    for name, pattern in _FORMATS:
        if pattern.match(text):
            return name
    return None


def status_class(status: int) -> str:
    """2xx statuses stay exact (each success is its own shape); errors group by class."""
    return str(status) if 200 <= status < 300 else f"{status // 100}xx"


def body_facts(
    body: Json, status: int, enum_paths: Iterable[str] = (), *, parsed: bool = True
) -> set[Fact]:
    """Facts of one JSON body answered with `status`; `enum_paths` are paths whose string
    values are enum members (read from the spec), so their values count too."""
    klass = status_class(status)
    enums = set(enum_paths)
    out: set[Fact] = set()
    if not parsed:
        out.add(Fact("type", klass, "", "not-json"))
        return out
    stack: list[tuple[str, Json, int]] = [("", body, 0)]
    while stack:
        where, value, depth = stack.pop()
        kind = json_type(value)
        out.add(Fact("type", klass, where, kind))
        if kind == "string":
            found = string_format(value)
            if found:
                out.add(Fact("format", klass, where, found))
            if where in enums and len(value) <= MAX_ENUM_TEXT:
                out.add(Fact("enum", klass, where, value))
        if depth >= MAX_DEPTH:
            continue
        if isinstance(value, dict):
            for key, item in value.items():
                stack.append((f"{where}.{key}" if where else str(key), item, depth + 1))
        elif isinstance(value, list):
            for item in value:
                stack.append((f"{where}[]", item, depth + 1))
    return out


def response_facts(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    enum_paths: Iterable[str] = (),
) -> set[Fact]:
    """Every fact of one response: status, content type, paging Link rels, body shape."""
    import json

    klass = status_class(status)
    out = {Fact("status", klass, "", str(status))}
    lower = {k.lower(): v for k, v in headers.items()}
    media = lower.get("content-type", "").split(";")[0].strip().lower()
    out.add(Fact("header", klass, "content-type", media or "(none)"))
    for rel in re.findall(r'rel="?([\w-]+)"?', lower.get("link", "")):
        out.add(Fact("header", klass, "link", f"rel={rel}"))
    if not body:
        out.add(Fact("type", klass, "", "empty"))
        return out
    try:
        parsed, value = True, json.loads(body)
    except (ValueError, RecursionError):
        parsed, value = False, None
    return out | body_facts(value, status, enum_paths, parsed=parsed)


def weight(facts: Iterable[Fact]) -> float:
    """The summed weight of a set of facts."""
    return sum(f.weight for f in facts)


def score(a: set[Fact], b: set[Fact]) -> float:
    """Weighted Jaccard similarity in [0, 1]; 1.0 for two empty sets."""
    union = a | b
    if not union:
        return 1.0
    return weight(a & b) / weight(union)


@dataclass(frozen=True)
class Difference:
    """A fact only one side showed, with the side (`target` or `mock`)."""

    fact: Fact
    only_on: str

    def describe(self) -> str:
        """`only on the target: 200 data[].size: null (type)`."""
        return f"only on the {self.only_on}: {self.fact.describe()}"


def differences(target: set[Fact], mock: set[Fact]) -> list[Difference]:
    """The symmetric difference ranked: heaviest kind first, then status and path."""
    out = [Difference(f, "target") for f in target - mock]
    out += [Difference(f, "mock") for f in mock - target]
    return sorted(
        out, key=lambda d: (-d.fact.weight, d.fact.status, d.fact.where, d.fact.value, d.only_on)
    )


def enum_paths(schema: Json, where: str = "", depth: int = 0) -> set[str]:
    """Body paths (as `body_facts` spells them) whose schema is a string `enum`."""
    out: set[str] = set()
    if not isinstance(schema, Mapping) or depth > MAX_DEPTH:
        return out
    if isinstance(schema.get("enum"), list):
        out.add(where)
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or []:
            out |= enum_paths(branch, where, depth + 1)
    for name, prop in (schema.get("properties") or {}).items():
        out |= enum_paths(prop, f"{where}.{name}" if where else str(name), depth + 1)
    items = schema.get("items")
    if isinstance(items, Mapping):
        out |= enum_paths(items, f"{where}[]", depth + 1)
    return out
