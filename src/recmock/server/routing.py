"""Match a request path to an operation, or to the provider that owns the prefix. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from recmock.specs import Operation

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Route:
    """The result of routing: an operation with its path parameters, or why there is none."""

    operation: Operation | None
    path_params: dict[str, str]
    provider: str | None  # whose prefix the path is under, for 404/405 in that provider's shape
    status: int = 200  # 404 no such path, 405 path exists but not for this method
    allow: tuple[str, ...] = ()


class Router:
    """Compiled path templates of every served operation."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._routes: list[tuple[re.Pattern[str], Operation]] = []
        self._prefixes: list[tuple[str, str]] = []
        for op in operations:
            # As in Starlette's router, a parameter never spans '/'.
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(op.full_path))
            self._routes.append((re.compile(f"^{pattern}\\Z"), op))
            self._prefixes.append((op.prefix + "/", op.provider))
        self._prefixes.sort(key=lambda p: -len(p[0]))

    def match(self, method: str, path: str) -> Route:
        """Route `method path`; a known prefix with an unknown path or method names its provider."""
        allowed: list[str] = []
        for pattern, op in self._routes:
            found = pattern.match(path)
            if found is None:
                continue
            if op.method == method or (method == "HEAD" and op.method == "GET"):
                params = found.groupdict()
                if any(_CONTROL.search(v) for v in params.values()):
                    # Connexion's router refuses these; answer as the provider answers any
                    # invalid parameter instead of letting two routers disagree.
                    return Route(op, params, op.provider, 400)
                return Route(op, params, op.provider)
            allowed.append(op.method)
        provider = next((name for prefix, name in self._prefixes if path.startswith(prefix)), None)
        if allowed:
            return Route(None, {}, provider, 405, tuple(sorted(set(allowed))))
        return Route(None, {}, provider, 404)
