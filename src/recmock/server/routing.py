"""Match a request path to an operation, or to the provider that owns the prefix. Pure.

Some official SDKs percent-encode the whole path again (Zoom's `@zoom/rivet` VideoSdkClient
sends `/v2/%252Fvideosdk%252Fsessions%252F...`), so a path that matches nothing is decoded
until stable and routed again. Decoding never opens a traversal: a decoded `.` or `..` segment
stays a 404.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import quote, unquote

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
    path: str = ""  # when the request path had to be decoded: the path to serve it as


class Router:
    """Compiled path templates of every served operation."""

    def __init__(self, operations: Iterable[Operation]) -> None:
        self._routes: list[tuple[re.Pattern[str], Operation]] = []
        self._spanning: list[tuple[re.Pattern[str], Operation]] = []
        self._prefixes: list[tuple[str, str]] = []
        for op in operations:
            # As in Starlette's router, a parameter never spans '/'.
            escaped = re.escape(op.full_path)
            pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", escaped)
            self._routes.append((re.compile(f"^{pattern}\\Z"), op))
            # Once a whole path was decoded, an id's own '/' (Zoom's base64) is a real slash.
            spanning = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/].*?)", escaped)
            self._spanning.append((re.compile(f"^{spanning}\\Z"), op))
            self._prefixes.append((op.prefix + "/", op.provider))
        self._prefixes.sort(key=lambda p: -len(p[0]))

    def match(self, method: str, path: str) -> Route:
        """Route `method path`; a known prefix with an unknown path or method names its provider.

        A path that matches nothing but holds percent-escapes is decoded until stable and
        routed again; the Route then says which (re-encoded) path to serve it as.
        """
        route = self._match(self._routes, method, path)
        if route.status != 404 or "%" not in path:
            return route
        decoded = decode_path(path)
        if decoded is None or decoded == path:
            return route
        for table in (self._routes, self._spanning):
            again = self._match(table, method, decoded)
            if again.operation is not None:
                return replace(again, path=_fill(again.operation.full_path, again.path_params))
            if again.status == 405:
                return again
        return route

    def _match(
        self, routes: list[tuple[re.Pattern[str], Operation]], method: str, path: str
    ) -> Route:
        allowed: list[str] = []
        for pattern, op in routes:
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


def decode_path(path: str, rounds: int = 4) -> str | None:
    """`path` percent-decoded until stable, empty segments dropped; None when a decoded
    segment is `.` or `..` (a traversal, never routed)."""
    for _ in range(rounds):
        decoded = unquote(path, errors="strict") if _valid_escapes(path) else path
        if decoded == path:
            break
        path = decoded
    segments = path.split("/")
    if any(s in (".", "..") for s in segments):
        return None
    return "/" + "/".join(s for s in segments if s)


def _valid_escapes(path: str) -> bool:
    try:
        unquote(path, errors="strict")
    except UnicodeDecodeError:
        return False
    return True


def _fill(template: str, params: dict[str, str]) -> str:
    """The operation's path with each parameter encoded once, as a direct client sends it."""
    return re.sub(r"\{(\w+)\}", lambda m: quote(params[m.group(1)], safe=""), template)
