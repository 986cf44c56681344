"""A small webhook receiver for tests: 127.0.0.1, a free port, records every request."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Receiver:
    """Records (path, headers, body) and answers `status_for(body)` (200 by default); answers
    Zoom's url_validation challenge with the HMAC written from Zoom's docs."""

    def __init__(
        self,
        zoom_secret: str = "",
        status_for: Callable[[dict], int] | None = None,
        delay_for: Callable[[dict], float] | None = None,
    ):
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.zoom_secret = zoom_secret
        self.status_for = status_for or (lambda body: 200)
        self.delay_for = delay_for or (lambda body: 0.0)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                outer.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()},
                                       body))  # fmt: skip
                parsed = json.loads(body)
                answer: dict[str, Any] = {}
                status = outer.status_for(parsed)
                time.sleep(outer.delay_for(parsed))  # a slow receiver
                if parsed.get("event") == "endpoint.url_validation":
                    plain = parsed["payload"]["plainToken"]
                    digest = hmac.new(outer.zoom_secret.encode(), plain.encode(), hashlib.sha256)
                    answer = {"plainToken": plain, "encryptedToken": digest.hexdigest()}
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[str]:
        """The `event` of every request so far."""
        return [json.loads(body)["event"] for _, _, body in self.requests]

    def wait_for(self, count: int, timeout: float = 15.0) -> None:
        """Until `count` requests arrived (fails after `timeout` seconds)."""
        deadline = time.monotonic() + timeout
        while len(self.requests) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.requests)} of {count} requests: {self.events()}")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
