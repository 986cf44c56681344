"""A small HTTP/1.1 keep-alive load generator, for machines without wrk (and for the soak).

Loopback only: it refuses any host outside 127.0.0.0/8 and ::1. Each of `connections`
coroutines sends one request at a time on its own socket and reads the full reply
(Content-Length or chunked), so the numbers mean the same as wrk's: requests/s over the run,
latency percentiles, and errors split into connection failures and non-2xx statuses.

    python benchmarks/loadgen.py plan.json   # plan: see `Plan`; prints one JSON line
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

RequestMaker = Callable[[int], bytes]


@dataclass
class Plan:
    """What to send: a fixed request or unique ones (a `{n}` in the path is the request number)."""

    host: str
    port: int
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    duration: float = 5.0
    connections: int = 32
    max_requests: int = 10_000_000


@dataclass
class Result:
    """Counts and latencies of one run."""

    requests: int = 0
    seconds: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    connect_errors: int = 0
    read_errors: int = 0
    latencies: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The figures compare.py reports, in wrk's units (seconds, requests/s)."""
        ordered = sorted(self.latencies)

        def pct(p: float) -> float:
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0

        non_2xx = sum(n for status, n in self.statuses.items() if not 200 <= status < 300)
        return {
            "requests": self.requests,
            "rps": self.requests / self.seconds if self.seconds else 0.0,
            "p50": pct(0.50),
            "p99": pct(0.99),
            "errors": self.connect_errors + self.read_errors + non_2xx,
            "non_2xx": non_2xx,
            "socket_errors": self.connect_errors + self.read_errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
        }


def require_loopback(host: str) -> None:
    """Load goes only to this machine: refuse anything outside the loopback range."""
    address = ipaddress.ip_address("127.0.0.1" if host == "localhost" else host)
    if not address.is_loopback:
        raise SystemExit(f"loadgen: refusing to send load to {host}: loopback addresses only")


def fixed_request(plan: Plan) -> RequestMaker:
    """The same request bytes every time (or `{n}` in the path replaced per request)."""
    body = plan.body.encode()
    head = [f"Host: {plan.host}:{plan.port}"] + [f"{k}: {v}" for k, v in plan.headers.items()]
    if body or plan.method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    tail = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    if "{n" not in plan.path:
        whole = f"{plan.method} {plan.path} HTTP/1.1\r\n".encode() + tail
        return lambda n: whole
    return lambda n: f"{plan.method} {plan.path.format(n=n)} HTTP/1.1\r\n".encode() + tail


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response: status, lower-case headers, body."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await reader.readexactly(size + 2))
            if size == 0:
                break
        body = b"".join(p[:-2] for p in parts)
    else:
        body = await reader.read()
    return status, headers, body


async def run(plan: Plan, make: RequestMaker | None = None) -> Result:
    """Drive the server for `plan.duration` seconds (or `max_requests`) and count."""
    require_loopback(plan.host)
    make = make or fixed_request(plan)
    result = Result()
    counter = iter(range(plan.max_requests))
    deadline = time.monotonic() + plan.duration

    async def worker() -> None:
        writer = None
        try:
            while time.monotonic() < deadline:
                n = next(counter, None)
                if n is None:
                    return
                if writer is None:
                    try:
                        reader, writer = await asyncio.open_connection(plan.host, plan.port)
                    except OSError:
                        result.connect_errors += 1
                        await asyncio.sleep(0.01)
                        continue
                started = time.perf_counter()
                try:
                    writer.write(make(n))
                    status, headers, _ = await read_response(reader)
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    result.read_errors += 1
                    writer.close()
                    writer = None
                    continue
                result.latencies.append(time.perf_counter() - started)
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if headers.get("connection", "").lower() == "close":
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    began = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(plan.connections)))
    result.seconds = time.monotonic() - began
    return result


def main(argv: list[str]) -> int:
    """Run the plan in argv[1] and print its summary as one JSON line."""
    with open(argv[1]) as handle:
        plan = Plan(**json.loads(handle.read()))
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    print(json.dumps(asyncio.run(run(plan)).summary()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
