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
(`a.b`, mapped over lists), numbers, strings, lists, comparisons, + - *, `len`, `sum`, `abs`,
`min`, `max`. RFC 3339 strings become unix seconds so times compare and subtract. A field that is
absent or null makes an invariant vacuous: presence is what `lifecycle` rules are for.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
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
    """How a list operation pages: `offset` (from/limit) or `page` (number/size + token links)."""

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
    """The request parameter choosing the order and the record field it sorts by."""

    param: str
    field: str
    default: str = "DESC"


@dataclass(frozen=True)
class Filter:
    """A request parameter that restricts records: `in` a list, or `eq` a value."""

    param: str
    field: str
    match: str = "eq"


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


def parse_expr(source: str, where: str) -> Expr:
    """Parse and vet one expression, naming the spec field on error."""
    try:
        tree = ast.parse(source, mode="eval").body
    except SyntaxError as exc:
        raise SpecError(f"{where}: {source!r}: not a rule expression: {exc.msg}") from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise SpecError(f"{where}: {source!r}: {type(node).__name__} is not allowed in rules")
        if isinstance(node, ast.Call) and not (
            isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS
        ):
            raise SpecError(f"{where}: {source!r}: only {sorted(_FUNCTIONS)} may be called")
    return Expr(source, tree)


def parse_rules(raw: Any, where: str) -> Rules:
    """Turn an `x-recmock` mapping into `Rules`; errors name the exact field."""
    if not raw:
        return Rules()
    if not isinstance(raw, Mapping):
        raise SpecError(f"{where}: expected a mapping, got {type(raw).__name__}")
    known = set(Rules.__dataclass_fields__)
    unknown = set(raw) - known
    if unknown:
        raise SpecError(
            f"{where}: unknown keys {sorted(unknown)}; expected some of {sorted(known)}"
        )

    def build(cls: type, key: str) -> Any:
        value = raw.get(key)
        if value is None:
            return None
        try:
            return cls(**value)
        except TypeError as exc:
            raise SpecError(f"{where}.{key}: {exc}") from None

    try:
        filters = tuple(Filter(**f) for f in raw.get("filters", []))
    except TypeError as exc:
        raise SpecError(f"{where}.filters: {exc}") from None
    lifecycle = tuple(
        Lifecycle(
            when=parse_expr(entry["when"], f"{where}.lifecycle[{i}].when"),
            require=tuple(entry.get("require", ())),
            forbid=tuple(entry.get("forbid", ())),
        )
        for i, entry in enumerate(raw.get("lifecycle", []))
    )
    return Rules(
        items=raw.get("items", ""),
        record=raw.get("record", ""),
        paging=build(Paging, "paging"),
        ordering=build(Ordering, "ordering"),
        filters=filters,
        invariants=tuple(
            parse_expr(s, f"{where}.invariants[{i}]")
            for i, s in enumerate(raw.get("invariants", []))
        ),
        document_invariants=tuple(
            parse_expr(s, f"{where}.document_invariants[{i}]")
            for i, s in enumerate(raw.get("document_invariants", []))
        ),
        lifecycle=lifecycle,
        errors=dict(raw.get("errors", {})),
    )


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
    problems = [f"{e.source} is false" for e in rules.document_invariants if _fails(e, body)]
    records = records_of(rules, body)
    for index, record in enumerate(records):
        where = f"{rules.items or rules.record}[{index}]" if rules.items else rules.record
        problems += [f"{where}: {e.source} is false" for e in rules.invariants if _fails(e, record)]
        for rule in rules.lifecycle:
            if rule.when.evaluate(record) is not True:
                continue
            for name in rule.require:
                if get_path(record, name) is None:
                    problems.append(f"{where}: {name} is required when {rule.when.source}")
            for name in rule.forbid:
                if get_path(record, name, _MISSING) is not _MISSING:
                    problems.append(f"{where}: {name} must be absent when {rule.when.source}")
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


def _fails(expr: Expr, record: Any) -> bool:
    value = expr.evaluate(record)
    return value is not _MISSING and value is not True


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
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return value
    return value


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
        values = [_eval(v, record) for v in node.values]
        return all(values) if isinstance(node.op, ast.And) else any(values)
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
            try:
                if not _COMPARE[type(op)](left, right):
                    return False
            except TypeError:
                return False
            left = right
        return True
    raise _Vacuous
