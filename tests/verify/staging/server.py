"""The staging double as one ASGI app, served by uvicorn on a free loopback port.

Every provider lives under its real path prefix (`/auth`, `/api/video`, `/v2`, `/client/v4`),
so `recmock verify --base-url http://127.0.0.1:PORT/<prefix>` talks to it as to a deployment.
The app routes on the raw path itself: an encoded `/` inside an id stays in its segment, and
every answer, even "no such route", comes in the provider's shape rather than a framework's.

    python -m staging --port 8765 [--variant NAME]    (from tests/verify)
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import fields
from typing import Any

import uvicorn

from . import cloudflare, plugnmeet, signalwire, zoom
from .defects import bug_switch
from .exchange import Choices, Reply, Request, parse_query, split_path

Scope = MutableMapping[str, Any]
Handler = Callable[..., Reply]
PREFIXES: dict[str, tuple[str, Handler]] = {
    "/auth": ("plugnmeet", plugnmeet.fetch),
    "/api/video": ("signalwire", signalwire.recordings),
    "/v2": ("zoom", zoom.recordings),
    "/client/v4": ("cloudflare", cloudflare.recording),
}


class StagingApp:
    """ASGI app; `variant` (one defect name or None) and `choices` may change between runs."""

    def __init__(self, variant: str | None = None, choices: Choices | None = None) -> None:
        self.choices = choices or Choices()
        self.variant = variant
        self.requests = 0

    @property
    def variant(self) -> str | None:
        """The defect switched on, or None for the correct double."""
        return self._variant

    @variant.setter
    def variant(self, name: str | None) -> None:
        bug_switch("plugnmeet", name)  # refuses an unknown name now, not at the first request
        self._variant = name

    def handle(
        self, method: str, raw_path: bytes, query: bytes, headers: dict[str, str], body: bytes
    ) -> Reply:
        """The reply for one request (pure: no ASGI, so tests can call it directly)."""
        self.requests += 1
        path = raw_path.decode("latin-1")
        for prefix, (provider, handler) in PREFIXES.items():
            if path.startswith(prefix + "/"):
                segments = split_path(raw_path[len(prefix) :])
                base = f"http://{headers.get('host', '127.0.0.1')}{prefix}"
                request = Request(method, segments, parse_query(query), headers, body, base)
                return handler(request, bug_switch(provider, self.variant), self.choices)
        return Reply(404, b"not a provider prefix of the staging double", "text/plain")

    async def __call__(
        self,
        scope: Scope,
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        raw_path = scope.get("raw_path") or scope["path"].encode()
        answer = self.handle(
            scope["method"],
            raw_path.split(b"?", 1)[0],
            scope.get("query_string", b""),
            headers,
            body,
        )
        out = [
            (b"content-type", answer.content_type.encode()),
            (b"content-length", str(len(answer.body)).encode()),
            *((k.encode(), v.encode()) for k, v in answer.headers),
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": out})
        await send({"type": "http.response.body", "body": answer.body})


class ThreadedServer:
    """uvicorn serving `app` on 127.0.0.1:<free port> in a daemon thread; `stop()` ends it."""

    def __init__(self, app: StagingApp) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="error", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError(f"the staging double did not start on port {self.port}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Serve the double in the foreground, for tuning variants by hand."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--variant", default=None)
    names = [f.name for f in fields(Choices)]
    parser.add_argument(
        "--without", action="append", default=[], choices=names, help="a choice off"
    )
    args = parser.parse_args(argv)
    choices = Choices(**{name: name not in args.without for name in names})
    uvicorn.run(
        StagingApp(args.variant, choices),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
