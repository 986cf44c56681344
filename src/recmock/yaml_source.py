"""Read project YAML (fixtures, specs) so that no file can hang, bloat or leak the loader.

A fixture is written by anyone with commit access and read by a long-running server, so the
loader refuses, with `file:line`, what YAML allows but a mock must not serve: a FIFO or device
named `x.yaml` (reading it blocks forever), a symlink out of the project's folders (it would
read and echo any file), alias expansion beyond a small budget (591 bytes of "billion laughs"
expand to 691 MB per response), and duplicate keys (YAML keeps the last silently, so the file
does not mean what it says). Messages never quote the file's contents beyond a short excerpt.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

MAX_FILE_BYTES = 8 << 20
ALIAS_BUDGET = 10_000  # nodes that aliases may add beyond those written out; plenty for reuse
_MERGE = "tag:yaml.org,2002:merge"
_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a third faster


class SourceError(ValueError):
    """A file the loader refuses: `line` (1-based) when one place is to blame."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line

    def located(self, path: Path) -> str:
        """`path[:line]: message`, the form every loading error takes."""
        return f"{path}{f':{self.line}' if self.line else ''}: {self}"


def excerpt(value: Any, limit: int = 60) -> str:
    """`repr(value)`, cut to `limit` characters: an error names a value, never a whole file."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_text(path: Path, roots: Iterable[Path] = ()) -> str:
    """The UTF-8 text of a regular file; a symlink must resolve inside one of `roots` (or the
    file's own folder when none are given)."""
    allowed = [Path(r).resolve() for r in roots] or [path.parent.resolve()]
    if path.is_symlink():
        target = path.resolve()
        if not any(target == root or root in target.parents for root in allowed):
            raise SourceError(
                "is a symlink leaving the project's folders; expected a file inside "
                + " or ".join(str(r) for r in allowed)
            )
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; fstat then refuses it.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError("is not a regular file (a FIFO, device or folder); expected a file")
        if info.st_size > MAX_FILE_BYTES:
            raise SourceError(f"is {info.st_size} bytes; expected at most {MAX_FILE_BYTES}")
        data = handle.read(MAX_FILE_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SourceError(f"expected UTF-8, got an invalid byte at offset {exc.start}") from None


class _Checked(_BASE):
    """A safe loader that refuses duplicate keys and alias bombs before constructing."""

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> Any:
        if isinstance(node, yaml.MappingNode):
            seen: dict[tuple[str, str], int] = {}
            for key_node, _value in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _MERGE:
                    continue
                key = (key_node.tag, key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    raise SourceError(
                        f"{excerpt(key_node.value)}: duplicate key (first at line {seen[key]}); "
                        "expected each key once",
                        line,
                    )
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


class _Fixture(_Checked):
    """Timestamps stay the strings QA wrote: the scenario format takes str or int times."""


_Fixture.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in _BASE.yaml_implicit_resolvers.items()
}


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a document whose aliases add more than ALIAS_BUDGET nodes, or that is recursive.

    A composed document is a graph: an alias is a second reference to its anchor's node. The
    expanded size (what a serializer writes out) is computed once per distinct node.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()
    distinct = 0

    def size(node: yaml.Node) -> int:
        nonlocal distinct
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise SourceError("recursive alias: expected a tree", node.start_mark.line + 1)
        active.add(key)
        distinct += 1
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        active.discard(key)
        sizes[key] = total
        if total - distinct > ALIAS_BUDGET:
            raise SourceError(
                f"aliases expand to over {ALIAS_BUDGET} extra nodes; expected at most "
                f"{ALIAS_BUDGET} (write the values out or use fewer aliases)",
                node.start_mark.line + 1,
            )
        return total

    size(root)


def load(text: str, *, fixture: bool = False) -> Any:
    """Parse YAML safely (no objects, no alias bombs, no duplicate keys); `fixture` keeps
    timestamps as strings. Raises SourceError with the line."""
    try:
        return yaml.load(text, Loader=_Fixture if fixture else _Checked)
    except SourceError:
        raise
    except RecursionError:
        raise SourceError("nested too deeply; expected at most a few hundred levels") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or "cannot parse"
        raise SourceError(
            f"invalid YAML: {problem}", mark.line + 1 if mark is not None else None
        ) from None
