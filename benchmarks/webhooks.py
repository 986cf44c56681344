"""One clock advance that fires 1,000 webhooks, and what it does to API latency (issue 12, 7).

    python benchmarks/webhooks.py [--recordings 200] [--json out.json]

A `recmock serve --now fixed --webhook zoom=...` and the README's signature-checking receiver
(examples/zoom_webhook_receiver.py, its own process) on free loopback ports. 200 Zoom
recordings of 2 minutes are started through the admin API; four client threads then request
Zoom's list endpoint (over 200 session ids) while idle, and again from the `advance` of 15
minutes (5 events each: 1,000 webhooks) until the receiver has checked every signature.
Targets: delivery under 5 s; p99 under load within 2x of idle.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import jwt

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-webhook-secret"
TARGETS = {"delivery_s": 5.0, "p99_ratio": 2.0}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


def load(
    base: str, paths: list[str], stop: threading.Event, out: list[float], count: int = 0
) -> None:
    """Request `paths` round-robin until `stop` (or `count` requests), latencies into `out`."""
    token = jwt.encode({"iss": "demo-key", "exp": int(time.time()) + 3600}, "demo-secret")
    with httpx.Client(base_url=base, headers={"authorization": f"Bearer {token}"}) as client:
        i = 0
        while not stop.is_set() and (not count or i < count):
            started = time.perf_counter()
            client.get(paths[i % len(paths)], timeout=10)
            out.append(time.perf_counter() - started)
            i += 1


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recordings", type=int, default=200)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rport, sport = free_port(), free_port()
    scratch = tempfile.TemporaryDirectory()
    log_path = Path(scratch.name) / "receiver.log"
    # O_APPEND: reading the log here never moves where the receiver writes
    sink = log_path.open("a")
    receiver = subprocess.Popen(
        [sys.executable, str(ROOT / "examples/zoom_webhook_receiver.py"), str(rport), SECRET],
        stdout=sink,
        stderr=subprocess.STDOUT,
    )
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recmock",
            "serve",
            "--port",
            str(sport),
            "--now",
            "fixed",
            "--log-level",
            "warning",
            "--webhook",
            f"zoom=http://127.0.0.1:{rport}/zoom",
            "--zoom-webhook-secret",
            SECRET,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{sport}"
        wait_up(base + "/__recmock/health")
        paths = []
        for _ in range(args.recordings):
            body = {"provider": "zoom", "pauses": [{"at": "30s", "for": "10s"}]}  # 5 events
            made = httpx.post(base + "/__recmock/recordings", json=body, timeout=10).json()
            paths.append(made["read_back"]["path"])
        idle: list[float] = []
        threads = [
            threading.Thread(target=load, args=(base, paths, threading.Event(), idle, 150))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        busy: list[float] = []
        stop = threading.Event()
        threads = [threading.Thread(target=load, args=(base, paths, stop, busy)) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.2)
        started = time.perf_counter()
        fired = httpx.post(base + "/__recmock/clock", json={"advance": "15m"}, timeout=60).json()
        advance_s = time.perf_counter() - started
        expected = fired["fired"]
        while True:
            lines = log_path.read_text().splitlines()
            ok = sum(1 for line in lines if line.startswith("ok session."))
            if ok >= expected or time.perf_counter() - started > 60:
                break
            time.sleep(0.01)
        delivery_s = time.perf_counter() - started
        stop.set()
        for t in threads:
            t.join()
        bad = sum(1 for line in log_path.read_text().splitlines() if line.startswith("BAD"))
        rows = httpx.get(base + "/__recmock/deliveries", timeout=10).json()["deliveries"]
        states: dict[str, int] = {}
        for row in rows:
            states[row["state"]] = states.get(row["state"], 0) + 1
        errors = sorted({a["error"] for r in rows for a in r["attempts"] if a["error"]})[:3]
        result: dict[str, Any] = {
            "webhooks": expected,
            "received_ok": ok,
            "bad_signatures": bad,
            "advance_answer_s": round(advance_s, 3),
            "delivery_s": round(delivery_s, 3),
            "idle_p99_ms": round(p99(idle), 2),
            "busy_p99_ms": round(p99(busy), 2),
            "busy_requests": len(busy),
            "delivery_states": states,
            "errors": errors,
        }
        result["p99_ratio"] = round(result["busy_p99_ms"] / result["idle_p99_ms"], 2)
        result["targets"] = TARGETS
        result["met"] = (
            delivery_s < TARGETS["delivery_s"]
            and ok == expected
            and not bad
            and result["p99_ratio"] <= TARGETS["p99_ratio"]
        )
        print(json.dumps(result, indent=2))
        if args.json:
            args.json.write_text(json.dumps(result, indent=2))
        return 0 if result["met"] else 1
    finally:
        server.terminate()
        receiver.terminate()
        server.wait(10)
        receiver.wait(10)
        sink.close()
        scratch.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
