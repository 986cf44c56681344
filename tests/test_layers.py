"""The architecture, enforced: imports point from the edges inward, never back, and never round.

Every module of src/recmock belongs to one layer (README "Layout"); a module may import its own
layer and the layers below, never above. Nothing below the edges imports a web framework or an
HTTP client. No two modules import each other, directly or round a cycle, counting imports made
inside functions and under TYPE_CHECKING too: a cycle hidden from the interpreter is still one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
# Bottom first. A new module must be placed here: the test names it until it is.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "source of truth",
        (
            "errors",
            "clock",
            "yaml_source",
            "spec_refs",
            "provenance",
            "resources",
            "specs",
            "rules",
        ),
    ),
    ("data", ("recording", "lifecycle", "world", "generate", "validation", "auth")),
    (
        "provider views",
        ("providers", "scenario_format", "scenarios", "state", "media", "webhooks"),
    ),
    (
        "request pipeline",
        ("server.pipeline", "server.routing", "server.conformance", "server.dynamic"),
    ),
    (
        "edges",
        (
            "server",
            "webhooks.delivery",
            "verify",
            "drift",
            "record",
            "report",
            "cli",
            "cli_values",
            "pytest_plugin",
            "__main__",
        ),
    ),
]
WEB = ("connexion", "starlette", "uvicorn", "httpx", "httpcore", "requests", "redis")
# Below the edges only these may reach the network or a server framework, and why.
WEB_ALLOWED = {"state.redis": {"redis"}}  # the shared-state backend is a Redis client


def modules() -> dict[str, Path]:
    """recmock's modules by dotted name below `recmock.` (packages as their __init__)."""
    out = {}
    for path in sorted((SRC / "recmock").rglob("*.py")):
        parts = path.relative_to(SRC / "recmock").with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name or "__init__"] = path
    return out


def layer_of(name: str) -> int | None:
    """The layer index of a module: the longest matching prefix wins."""
    best: tuple[int, int] | None = None
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            matches = name == prefix or name.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def imports(path: Path, name: str) -> set[str]:
    """Every module `path` imports (absolute names), wherever in the file the import is."""
    tree = ast.parse(path.read_text(), str(path))
    package = name.rsplit(".", 1)[0] if path.name != "__init__.py" else name
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ["recmock", *package.split(".")] if package else ["recmock"]
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            found.add(module)
            found |= {f"{module}.{alias.name}" for alias in node.names}
    return found


def internal_edges() -> dict[str, set[str]]:
    """module -> the recmock modules it imports (parent packages are not edges)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets = set()
        for imported in imports(path, name):
            if imported.startswith("recmock."):
                target = imported.removeprefix("recmock.")
                if target in known and target != name and not name.startswith(target + "."):
                    targets.add(target)
        graph[name] = targets
    return graph


def test_every_module_has_a_layer() -> None:
    """Unplaced modules are named: put each in LAYERS (and the README's Layout table)."""
    unplaced = [m for m in modules() if m != "__init__" and layer_of(m) is None]
    assert unplaced == []


def test_imports_point_inward() -> None:
    """No module imports a module of a higher layer."""
    wrong = []
    for name, targets in internal_edges().items():
        here = layer_of(name)
        for target in targets:
            there = layer_of(target)
            if here is not None and there is not None and there > here:
                wrong.append(f"{name} ({LAYERS[here][0]}) imports {target} ({LAYERS[there][0]})")
    assert wrong == []


def test_nothing_below_the_edges_imports_a_web_framework_or_client() -> None:
    """Pure core: serving and HTTP stay at the edges."""
    edges = len(LAYERS) - 1
    wrong = []
    for name, path in modules().items():
        if name == "__init__" or layer_of(name) == edges:
            continue
        allowed = WEB_ALLOWED.get(name, set())
        for imported in imports(path, name):
            root = imported.split(".")[0]
            if root in WEB and root not in allowed:
                wrong.append(f"{name} imports {imported}")
    assert wrong == []


def test_there_are_no_import_cycles() -> None:
    """Tarjan's strongly connected components over every import: none larger than one module."""
    graph = internal_edges()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [("verify.engine", 4), ("server.pipeline", 3), ("state.redis", 2), ("specs", 0)],
)
def test_layer_lookup_prefers_the_longest_prefix(name: str, expected: int) -> None:
    """`server.pipeline` is the request pipeline although `server` is an edge."""
    assert layer_of(name) == expected
