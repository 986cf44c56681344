"""`recmock serve --workers 2`: every worker answers every request with the same bytes.

Each worker builds its own mock from the same configuration and derives (and caches) its own
replies; determinism means none of that may show. A keep-alive connection stays with the worker
that accepted it, so the pid from /__recmock/health tells which worker served the requests that
follow on the same connection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import httpx

from recmock.auth import zoom_jwt

ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
SESSIONS = [str(uuid.UUID(int=n * 7919 + 11, version=4)) for n in range(6)]
TOKEN = zoom_jwt("demo-key", "demo-secret", ttl=3600)


def requests() -> list[tuple[str, str, dict[str, str], bytes]]:
    """A spread over every endpoint, scenarios, paging, errors and generated data."""
    basic = {"Authorization": "Basic " + base64.b64encode(b"demo-project:demo-token").decode()}
    out: list[tuple[str, str, dict[str, str], bytes]] = []
    for sid in SESSIONS:
        out.append(("GET", f"/api/video/room_sessions/{sid}/recordings?page_size=3", basic, b""))
        out.append(("GET", f"/v2/videosdk/sessions/{sid}/recordings?include_fields="
                    "download_access_token", {"Authorization": f"Bearer {TOKEN}"}, b""))  # fmt: skip
        out.append(("GET", f"/client/v4/accounts/{ACCOUNT}/realtime/kit/app/recordings/{sid}",
                    {"Authorization": "Bearer demo-token"}, b""))  # fmt: skip
    for room in ("room01", "room02", "room17"):
        body = json.dumps({"room_ids": [room], "limit": 5}).encode()
        sig = hmac.new(b"demo-secret", body, hashlib.sha256).hexdigest()
        out.append(("POST", "/auth/recording/fetch",
                    {"API-KEY": "demo-key", "HASH-SIGNATURE": sig}, body))  # fmt: skip
    page = f"/api/video/room_sessions/{SESSIONS[0]}/recordings"
    out += [
        ("GET", page + "?__scenario=large&page_size=25", basic, b""),
        ("GET", page + "?__scenario=in-progress", basic, b""),
        ("GET", page + "?__code=200&__dynamic=true", basic, b""),
        ("GET", page + "?page_size=0", basic, b""),
        ("GET", page, {}, b""),
        ("GET", "/api/video/openapi.json", {}, b""),
    ]
    return out


def test_every_worker_answers_with_the_same_bytes(start_server: Any) -> None:
    server = start_server("--workers", "2")
    wanted = requests()
    by_pid: dict[int, list[tuple[int, bytes]]] = {}
    deadline = time.monotonic() + 20  # the second worker may still be starting: wait, bounded
    while len(by_pid) < 2 and time.monotonic() < deadline:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            pid = client.get("/__recmock/health").json()["pid"]
            if pid in by_pid:
                time.sleep(0.05)
                continue
            by_pid[pid] = [
                (r.status_code, r.content)
                for r in (
                    client.request(method, path, headers=headers, content=body or None)
                    for method, path, headers, body in wanted
                )
            ]
    assert len(by_pid) == 2, f"only worker(s) {sorted(by_pid)} accepted connections"
    first, second = by_pid.values()
    assert [status for status, _ in first].count(200) >= len(wanted) // 2  # mostly real data
    for (method, path, _, _), one, other in zip(wanted, first, second, strict=True):
        assert one == other, f"{method} {path}: the workers disagree"


def test_many_fresh_connections_get_identical_bodies(start_server: Any) -> None:
    server = start_server("--workers", "2")
    method, path, headers, body = requests()[0]
    bodies = {
        httpx.request(method, server.url + path, headers=headers, content=body or None).content
        for _ in range(60)
    }
    assert len(bodies) == 1
