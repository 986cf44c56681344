"""Ranged GETs of a media link: recmock's media edge vs Starlette's FileResponse, one run.

    python benchmarks/media.py [--duration 5] [--connections 32] [--json out.json]

Both servers run the same uvicorn (recmock's protocol class: same head and timeout bounds),
one at a time on core 0 (`taskset`); the load generator (`loadgen.py`'s client, with a Range
header per request) runs on core 1. Every request carries a seeded Range, the same sequence
for both servers: 70% `bytes=a-(a+64KiB-1)` as players fetch, 15% open-ended `bytes=a-`, 15%
suffix `bytes=-n`. recmock serves a signed SignalWire `uri` (signature and expiry checked, the
world looked up, the request journaled); Starlette serves the same file from disk at `/file`.
Memory: resident set (VmRSS) before and after each run, and the peak (VmHWM), at 32 and at 256
connections. All traffic goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import loadgen  # benchmarks/ is not a package: found through sys.path

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
CHUNK = 64 * 1024


def ranges(length: int, count: int, seed: int = 7) -> list[str]:
    """The Range headers sent, in order (the same for every server)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.70:
            start = rng.randrange(0, length)
            out.append(f"bytes={start}-{start + CHUNK - 1}")
        elif roll < 0.85:
            out.append(f"bytes={rng.randrange(0, length)}-")
        else:
            out.append(f"bytes=-{rng.randrange(1, length)}")
    return out


def maker(path: str, port: int, headers: list[str]) -> loadgen.RequestMaker:
    """Request bytes with the n-th Range header."""
    heads = [
        f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nRange: {h}\r\n\r\n".encode()
        for h in headers
    ]
    return lambda n: heads[n % len(heads)]


def memory(pid: int) -> dict[str, float]:
    """VmRSS and VmHWM of a process, MiB."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(line.split()[1]) / 1024, 1)
    return out


@contextmanager
def server(cmd: list[str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    process = subprocess.Popen([*pin, *cmd], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://{HOST}:{port}/", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def measure(name: str, pid: int, path: str, port: int, args: argparse.Namespace,
            headers: list[str]) -> dict[str, Any]:  # fmt: skip
    row: dict[str, Any] = {"server": name}
    for connections in (args.connections, 256):
        before = memory(pid)
        plan = loadgen.Plan(HOST, port, "GET", path, duration=args.duration,
                            connections=connections)  # fmt: skip
        result = asyncio.run(loadgen.run(plan, maker(path, port, headers)))
        summary = result.summary()
        after = memory(pid)
        row[str(connections)] = {
            "rps": round(summary["rps"]), "p50_ms": round(summary["p50"] * 1000, 2),
            "p99_ms": round(summary["p99"] * 1000, 2), "statuses": summary["statuses"],
            "socket_errors": summary["socket_errors"], "rss_before_mib": before["VmRSS"],
            "rss_after_mib": after["VmRSS"], "peak_mib": after["VmHWM"],
        }  # fmt: skip
    return row


def serve_file(path: str, port: int) -> None:
    """The comparator: Starlette's FileResponse for the same file, under the same uvicorn."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import FileResponse, PlainTextResponse
    from starlette.routing import Route

    from recmock.server import limits

    async def media(request: Any) -> FileResponse:
        return FileResponse(path, media_type="video/mp4")

    async def root(request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/file", media), Route("/", root)])
    uvicorn.run(app, host=HOST, port=port, log_level="warning", http=limits.PROTOCOL,
                timeout_keep_alive=5)  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", default="")
    parser.add_argument("--serve-file", default="", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_file:
        serve_file(args.serve_file, args.port)
        return 0
    from recmock.media.assets import FILES, asset

    if hasattr(os, "sched_setaffinity") and shutil.which("taskset"):
        os.sched_setaffinity(0, {1})  # the load generator's core
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    data = asset("mp4").data
    file_path = str(ROOT / "src/recmock/media/files" / FILES["mp4"][0])
    headers = ranges(len(data), 4096)
    rows = []
    port = free_port()
    recmock = [sys.executable, "-m", "recmock", "serve", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    with server(recmock, port) as process:
        listed = httpx.get(
            f"http://{HOST}:{port}/api/video/room_sessions/{SESSION}/recordings?media_ttl=604800",
            auth=("demo-project", "demo-token"),
        ).json()
        uri = next(r["uri"] for r in listed["data"] if r["uri"])
        path = uri.split(str(port), 1)[1]
        check = httpx.get(uri, headers={"Range": "bytes=100-199"})
        assert check.status_code == 206 and check.content == data[100:200]
        rows.append(measure("recmock media edge", process.pid, path, port, args, headers))
    port = free_port()
    starlette = [sys.executable, str(Path(__file__).resolve()), "--serve-file", file_path,
                 "--port", str(port)]  # fmt: skip
    with server(starlette, port) as process:
        check = httpx.get(f"http://{HOST}:{port}/file", headers={"Range": "bytes=100-199"})
        assert check.status_code == 206 and check.content == data[100:200]
        rows.append(measure("starlette FileResponse", process.pid, "/file", port, args, headers))
    ratio = rows[0][str(args.connections)]["rps"] / max(1, rows[1][str(args.connections)]["rps"])
    report = {"file_bytes": len(data), "duration_s": args.duration, "rows": rows,
              "ratio_at_connections": round(ratio, 2)}  # fmt: skip
    print(json.dumps(report, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
