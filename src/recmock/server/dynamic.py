"""`Prefer: dynamic=true` bodies: generated from the schema, then made to obey the x-recmock rules.

A schema alone allows a recording that is still `recording` yet has a `finished_at` and a size,
or a total that is not the sum of its parts. Generation knows nothing of rules, so each draw is
repaired the way a person would fix it: lifecycle first (drop what a status forbids, fill in
what it requires), then each broken invariant of a simple form by moving the one field it
compares (`b` in `a <= b`, `total` in `total == sum(...)`, `d` in `abs(d - (b - a)) <= 1`).
What repair cannot reach (`(status == 'ERRORED') == (...)`) is left to a fresh draw: a few
seeded attempts, the first body without violations wins. Same request, same bytes.
"""

from __future__ import annotations

import ast
import math
import random
from collections.abc import MutableMapping
from typing import Any

from recmock.generate import Context, Pools, Schema, derive_int, from_schema, rfc3339
from recmock.rules import Expr, Lifecycle, Rules, get_path, records_of, violations

ATTEMPTS = 32
PASSES = 4  # fixing one invariant can break one that was checked before it


def dynamic_body(schema: Schema, rules: Rules, seed: int, pools: Pools, now: int) -> Any:
    """A schema-valid body for `seed` that breaks none of `rules` (or, failing that after
    ATTEMPTS draws, the draw that breaks fewest)."""
    best: tuple[int, Any] | None = None
    for attempt in range(ATTEMPTS):
        ctx = Context(random.Random(derive_int(seed, "dynamic", attempt)), pools, now)
        body = from_schema(schema, ctx)
        broken = repair(body, schema, rules, ctx)
        if not broken:
            return body
        if best is None or broken < best[0]:
            best = (broken, body)
    assert best is not None
    return best[1]


def repair(body: Any, schema: Schema, rules: Rules, ctx: Context) -> int:
    """Fix `body` in place as far as simple moves allow; the number of violations left."""
    record_schema = _record_schema(schema, rules)
    for _ in range(PASSES):
        for record in records_of(rules, body):
            if isinstance(record, MutableMapping):
                _lifecycle(rules.lifecycle, record, record_schema, ctx)
                for expr in rules.invariants:
                    _fix(expr.tree, record)
        for expr in rules.document_invariants:
            _fix(expr.tree, body)
        left = len(violations(rules, body))
        if not left:
            return 0
    return left


def _lifecycle(rules: tuple[Lifecycle, ...], record: MutableMapping[str, Any],
               schema: Schema | None, ctx: Context) -> None:  # fmt: skip
    for rule in rules:
        try:
            applies = rule.when.evaluate(record) is True
        except (TypeError, ValueError, ArithmeticError):
            continue
        if not applies:
            continue
        for name in rule.forbid:
            parent, key = _parent(record, name)
            if parent is not None and parent.get(key) is not None:
                field = _field_schema(schema, name) or {}
                if _nullable(field):
                    parent[key] = None  # required-but-nullable APIs write "not yet" as null
                else:
                    del parent[key]
        for name in rule.require:
            parent, key = _parent(record, name)
            wanted = _field_schema(schema, name)
            if parent is not None and parent.get(key) is None and wanted is not None:
                parent[key] = from_schema(_non_null(wanted), ctx, field=name)


def _fix(node: ast.expr, doc: Any) -> None:
    """Move one field so that the comparison `node` holds (no-op when it holds or is vacuous)."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And):
        for operand in node.values:
            _fix(operand, doc)
        return
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1):
        return
    if _holds(node, doc):
        return
    left, op, right = node.left, node.ops[0], node.comparators[0]
    if not isinstance(op, ast.Lt | ast.LtE | ast.Gt | ast.GtE | ast.Eq):
        return
    # abs(d - (b - a)) <= c: d is the dependent field (a duration).
    if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == "abs":
        inner = left.args[0] if left.args else None
        if isinstance(inner, ast.BinOp) and isinstance(inner.op, ast.Sub) and _is_field(inner.left):
            _assign(doc, inner.left, _value(inner.right, doc))
        return
    shift = 1 if isinstance(op, ast.Lt | ast.Gt) else 0  # strict: one unit past the bound
    upward = isinstance(op, ast.Lt | ast.LtE | ast.Eq)
    # `a <= b` between two fields moves the later one (b); `x <= 100` moves the field.
    movable_right = upward and not isinstance(left, ast.Constant)
    if _is_field(right) and (movable_right or not _is_field(left)):
        target, source, offset = right, left, shift if upward else -shift
    elif _is_field(left):
        target, source, offset = left, right, -shift if upward else shift
    else:
        return
    value = _value(source, doc)
    if value is not None:
        _assign(doc, target, value + offset)


def _holds(node: ast.expr, doc: Any) -> bool:
    try:
        return Expr("", node).evaluate(doc) is not False
    except (TypeError, ValueError, ArithmeticError):
        return True  # cannot be evaluated: nothing a numeric move could fix


def _value(node: ast.expr, doc: Any) -> float | None:
    try:
        value = Expr("", node).evaluate(doc)
    except (TypeError, ValueError, ArithmeticError):
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    return float(value) if is_number and math.isfinite(value) else None


def _assign(doc: Any, node: ast.expr, value: float | None) -> None:
    """Write `value` into the field `node` names, in the field's own form (RFC 3339 or number)."""
    if value is None:
        return
    parent, key = _parent(doc, ".".join(_path(node)))
    if parent is None or key not in parent:
        return
    current = parent[key]
    if isinstance(current, bool):
        return
    if isinstance(current, str):
        if _is_time(current):
            parent[key] = rfc3339(math.ceil(value))
    elif isinstance(current, int):
        parent[key] = math.ceil(value)
    elif isinstance(current, float):
        parent[key] = value


def _is_time(text: str) -> bool:
    """True for an RFC 3339 string, which rules read as unix seconds."""
    return Expr("", ast.Name(id="v")).evaluate({"v": text}) != text


def _path(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Name):
        return [node.id]
    assert isinstance(node, ast.Attribute)
    return [*_path(node.value), node.attr]


def _is_field(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) or (isinstance(node, ast.Attribute) and _is_field(node.value))


def _parent(doc: Any, dotted: str) -> tuple[MutableMapping[str, Any] | None, str]:
    """The mapping holding the last part of `dotted`, and that part ('' parts: none)."""
    head, _, key = dotted.rpartition(".")
    parent = get_path(doc, head) if head else doc
    return (parent if isinstance(parent, MutableMapping) else None), key


def _record_schema(schema: Schema, rules: Rules) -> Schema | None:
    path = rules.items or rules.record
    found = _field_schema(schema, path) if path else None
    if found is not None and rules.items:
        found = _non_null(found).get("items")
    return found


def _field_schema(schema: Schema | None, dotted: str) -> Schema | None:
    node = schema
    for part in filter(None, dotted.split(".")):
        if node is None:
            return None
        node = _object(node).get("properties", {}).get(part)
    return node


def _object(schema: Schema) -> Schema:
    """The object branch of a schema (oneOf/anyOf with null, allOf merged)."""
    schema = _non_null(schema)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            merged["properties"] = {**merged.get("properties", {}),
                                    **_object(part).get("properties", {})}  # fmt: skip
        return merged
    return schema


def _non_null(schema: Schema) -> Schema:
    for key in ("oneOf", "anyOf"):
        branches = [b for b in schema.get(key, ()) if b.get("type") != "null"]
        if branches:
            return _non_null(branches[0])
    return schema


def _nullable(schema: Schema) -> bool:
    kind = schema.get("type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    branches = [*schema.get("oneOf", ()), *schema.get("anyOf", ())]
    return any(b.get("type") == "null" for b in branches) or bool(schema.get("nullable"))
