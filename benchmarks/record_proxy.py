"""The latency `recmock record` adds per request on loopback (issue 14: median under 2 ms).

The staging double (tests/verify/staging) runs in its own process as the target, `recmock
record signalwire` in another as the proxy; this process sends the same SignalWire request
alternately straight to the double and through the proxy (one keep-alive connection each, so
both see the same machine load), and reports the medians and their difference. Loopback only,
bounded by --requests; the proxy is stopped with SIGTERM and its scenario written to a
temporary directory.

    python benchmarks/record_proxy.py [--requests 1000] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
STAGING = ROOT / "tests" / "verify"
SESSION = "6c0e9a1f-2b3d-4e5f-8a9b-0c1d2e3f4a5b"  # the double's session A: seven recordings
AUTH = ("stg-sw-project", "stg-sw-TOKEN-7d02")  # the double's own test credentials


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait(url: str, process: subprocess.Popen[bytes]) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        if process.poll() is not None:
            raise SystemExit(f"{process.args!r} exited early")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise SystemExit(f"nothing answered at {url}")


def measure(requests: int) -> dict[str, float]:
    target_port, proxy_port = free_port(), free_port()
    out = Path(tempfile.mkdtemp(prefix="recmock-bench-")) / "bench.yaml"
    target = subprocess.Popen(
        [sys.executable, "-m", "staging", "--port", str(target_port)],
        cwd=STAGING, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    proxy = subprocess.Popen(
        [sys.executable, "-m", "recmock", "record", "signalwire", "--target",
         f"http://127.0.0.1:{target_port}/api/video", "--port", str(proxy_port), "--out", str(out)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
    )  # fmt: skip
    try:
        path = f"/api/video/room_sessions/{SESSION}/recordings?page_size=3"
        wait(f"http://127.0.0.1:{target_port}{path}", target)
        wait(f"http://127.0.0.1:{proxy_port}{path}", proxy)
        timings: dict[str, list[float]] = {"direct": [], "proxy": []}
        with httpx.Client(auth=AUTH) as direct, httpx.Client(auth=AUTH) as via:
            for client, port in ((direct, target_port), (via, proxy_port)):
                for _ in range(20):  # warm-up: connections, imports, caches
                    client.get(f"http://127.0.0.1:{port}{path}")
            for _ in range(requests):
                for name, client, port in (
                    ("direct", direct, target_port),
                    ("proxy", via, proxy_port),
                ):
                    started = time.perf_counter()
                    response = client.get(f"http://127.0.0.1:{port}{path}")
                    timings[name].append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text
    finally:
        proxy.send_signal(signal.SIGTERM)
        proxy.wait(timeout=30)
        target.terminate()
        target.wait(timeout=30)
    direct_ms = statistics.median(timings["direct"]) * 1000
    proxy_ms = statistics.median(timings["proxy"]) * 1000
    return {
        "requests": requests,
        "direct_median_ms": round(direct_ms, 3),
        "proxy_median_ms": round(proxy_ms, 3),
        "added_median_ms": round(proxy_ms - direct_ms, 3),
        "proxy_p90_ms": round(statistics.quantiles(timings["proxy"], n=10)[-1] * 1000, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="per side (max 20000)")
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    figures = measure(min(max(args.requests, 10), 20_000))
    for key, value in figures.items():
        print(f"{key:18} {value}")
    verdict = "meets" if figures["added_median_ms"] < 2.0 else "MISSES"
    print(f"added median {figures['added_median_ms']} ms: {verdict} the 2 ms target")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
