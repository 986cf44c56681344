"""The x-recmock rules: paging, filters, ordering, invariants and lifecycle, as data.

One source for both sides: the world/providers obey these rules when they generate, and the
contract checker asserts them against any deployment. An invariant is one line of a spec:

    invariants:
      - started_at <= finished_at
      - abs(duration - (finished_at - started_at)) <= 1
      - total_size == sum(recording_files.file_size)
    lifecycle:
      - when: status == 'UPLOADED'
        require: [download_url, file_size]
      - when: status in ['INVOKED', 'RECORDING', 'PAUSED']
        forbid: [stopped_time, stop_reason]

Expressions are a tiny, safe subset of Python (parsed with `ast`, never `eval`): field paths
(`a.b`, mapped over lists), numbers, strings, lists, comparisons, `and`/`or`/`not` (short-circuit,
as in Python), + - *, `len`, `sum`, `abs`, `min`, `max`. RFC 3339 strings become unix seconds so
times compare and subtract (a time without an offset is UTC). A field that is absent or null
makes an invariant vacuous: presence is what `lifecycle` rules are for. There, `require` means
present and not null, and `forbid` means absent or null: for APIs whose fields are
required-but-nullable (SignalWire) null is how "not known yet" is written. An expression that
cannot be evaluated for a record (a string where a number belongs) is reported, never skipped.

The other keys describe behaviour rather than a body, for generators and contract checks:

    items: result.recordings_list        # body path of the record list (or `record:` for one)
    paging: {style: offset, offset_param: from, limit_param: limit, default_limit: 20,
             max_limit: 100, clamp: true, total: result.total_recordings}
    ordering: {param: order_by, field: creation_time, default: DESC}
    filters: [{param: room_ids, field: room_id, match: in}]

A spec keeps what the provider PROMISES apart from the mock's own WORLD choices, so nobody can
assert a choice by accident (DESIGN.md point 4):

    x-recmock:
      items: result.recordings_list
      promises:                        # verify asserts these; each names where it is stated
        invariants:
          - {rule: room_creation_time <= creation_time, source: 'doc 001: "..."'}
        paging: {style: offset, ..., source: 'doc 001: "Default is 20."'}
      world:                           # the mock obeys these too; verify never asserts them
        invariants:
          - {rule: file_size > 0, why: tidy world, no empty files}

`parse_contract` reads that block into a `Contract`: `promises` (what verify may assert) and
`rules` (promises + world: what the mock obeys). In `world` an entry may be a bare expression.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from recmock.errors import SpecError

_MISSING = object()


@dataclass(frozen=True)
class Expr:
    """A parsed rule expression; `source` is kept for messages."""

    source: str
    tree: ast.expr

    def evaluate(self, record: Mapping[str, Any]) -> Any:
        """The value of the expression for `record`, or `_MISSING` when a field is absent."""
        try:
            return _eval(self.tree, record)
        except _Vacuous:
            return _MISSING


@dataclass(frozen=True)
class Lifecycle:
    """Fields that must (or must not) be present while `when` holds."""

    when: Expr
    require: tuple[str, ...] = ()
    forbid: tuple[str, ...] = ()


@dataclass(frozen=True)
class Paging:
    """How a list operation pages: `offset` (from/limit) or `page` (number/size + token links).

    `offset_param` names the parameter choosing the position: the record offset (`offset`
    style) or the page number (`page` style, whose later pages are reached through `links`).
    """

    style: str
    limit_param: str
    default_limit: int
    max_limit: int
    offset_param: str = ""
    total: str = ""  # body path of the reported total, if the API reports one
    clamp: bool = False  # True: out-of-range limits are clamped (plugNmeet), not rejected
    links: str = ""  # body path of next/prev/first/self links


@dataclass(frozen=True)
class Ordering:
    """The request parameter choosing the order and the record field it sorts by.

    `param` '' means the order is fixed (`default`), e.g. SignalWire lists newest first.
    """

    param: str
    field: str
    default: str = "DESC"


@dataclass(frozen=True)
class Filter:
    """A request parameter (query, path or body) restricting records: `in` a list, `eq` a value."""

    param: str
    field: str
    match: str = "eq"
    # the filter holds only when none of these parameters is given (plugNmeet: a room_sid
    # replaces the room_ids filter instead of narrowing it)
    unless: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """How the rule is named in `Rules.sources` and docs/contract.md."""
        tail = f" unless {', '.join(self.unless)}" if self.unless else ""
        return f"filter {self.param} {self.match} {self.field}{tail}"


@dataclass(frozen=True)
class Rules:
    """Everything x-recmock says about one operation."""

    items: str = ""  # body path of the record list ('' = the body's `data` object is one record)
    record: str = ""  # body path of a single record for detail operations
    paging: Paging | None = None
    ordering: Ordering | None = None
    filters: tuple[Filter, ...] = ()
    invariants: tuple[Expr, ...] = ()  # per record
    document_invariants: tuple[Expr, ...] = ()  # on the whole 2xx body
    lifecycle: tuple[Lifecycle, ...] = ()
    errors: Mapping[str, Any] = field(default_factory=dict)
    # rule label (see `label`) -> where the provider states it (promises) or why (world)
    sources: Mapping[str, str] = field(default_factory=dict)

    def labels(self) -> list[str]:
        """One label per rule, in spec order: what `sources` is keyed by."""
        found = ["paging"] if self.paging else []
        found += ["ordering"] if self.ordering else []
        found += [f.label for f in self.filters]
        found += [f"invariant {e.source}" for e in self.invariants]
        found += [f"document invariant {e.source}" for e in self.document_invariants]
        found += [_lifecycle_label(r) for r in self.lifecycle]
        return found


@dataclass(frozen=True)
class Contract:
    """One operation's x-recmock block, split: what the provider promises, what the mock chose."""

    promises: Rules
    world: Rules

    @property
    def rules(self) -> Rules:
        """Everything the mock obeys: the promises and its own world choices together."""
        p, w = self.promises, self.world
        return Rules(
            items=p.items,
            record=p.record,
            paging=p.paging or w.paging,
            ordering=p.ordering or w.ordering,
            filters=p.filters + w.filters,
            invariants=p.invariants + w.invariants,
            document_invariants=p.document_invariants + w.document_invariants,
            lifecycle=p.lifecycle + w.lifecycle,
            errors={**w.errors, **p.errors},
            sources={**w.sources, **p.sources},
        )


PAGING_STYLES = ("offset", "page")
MATCHES = ("eq", "in")
ORDERS = ("ASC", "DESC")
_LIFECYCLE_KEYS = ("when", "require", "forbid")
_STRUCTURE_KEYS = ("items", "record")
_BLOCKS = ("promises", "world")
_NOTE = {"promises": "source", "world": "why"}  # the key naming a rule's provenance per block


def parse_expr(source: Any, where: str) -> Expr:
    """Parse and vet one expression, naming the spec field on error."""
    if not isinstance(source, str):
        raise SpecError(f"{where}: expected an expression string, got {source!r}")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise SpecError(f"{where}: {source!r}: not a rule expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise SpecError(f"{where}: {source!r}: {type(node).__name__} is not allowed in rules")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
        ):
            raise SpecError(f"{where}: {source!r}: only {sorted(_FUNCTIONS)} may be called")
        if isinstance(node, ast.Attribute) and not isinstance(node.value, ast.Name | ast.Attribute):
            raise SpecError(f"{where}: {source!r}: .{node.attr} must follow a field path")
        if isinstance(node, ast.Constant) and not isinstance(
            node.value, str | int | float | type(None)
        ):
            raise SpecError(f"{where}: {source!r}: constant {node.value!r} is not allowed")
    return Expr(source, tree)


def parse_contract(raw: Any, where: str) -> Contract:
    """Turn an `x-recmock` mapping into a `Contract`; errors name the exact field.

    Top-level keys are structure (`items`, `record`) and the two blocks. Every promise names
    its `source`; a rule written outside both blocks is refused, since nobody could tell
    whether verify may assert it.
    """
    if not raw:
        return Contract(Rules(), Rules())
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {type(raw).__name__}")
    unknown = set(raw) - {*_STRUCTURE_KEYS, *_BLOCKS}
    if unknown:
        raise SpecError(
            f"{where}: unknown keys {sorted(unknown)}; expected {list(_STRUCTURE_KEYS)} and "
            f"the blocks `promises` (asserted by verify, each with a source) and `world` "
            f"(the mock's own choices)"
        )
    structure = {k: raw[k] for k in _STRUCTURE_KEYS if k in raw}
    blocks = {}
    for name in _BLOCKS:
        block = raw.get(name) or {}
        if not isinstance(block, Mapping):
            raise SpecError(f"{where}.{name}: expected a mapping, got {block!r}")
        inner = set(block) & set(_STRUCTURE_KEYS)
        if inner:
            raise SpecError(f"{where}.{name}: {sorted(inner)} belong at the top of x-recmock")
        blocks[name] = parse_rules(
            {**structure, **block}, f"{where}.{name}", note=_NOTE[name],
            need_note=name == "promises",
        )  # fmt: skip
    promises, world = blocks["promises"], blocks["world"]
    for key in ("paging", "ordering"):
        if getattr(promises, key) is not None and getattr(world, key) is not None:
            raise SpecError(f"{where}: {key} is in both `promises` and `world`; keep one")
    return Contract(promises, world)


def parse_rules(raw: Any, where: str, *, note: str = "why", need_note: bool = False) -> Rules:
    """Turn one flat block of rules into `Rules`; errors name the exact field.

    An entry is an expression string or a mapping `{rule: ..., <note>: ...}` (`note` is
    `source` in `promises`, `why` in `world`); with `need_note` every entry must carry it.
    """
    if not raw:
        return Rules()
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {type(raw).__name__}")
    known = set(Rules.__dataclass_fields__) - {"sources"}
    unknown = set(raw) - known
    if unknown:
        raise SpecError(
            f"{where}: unknown keys {sorted(unknown)}; expected some of {sorted(known)}"
        )
    notes = _Notes(note, need_note)
    paging = _build(Paging, notes.strip(raw.get("paging"), f"{where}.paging"), f"{where}.paging")
    if paging is not None:
        notes.keep("paging")
        _one_of(paging.style, PAGING_STYLES, f"{where}.paging.style")
        if not 1 <= paging.default_limit <= paging.max_limit:
            raise SpecError(
                f"{where}.paging: expected 1 <= default_limit <= max_limit, "
                f"got {paging.default_limit} and {paging.max_limit}"
            )
    at = f"{where}.ordering"
    ordering = _build(Ordering, notes.strip(raw.get("ordering"), at), at)
    if ordering is not None:
        notes.keep("ordering")
        _one_of(ordering.default, ORDERS, f"{where}.ordering.default")
    filters = []
    for i, entry in enumerate(_list(raw.get("filters"), f"{where}.filters")):
        at = f"{where}.filters[{i}]"
        found = _build(Filter, notes.strip(entry, at, bare=False), at)
        _one_of(found.match, MATCHES, f"{at}.match")
        unless = None if found.unless == () else found.unless
        found = replace(found, unless=_names(unless, f"{at}.unless"))
        notes.keep(found.label)
        filters.append(found)
    lifecycle = []
    for i, entry in enumerate(_list(raw.get("lifecycle"), f"{where}.lifecycle")):
        at = f"{where}.lifecycle[{i}]"
        if not isinstance(entry, Mapping) or "when" not in entry:
            raise SpecError(f"{at}: expected a mapping with `when`, got {entry!r}")
        entry = notes.strip(entry, at, bare=False)
        extra = set(entry) - set(_LIFECYCLE_KEYS)
        if extra:
            raise SpecError(
                f"{at}: unknown keys {sorted(extra)}; expected {[*_LIFECYCLE_KEYS, note]}"
            )
        rule = Lifecycle(
            when=parse_expr(entry["when"], f"{at}.when"),
            require=_names(entry.get("require"), f"{at}.require"),
            forbid=_names(entry.get("forbid"), f"{at}.forbid"),
        )
        notes.keep(_lifecycle_label(rule))
        lifecycle.append(rule)
    for key in _STRUCTURE_KEYS:
        if not isinstance(raw.get(key, ""), str):
            raise SpecError(f"{where}.{key}: expected a body path string, got {raw[key]!r}")
    errors = raw.get("errors", {})
    if not isinstance(errors, Mapping):
        raise SpecError(f"{where}.errors: expected a mapping, got {errors!r}")
    return Rules(
        items=raw.get("items", ""),
        record=raw.get("record", ""),
        paging=paging,
        ordering=ordering,
        filters=tuple(filters),
        invariants=_expressions(raw, "invariants", where, notes, "invariant"),
        document_invariants=_expressions(
            raw, "document_invariants", where, notes, "document invariant"
        ),
        lifecycle=tuple(lifecycle),
        errors=dict(errors),
        sources=notes.found,
    )


def _expressions(
    raw: Mapping[str, Any], key: str, where: str, notes: _Notes, kind: str
) -> tuple[Expr, ...]:
    found = []
    for i, entry in enumerate(_list(raw.get(key), f"{where}.{key}")):
        at = f"{where}.{key}[{i}]"
        entry = notes.strip(entry, at)
        if isinstance(entry, Mapping):
            extra = set(entry) - {"rule"}
            if extra or "rule" not in entry:
                raise SpecError(
                    f"{at}: expected `rule` and `{notes.key}`, got keys {sorted(entry)}"
                )
            entry = entry["rule"]
        expr = parse_expr(entry, at)
        notes.keep(f"{kind} {expr.source}")
        found.append(expr)
    return tuple(found)


def _lifecycle_label(rule: Lifecycle) -> str:
    parts = [f"when {rule.when.source}"]
    parts += [f"require {', '.join(rule.require)}"] if rule.require else []
    parts += [f"forbid {', '.join(rule.forbid)}"] if rule.forbid else []
    return "lifecycle " + "; ".join(parts)


class _Notes:
    """Collects each entry's provenance (`source` or `why`) while its rule is parsed."""

    def __init__(self, key: str, required: bool) -> None:
        self.key, self.required = key, required
        self.found: dict[str, str] = {}
        self._pending = ""

    def strip(self, entry: Any, where: str, *, bare: bool = True) -> Any:
        """`entry` without its note (remembered for `keep`); refuses a missing required one."""
        note: Any = ""
        if isinstance(entry, Mapping) and self.key in entry:
            note = entry[self.key]
            entry = {k: v for k, v in entry.items() if k != self.key}
        elif not (bare and isinstance(entry, str)) and not isinstance(entry, Mapping):
            return entry  # not a rule shape: the caller reports what is wrong with it
        if note == "" and self.required:
            shape = "a mapping with" if isinstance(entry, str) else "an entry with"
            raise SpecError(
                f"{where}: a promise needs {shape} `{self.key}`: the doc sentence or SDK type "
                f"that states it (or move it to `world`)"
            )
        if not isinstance(note, str):
            raise SpecError(f"{where}.{self.key}: expected a string, got {note!r}")
        self._pending = note.strip()
        return entry

    def keep(self, label: str) -> None:
        """File the note of the entry just stripped under its rule's label."""
        if self._pending:
            self.found[label] = self._pending
        self._pending = ""


def _build(cls: type, value: Any, where: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {value!r}")
    try:
        return cls(**value)
    except TypeError as exc:
        raise SpecError(f"{where}: {exc}") from None


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise SpecError(f"{where}: expected a list, got {value!r}")
    return value


def _names(value: Any, where: str) -> tuple[str, ...]:
    names = _list(value, where)
    bad = [n for n in names if not isinstance(n, str) or not n]
    if bad:
        raise SpecError(f"{where}: expected field paths (strings), got {bad!r}")
    return tuple(names)


def _one_of(value: Any, allowed: tuple[str, ...], where: str) -> None:
    if value not in allowed:
        raise SpecError(f"{where}: expected one of {list(allowed)}, got {value!r}")


def get_path(document: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted body path such as `result.recordings_list` ('' is the document)."""
    node = document
    for part in filter(None, path.split(".")):
        if not isinstance(node, Mapping) or part not in node:
            return default
        node = node[part]
    return node


def violations(rules: Rules, body: Any) -> list[str]:
    """Every rule the 2xx `body` breaks, as one-line explanations (empty when it conforms)."""
    problems = [f"{p}" for e in rules.document_invariants if (p := _problem(e, body))]
    for index, record in enumerate(records_of(rules, body)):
        where = f"{rules.items}[{index}]" if rules.items else rules.record
        problems += [f"{where}: {p}" for e in rules.invariants if (p := _problem(e, record))]
        for rule in rules.lifecycle:
            try:
                applies = rule.when.evaluate(record) is True
            except (TypeError, ValueError, ArithmeticError) as exc:
                problems.append(f"{where}: {rule.when.source} cannot be evaluated: {exc}")
                continue
            if not applies:
                continue
            for name in rule.require:
                if get_path(record, name) is None:
                    problems.append(f"{where}: {name} is required when {rule.when.source}")
            for name in rule.forbid:
                if get_path(record, name) is not None:
                    problems.append(
                        f"{where}: {name} must be absent or null when {rule.when.source}"
                    )
    return problems


def records_of(rules: Rules, body: Any) -> list[Mapping[str, Any]]:
    """The records a body carries: the list at `items`, or the one object at `record`."""
    if rules.items:
        found = get_path(body, rules.items)
        return [r for r in found if isinstance(r, Mapping)] if isinstance(found, list) else []
    if rules.record:
        found = get_path(body, rules.record)
        return [found] if isinstance(found, Mapping) else []
    return []


def _problem(expr: Expr, record: Any) -> str | None:
    """Why `record` breaks `expr`, or None when it holds (or is vacuous)."""
    try:
        value = expr.evaluate(record)
    except (TypeError, ValueError, ArithmeticError) as exc:
        return f"{expr.source} cannot be evaluated: {exc}"
    if value is _MISSING or value is True:
        return None
    return f"{expr.source} is false"


class _Vacuous(Exception):
    """A field the expression needs is absent or null."""


_ALLOWED_NODES = (
    ast.Compare, ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Name, ast.Attribute, ast.Constant,
    ast.List, ast.Tuple, ast.Call, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.USub, ast.And,
    ast.Or, ast.Not, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
)  # fmt: skip
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "sum": sum, "abs": abs, "min": min, "max": max,
}  # fmt: skip
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}  # fmt: skip
_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}


def _as_number(value: Any) -> Any:
    """RFC 3339 strings become unix seconds so that times compare and subtract."""
    if isinstance(value, str) and len(value) >= 19 and value[4] == "-" and value[10] in "Tt ":
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return value
        if moment.tzinfo is None:  # no offset: read as UTC, never as the machine's zone
            moment = moment.replace(tzinfo=UTC)
        return moment.timestamp()
    return value


_DECIMAL = re.compile(r"-?[0-9]{1,20}")
_IDENTITY_OPS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def _numeric_pair(a: Any, b: Any, *, ordered: bool) -> tuple[Any, Any]:
    """protojson writes int64 as a decimal string ("1699437612"): compare it as its number.

    Against a number always; against another decimal string only for <, <=, >, >= (so ids
    such as "007" and "7" stay different under ==).
    """

    def number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    def decimal(x: Any) -> bool:
        return isinstance(x, str) and _DECIMAL.fullmatch(x) is not None

    if (decimal(a) and (number(b) or (ordered and decimal(b)))) or (decimal(b) and number(a)):
        return (int(a) if decimal(a) else a), (int(b) if decimal(b) else b)
    return a, b


def _field(node: ast.expr, record: Any) -> Any:
    if isinstance(node, ast.Name):
        parent: Any = record
        name = node.id
    else:
        assert isinstance(node, ast.Attribute)
        parent = _field(node.value, record)
        name = node.attr
    if isinstance(parent, list):
        return [item.get(name) for item in parent if isinstance(item, Mapping)]
    if not isinstance(parent, Mapping) or parent.get(name) is None:
        raise _Vacuous
    return parent[name]


def _eval(node: ast.expr, record: Any) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name | ast.Attribute):
        return _as_number(_field(node, record))
    if isinstance(node, ast.List | ast.Tuple):
        return [_eval(e, record) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, record)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        # Short-circuit like Python, so `status != 'ERRORED' or stop_reason.reason == ...`
        # holds for other statuses even when the right-hand field is absent.
        wanted = isinstance(node.op, ast.Or)
        for operand in node.values:
            if bool(_eval(operand, record)) is wanted:
                return wanted
        return not wanted
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, record), _eval(node.right, record))
    if isinstance(node, ast.Call):
        assert isinstance(node.func, ast.Name)
        args = [_eval(a, record) for a in node.args]
        args = [
            [_as_number(x) for x in a if x is not None] if isinstance(a, list) else a for a in args
        ]
        return _FUNCTIONS[node.func.id](*args)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, record)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, record)
            a, b = _numeric_pair(left, right, ordered=not isinstance(op, _IDENTITY_OPS))
            try:
                if not _COMPARE[type(op)](a, b):
                    return False
            except TypeError:
                return False
            left = right
        return True
    raise _Vacuous
