"""Every `$ref` of a spec checked before anything follows one: local, resolvable, acyclic.

A spec file is input like any other: a `$ref` naming a URL would make the OpenAPI validator
fetch it, one naming `file:///.../.env` or `../../secrets` would read that file (and print it in
the validation error). recmock resolves only references within the file (`#/...`), so every
other `$ref` is refused here, one line naming the file and the JSON pointer of the `$ref`,
without reading or fetching its target. Dangling and cyclic references are reported the same way
instead of as a traceback from the validator.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from recmock.errors import SpecError


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _pointer(parts: tuple[str, ...]) -> str:
    return "".join(f"/{_escape(p)}" for p in parts) or "/"


def refs_in(node: Any, at: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """(location of the object holding it, value) for every string `$ref`, in document order."""
    if isinstance(node, Mapping):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield at, ref
        for key, value in node.items():
            if key != "$ref":
                yield from refs_in(value, (*at, str(key)))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from refs_in(item, (*at, str(index)))


# Keywords that make a validator resolve against another base or fetch: recmock inlines plain
# local $refs only, so it refuses them in schemas (literal values such as examples may hold
# any keys).
SCOPE_KEYWORDS = ("$id", "$dynamicRef")
_LITERALS = frozenset({"example", "value", "default", "const", "enum"})
_SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "schemas"})


def _scope_keyword(node: Any, at: tuple[str, ...] = ()) -> tuple[tuple[str, ...], str, str] | None:
    """The first (location, keyword, value) of a string `$id`/`$dynamicRef` in a schema."""
    if isinstance(node, Mapping):
        for keyword in SCOPE_KEYWORDS:
            value = node.get(keyword)
            if isinstance(value, str):
                return at, keyword, value
        # Under `properties` (and the like) every key names a schema, even `example`.
        literal = _LITERALS if not at or at[-1] not in _SCHEMA_MAPS else frozenset()
        children: Iterator[tuple[str, Any]] = (
            (str(k), v) for k, v in node.items() if k not in literal
        )
    elif isinstance(node, list):
        children = ((str(i), v) for i, v in enumerate(node))
    else:
        return None
    for key, child in children:
        found = _scope_keyword(child, (*at, key))
        if found is not None:
            return found
    return None


def _target(document: Mapping[str, Any], ref: str) -> tuple[str, ...] | str:
    """The path a local JSON pointer names, or what is wrong with it."""
    if not ref.startswith("#/"):
        return f"expected a JSON pointer within this file ('#/...'), got {ref!r}"
    node: Any = document
    parts = tuple(p.replace("~1", "/").replace("~0", "~") for p in ref[2:].split("/"))
    for index, key in enumerate(parts):
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            missing = _pointer(parts[: index + 1])
            return (
                f"expected a JSON pointer to something in this file, got {ref!r} "
                f"({missing} does not exist)"
            )
    return parts


def _outside(spec: Path, ref: str) -> str | None:
    """Why a non-local `$ref` is refused; its target is never read."""
    parts = urlsplit(ref)
    if parts.scheme or ref.startswith("//"):
        return f"{_LOCAL}, got the URL {ref!r} (recmock never fetches $refs)"
    folder = os.path.normpath(spec.parent.absolute())
    target = os.path.normpath(os.path.join(folder, unquote(parts.path)))
    if os.path.commonpath([folder, target]) != folder:
        return f"{_LOCAL}, got {ref!r}, which leaves the spec's folder"
    return f"{_LOCAL}, got {ref!r} (recmock does not follow $refs to other files)"


_LOCAL = "expected a reference within this file ('#/...')"


def check_refs(path: Path, document: Mapping[str, Any]) -> None:
    """Raise a one-line SpecError for the first `$ref` recmock cannot or will not resolve."""
    try:
        found = list(refs_in(document))
        scoped = _scope_keyword(document)
    except RecursionError:
        raise SpecError(f"{path}: expected a document nested less than ~900 levels deep") from None
    if scoped is not None:
        at, keyword, value = scoped
        raise SpecError(
            f"{path}: {keyword} at {_pointer(at)}: expected none (recmock resolves plain "
            f"'#/...' $refs within this file only), got {value!r}"
        )
    targets: dict[tuple[str, ...], tuple[str, ...]] = {}
    for at, ref in found:
        problem = None if ref.startswith("#") else _outside(path, ref)
        target = _target(document, ref) if problem is None else problem
        if isinstance(target, str):
            raise SpecError(f"{path}: $ref at {_pointer(at)}: {target}")
        targets[at] = target
    cyclic = _first_cycle(targets)
    if cyclic is not None:
        raise SpecError(
            f"{path}: $ref at {_pointer(cyclic)}: expected acyclic references (recmock inlines "
            f"them), got {'#' + _pointer(targets[cyclic])!r}, which leads back to this $ref"
        )


def _within(inner: tuple[str, ...], outer: tuple[str, ...]) -> bool:
    return inner[: len(outer)] == outer


def _first_cycle(targets: Mapping[tuple[str, ...], tuple[str, ...]]) -> tuple[str, ...] | None:
    """The location of a `$ref` whose target, inlined, leads back to that ref."""
    # Inlining a target inlines every $ref inside it: an edge from a ref to each of those.
    edges = {
        at: [other for other in targets if _within(other, target)] for at, target in targets.items()
    }
    done: set[tuple[str, ...]] = set()
    for start in targets:
        if start in done:
            continue
        path, on_path = [(start, iter(edges[start]))], {start}
        while path:  # iterative depth-first search: a long chain cannot overflow the stack
            at, following = path[-1]
            nxt = next(following, None)
            if nxt is None:
                path.pop()
                on_path.discard(at)
                done.add(at)
            elif nxt in on_path:
                return nxt
            elif nxt not in done:
                path.append((nxt, iter(edges[nxt])))
                on_path.add(nxt)
    return None
