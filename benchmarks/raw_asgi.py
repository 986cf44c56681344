"""The ceiling: a bare ASGI app under uvicorn that answers each path with fixed bytes.

`compare.py` records recmock's reply for every benchmark case and hands the bodies to this
app through `RAW_ASGI_BODIES` (a JSON file: path -> body file), so both servers send the same
bytes over the same uvicorn, loop and HTTP parser. It does nothing a server could do less of:
drain the request, look the path up, send one start and one body message.

    RAW_ASGI_BODIES=bodies.json uvicorn benchmarks.raw_asgi:app --log-level warning
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Message = MutableMapping[str, Any]
BODIES_ENV = "RAW_ASGI_BODIES"


def _load() -> dict[str, tuple[list[tuple[bytes, bytes]], bytes]]:
    manifest = os.environ.get(BODIES_ENV)
    files: dict[str, str] = json.loads(Path(manifest).read_text()) if manifest else {}
    out = {}
    for path, body_file in files.items():
        body = Path(body_file).read_bytes()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        out[path] = (headers, body)
    return out


RESPONSES = _load()
FALLBACK = ([(b"content-type", b"application/json"), (b"content-length", b"2")], b"{}")


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Answer every HTTP request with the recorded bytes for its path."""
    if scope["type"] != "http":
        return  # lifespan: nothing to set up
    more = True
    while more:  # drain the body, as any real server must before answering
        message = await receive()
        more = message.get("more_body", False) and message["type"] == "http.request"
    headers, body = RESPONSES.get(scope["path"], FALLBACK)
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
