"""A small local Zoom webhook receiver that checks x-zm-signature, for the README walk-through.

    python examples/zoom_webhook_receiver.py 9000 demo-webhook-secret

Prints one line per request (`ok` or `BAD SIGNATURE` and the event), answers Zoom's
endpoint.url_validation challenge, and 401s anything unsigned. Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

SECRET = b""


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        stamp = self.headers.get("x-zm-request-timestamp", "")
        message = b"v0:" + stamp.encode() + b":" + body
        expected = "v0=" + hmac.new(SECRET, message, hashlib.sha256).hexdigest()
        given = self.headers.get("x-zm-signature", "")
        event = json.loads(body).get("event", "?")
        if not hmac.compare_digest(expected, given):
            print(f"BAD SIGNATURE {event}", flush=True)
            self._answer(401, {"error": "bad signature"})
            return
        print(f"ok {event}", flush=True)
        answer: dict[str, Any] = {}
        if event == "endpoint.url_validation":
            plain = json.loads(body)["payload"]["plainToken"]
            answer = {
                "plainToken": plain,
                "encryptedToken": hmac.new(SECRET, plain.encode(), hashlib.sha256).hexdigest(),
            }
        self._answer(200, answer)

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: Any) -> None:
        pass


if __name__ == "__main__":
    port, SECRET = int(sys.argv[1]), sys.argv[2].encode()
    HTTPServer(("127.0.0.1", port), Handler).serve_forever()
