"""A bounded soak: 100,000 mixed requests against one `recmock serve` on loopback.

    python benchmarks/soak.py [--requests 100000] [--connections 16] [--max-seconds 900]

The mix covers all four endpoints, every shipped scenario (by header, query parameter and
`Prefer`), paging, generated (`dynamic`) bodies, the admin API and bad input of every kind in
tests/server/test_bad_input.py. Ids come from fixed pools (as a test suite's would), and a few
percent are fresh on every request, so caches fill up and must stay bounded. Criteria (issue 6):

- zero 5xx that nobody asked for (a `Prefer: code=500` or the `server-errors` scenario asks;
  those must still be the provider's documented JSON, never "internal error in recmock"),
- zero dropped connections (a connection closed or reset before its response was complete),
- RSS growth under 10% from request 10,000 to the last request.

Stops by itself after `--requests` or `--max-seconds`, whichever comes first; traffic goes
only to 127.0.0.1. Prints one summary (and writes it as JSON with `--json`).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from loadgen import read_response, require_loopback

from recmock.auth import zoom_jwt
from recmock.world import recording_id

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
BASIC = "Basic " + base64.b64encode(b"demo-project:demo-token").decode()
SCENARIOS = sorted(p.stem for p in (ROOT / "fixtures").glob("*.yaml"))
ASKS_FOR_5XX = "server-errors"


@dataclass
class Request:
    """One request of the mix, as bytes, and what it is allowed to answer."""

    kind: str
    data: bytes
    may_5xx: bool = False
    closes: bool = False  # the server answers and closes (protocol-level rejection, 413)


def http(method: str, path: str, headers: dict[str, str] | None = None, body: bytes = b"") -> bytes:
    """An HTTP/1.1 keep-alive request."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT"):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Mix:
    """Draws requests: weighted kinds over pooled ids, scenarios and controls."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        pool = random.Random(seed + 1)
        self.sessions = [str(uuid.UUID(int=pool.getrandbits(128), version=4)) for _ in range(400)]
        self.rooms = [f"room{n:02d}" for n in range(1, 41)] + [f"class-{n}" for n in range(20)]
        self.token = zoom_jwt("demo-key", "demo-secret", ttl=7200)
        self.kinds = [
            (24, self.signalwire), (14, self.plugnmeet), (14, self.zoom), (14, self.cloudflare),
            (6, self.dynamic), (4, self.prefer), (2, self.admin), (12, self.bad_request),
            (1, self.protocol_error), (0.05, self.too_large),
        ]  # fmt: skip
        self.weights = [w for w, _ in self.kinds]

    def draw(self) -> Request:
        """The next request."""
        make = self.rng.choices([k for _, k in self.kinds], self.weights)[0]
        request: Request = make()
        return request

    # ---- helpers -----------------------------------------------------------------------------

    def session(self) -> str:
        if self.rng.random() < 0.03:  # a fresh id: nothing cached can answer it
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        return self.rng.choice(self.sessions)

    def scenario(self) -> tuple[dict[str, str], str]:
        """A scenario choice by header, by query, or none (the active default); slow rarely."""
        name = self.rng.choice(SCENARIOS)
        if name == "slow" and self.rng.random() < 0.9:
            name = "default"  # 180 ms median each: keep it a small share of the run
        how = self.rng.random()
        if how < 0.4:
            return {}, ""
        if how < 0.7:
            return {"X-Recmock-Scenario": name}, name
        return {}, name

    def with_scenario(self, path: str, headers: dict[str, str]) -> tuple[str, dict[str, str], str]:
        extra, name = self.scenario()
        if name and not extra:
            path += ("&" if "?" in path else "?") + f"__scenario={name}"
        return path, {**headers, **extra}, name

    # ---- kinds -------------------------------------------------------------------------------

    def signalwire(self) -> Request:
        size = self.rng.choice([1, 5, 10, 50, 200])
        path = f"/api/video/room_sessions/{self.session()}/recordings?page_size={size}"
        if self.rng.random() < 0.2:
            path += f"&media_ttl={self.rng.choice([60, 900, 3600])}"
        path, headers, name = self.with_scenario(path, {"Authorization": BASIC})
        return Request("signalwire", http("GET", path, headers), may_5xx=name == ASKS_FOR_5XX)

    def plugnmeet(self) -> Request:
        fields: dict[str, Any] = {"room_ids": self.rng.sample(self.rooms, self.rng.randint(1, 3))}
        if self.rng.random() < 0.5:
            fields["limit"] = self.rng.choice([None, 1, 5, 20, 100, 500])
        if self.rng.random() < 0.3:
            fields["from"] = self.rng.choice([0, 3, 40])
        if self.rng.random() < 0.3:
            fields["order_by"] = self.rng.choice(["ASC", "DESC"])
        body = json.dumps(fields).encode()
        sig = hmac.new(b"demo-secret", body, hashlib.sha256).hexdigest()
        headers = {"API-KEY": "demo-key", "HASH-SIGNATURE": sig, "Content-Type": "application/json"}
        path, headers, name = self.with_scenario("/auth/recording/fetch", headers)
        return Request("plugnmeet", http("POST", path, headers, body), may_5xx=name == ASKS_FOR_5XX)

    def zoom(self) -> Request:
        sid = self.session()
        if self.rng.random() < 0.5:
            sid = base64.b64encode(uuid.UUID(sid).bytes).decode()
        path = f"/v2/videosdk/sessions/{sid.replace('/', '%2F')}/recordings"
        if self.rng.random() < 0.5:
            path += f"?include_fields=download_access_token&ttl={self.rng.choice([60, 86400])}"
        auth = {"Authorization": f"Bearer {self.token}"}
        path, headers, name = self.with_scenario(path, auth)
        return Request("zoom", http("GET", path, headers), may_5xx=name == ASKS_FOR_5XX)

    def cloudflare(self) -> Request:
        rec = recording_id(self.session(), self.rng.randint(0, 5))
        path = f"/client/v4/accounts/{ACCOUNT}/realtime/kit/app-1/recordings/{rec}"
        path, headers, name = self.with_scenario(path, {"Authorization": "Bearer demo-token"})
        return Request("cloudflare", http("GET", path, headers), may_5xx=name == ASKS_FOR_5XX)

    def dynamic(self) -> Request:
        path = f"/api/video/room_sessions/{self.session()}/recordings?page_size=3"
        prefer = {"Prefer": f"code=200, dynamic=true, x={self.rng.random()}"}
        return Request("dynamic", http("GET", path, {"Authorization": BASIC, **prefer}))

    def prefer(self) -> Request:
        code = self.rng.choice(["400", "401", "422", "429", "500", "999"])
        path = f"/api/video/room_sessions/{self.session()}/recordings"
        headers = {"Authorization": BASIC, "Prefer": f"code={code}"}
        return Request("prefer", http("GET", path, headers), may_5xx=code.startswith("5"))

    def admin(self) -> Request:
        choice = self.rng.choice(["health", "journal", "scenarios", "scenario"])
        path = f"/__recmock/{choice}" + ("?limit=5" if choice == "journal" else "")
        return Request("admin", http("GET", path))

    def bad_request(self) -> Request:
        sid = self.session()
        sw = f"/api/video/room_sessions/{sid}/recordings"
        pn = "/auth/recording/fetch"

        def signed(body: bytes) -> bytes:
            sig = hmac.new(b"demo-secret", body, hashlib.sha256).hexdigest()
            return http("POST", pn, {"API-KEY": "demo-key", "HASH-SIGNATURE": sig}, body)

        options = [
            lambda: signed(b'{"room_ids": ['),
            lambda: signed(b'{"room_ids":["\xff\xfe"]}'),
            lambda: signed(b"[" * 5000 + b"]" * 5000),
            lambda: signed(b'{"room_ids":["\\ud800"],"limit":1.0}'),
            lambda: signed(b""),
            lambda: http("POST", pn, {"API-KEY": "demo-key", "HASH-SIGNATURE": "0" * 64}, b"{}"),
            lambda: http("GET", sw + "?page_size=%E2%82%AC", {"Authorization": BASIC}),
            lambda: http("GET", sw + "?page_size=0&page_number=-1", {"Authorization": BASIC}),
            lambda: http(
                "GET", sw + "?page_number=2&page_token=PAforged", {"Authorization": BASIC}
            ),
            lambda: http("GET", sw, {"Authorization": "Basic !!!***"}),
            lambda: http("GET", sw, {"Authorization": BASIC, "X-Recmock-Scenario": "../../etc"}),
            lambda: http("GET", sw + "?__scenario=x%0d%0aSet-Cookie:a", {"Authorization": BASIC}),
            lambda: http("GET", "/api/video/room_sessions/%2e%2e%2f%2e%2e/recordings"),
            lambda: http("GET", sw.replace(sid, "%C0%AE%00"), {"Authorization": BASIC}),
            lambda: http("DELETE", sw, {"Authorization": BASIC}),
            lambda: http("GET", pn),
            lambda: http("GET", "/nowhere/" + "x" * self.rng.randint(1, 3000)),
            lambda: http(
                "GET", "/v2/videosdk/sessions/abc/recordings", {"Authorization": "Bearer a.b.c"}
            ),
            lambda: http(
                "GET",
                f"/client/v4/accounts/{'0' * 32}/realtime/kit/a/recordings/{sid}",
                {"Authorization": "Bearer demo-token"},
            ),
            lambda: http("GET", sw, {"Authorization": BASIC, "X-Big": "a" * 50_000}),
        ]
        return Request("bad-input", self.rng.choice(options)())

    def protocol_error(self) -> Request:
        options = [
            b"FOO / HTTP/1.1\r\nHost: x\r\n\r\n",
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03junk\r\n\r\n",
            b"POST /auth/recording/fetch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            b"zz\r\nabc\r\n0\r\n\r\n",
            b"GET /api/video?" + b"a=b&" * 20_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        ]
        return Request("protocol-error", self.rng.choice(options), closes=True)

    def too_large(self) -> Request:
        body = b'{"room_ids":["' + b"x" * (1 << 20) + b'"]}'
        headers = {"API-KEY": "demo-key", "HASH-SIGNATURE": "0" * 64}
        return Request(
            "too-large", http("POST", "/auth/recording/fetch", headers, body), closes=True
        )


@dataclass
class Tally:
    """What happened, request by request."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    unexpected_5xx: list[str] = field(default_factory=list)
    tracebacks: int = 0
    internal_errors: int = 0
    dropped: list[str] = field(default_factory=list)
    connect_errors: int = 0
    rss: list[tuple[int, float]] = field(default_factory=list)  # (requests done, MiB)


def rss_mib(pid: int) -> float:
    """Current resident set size of `pid`."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def soak(args: argparse.Namespace, port: int, pid: int) -> Tally:
    """Send the mix over `args.connections` keep-alive connections until a limit is reached."""
    require_loopback(HOST)
    mix, tally = Mix(args.seed), Tally()
    deadline = time.monotonic() + args.max_seconds
    next_sample = 0

    async def connection() -> None:
        nonlocal next_sample
        reader = writer = None
        while tally.sent < args.requests and time.monotonic() < deadline:
            if writer is None:
                try:
                    reader, writer = await asyncio.open_connection(HOST, port)
                except OSError:
                    tally.connect_errors += 1
                    await asyncio.sleep(0.05)
                    continue
            assert reader is not None
            request = mix.draw()
            tally.sent += 1
            tally.kinds[request.kind] += 1
            try:
                writer.write(request.data)
                status, headers, body = await asyncio.wait_for(read_response(reader), 30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError) as exc:
                tally.dropped.append(f"{request.kind}: {type(exc).__name__}: {request.data[:80]!r}")
                writer.close()
                writer = None
                continue
            tally.statuses[status] += 1
            if status >= 500 and not request.may_5xx:
                tally.unexpected_5xx.append(f"{status} {request.data[:120]!r}")
            if b"Traceback" in body or b'File "' in body:
                tally.tracebacks += 1
            if b"internal error in recmock" in body:
                tally.internal_errors += 1
            if headers.get("connection", "").lower() == "close" or request.closes:
                writer.close()
                writer = None
            if tally.sent >= next_sample:
                next_sample += 1000
                tally.rss.append((tally.sent, rss_mib(pid)))
        if writer is not None:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(args.connections)))
    tally.rss.append((tally.sent, rss_mib(pid)))
    return tally


def main() -> int:
    """Start the server, soak it, judge the criteria, stop the server."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--max-seconds", type=float, default=900)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    args.requests = min(args.requests, 1_000_000)
    args.max_seconds = min(args.max_seconds, 3600)
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import free_port

    port = free_port()
    command = [sys.executable, "-m", "recmock", "serve", "--host", HOST, "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"recmock-soak-{port}.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)  # fmt: skip
        try:
            import httpx

            for _ in range(300):
                try:
                    httpx.get(f"http://{HOST}:{port}/__recmock/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            began = time.monotonic()
            tally = asyncio.run(soak(args, port, server.pid))
            seconds = time.monotonic() - began
            alive = httpx.get(f"http://{HOST}:{port}/__recmock/health", timeout=5).status_code
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    log_text = log_path.read_text()
    at_10k = next((mib for done, mib in tally.rss if done >= 10_000), tally.rss[0][1])
    last = tally.rss[-1][1]
    growth = (last - at_10k) / at_10k
    summary: dict[str, Any] = {
        "requests": tally.sent,
        "seconds": round(seconds, 1),
        "req_per_s": round(tally.sent / seconds),
        "statuses": dict(sorted(tally.statuses.items())),
        "kinds": dict(tally.kinds.most_common()),
        "unexpected_5xx": len(tally.unexpected_5xx),
        "tracebacks_in_bodies": tally.tracebacks,
        "internal_errors": tally.internal_errors,
        "dropped_connections": len(tally.dropped),
        "connect_errors": tally.connect_errors,
        "tracebacks_in_server_log": log_text.count("Traceback"),
        "rss_mib_at_10k": round(at_10k, 1),
        "rss_mib_at_end": round(last, 1),
        "rss_mib_max": round(max(m for _, m in tally.rss), 1),
        "rss_growth": round(growth, 4),
        "server_alive_after": alive == 200,
        "examples": {"unexpected_5xx": tally.unexpected_5xx[:5], "dropped": tally.dropped[:5]},
    }
    passed = (
        summary["unexpected_5xx"] == 0
        and summary["dropped_connections"] == 0
        and summary["connect_errors"] == 0
        and summary["tracebacks_in_bodies"] == summary["internal_errors"] == 0
        and summary["tracebacks_in_server_log"] == 0
        and growth < 0.10
        and alive == 200
    )
    summary["passed"] = passed
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({**summary, "rss_samples": tally.rss}, indent=2))
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
