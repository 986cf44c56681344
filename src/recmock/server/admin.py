"""The /__recmock/ admin API: health, request journal, cache reset (scenarios extend it).

Answers only clients on loopback unless the server was started with admin enabled for all;
`--no-admin` turns everything but /health off.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

PREFIX = "/__recmock/"
LOOPBACK = ("127.", "::1", "localhost")


def is_loopback(client: tuple[str, int] | None) -> bool:
    """True for requests from this machine (and for in-process test clients)."""
    if client is None:
        return True
    host = client[0]
    return host.startswith(LOOPBACK) or host in ("testclient", "")


def journal_view(
    entries: Iterable[Mapping[str, Any]], query: Mapping[str, str]
) -> list[Mapping[str, Any]]:
    """Journal entries, newest last, filtered by `status`, `path` prefix and `limit`."""
    selected = list(entries)
    if "status" in query:
        selected = [e for e in selected if str(e["status"]) == query["status"]]
    if "path" in query:
        selected = [e for e in selected if str(e["path"]).startswith(query["path"])]
    if "operation" in query:
        selected = [e for e in selected if e.get("operation") == query["operation"]]
    limit = query.get("limit", "")
    if limit.isdigit():
        selected = selected[-int(limit) :] if int(limit) else []
    return selected
