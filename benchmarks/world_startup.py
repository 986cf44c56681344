"""How much a world of 100,000 recordings costs: server start-up and the first pages.

    python benchmarks/world_startup.py [--runs 3] [--scenario large] [--target 100000]

Starts `python -m recmock serve --scenario large` (20-40 sessions of 10-30 recordings per room,
an open world derived lazily) on a free loopback port, times it until /__recmock/health
answers, then times the first plugNmeet page over enough rooms to hold `--target` recordings
(room001, room002, ...), a plugNmeet page over 20 rooms, and a first SignalWire page. The room
list is sized in-process before the server starts, so sizing costs nothing in the figures.
Prints figures; asserts nothing (the issue's budget is one second each).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from recmock.auth import basic, plugnmeet_headers
from recmock.scenarios import FIXTURES_DIR, load_scenarios
from recmock.specs import load_specs
from recmock.world import DEFAULT_NOW, World

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def large_world(scenario: str, seed: int) -> World:
    """The scenario's world exactly as the server builds it (server seed and clock defaults)."""
    operations = [op for spec in load_specs() for op in spec.operations]
    return load_scenarios(FIXTURES_DIR, operations)[scenario].world(seed, DEFAULT_NOW)


def rooms_holding(world: World, target: int) -> tuple[list[str], int, int]:
    """Rooms room001, room002, ... until they hold `target` recordings: (rooms, recordings,
    sessions)."""
    rooms: list[str] = []
    recordings = sessions = 0
    while recordings < target:
        rooms.append(f"room{len(rooms) + 1:03d}")
        for key in world.room_sessions(rooms[-1]) or ():
            session = world.session(key)
            sessions += 1
            recordings += len(session.recordings) if session else 0
    return rooms, recordings, sessions


class Server:
    """`recmock serve` in a subprocess; `started_in` is seconds until health answered."""

    def __init__(self, scenario: str) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        command = [sys.executable, "-m", "recmock", "serve", "--port", self.url.rsplit(":", 1)[1],
                   "--scenario", scenario, "--log-level", "warning"]  # fmt: skip
        begun = time.perf_counter()
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=os.environ.copy(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        with httpx.Client(timeout=1) as client:
            while True:
                if self.process.poll() is not None:
                    raise SystemExit(f"recmock serve exited with {self.process.returncode}")
                try:
                    if client.get(self.url + "/__recmock/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.005)
        self.started_in = time.perf_counter() - begun

    def rss_mib(self) -> float:
        """Resident memory of the server process (Linux), or NaN."""
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return float("nan")
        line = next(x for x in status.splitlines() if x.startswith("VmRSS:"))
        return int(line.split()[1]) / 1024

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def timed(call: Callable[[], httpx.Response]) -> tuple[float, httpx.Response]:
    begun = time.perf_counter()
    response = call()
    return time.perf_counter() - begun, response


def plugnmeet_fetch(client: httpx.Client, rooms: list[str], **extra: object) -> httpx.Response:
    body = json.dumps({"room_ids": rooms, **extra}).encode()
    headers = plugnmeet_headers(body, "demo-key", "demo-secret")
    return client.post("/auth/recording/fetch", content=body, headers=headers)


def first_pages(url: str, rooms: list[str], session_id: str) -> dict[str, float]:
    """Seconds for each first request against a freshly started server, in this order."""
    figures: dict[str, float] = {}
    auth = basic("demo-project", "demo-token")
    path = f"/api/video/room_sessions/{session_id}/recordings"
    everything = f"over all {len(rooms)} rooms"
    with httpx.Client(base_url=url, timeout=120) as client:
        seconds, reply = timed(lambda: client.get(path, headers=auth))
        assert reply.status_code == 200, reply.text
        figures["first SignalWire page (page_size 50), cold"] = seconds
        seconds, reply = timed(lambda: plugnmeet_fetch(client, rooms, limit=20))
        total = reply.json()["result"]["total_recordings"]
        figures[f"first plugNmeet page {everything}, cold"] = seconds
        others = [f"room{n:03d}" for n in range(len(rooms) + 1, len(rooms) + 21)]
        seconds, reply = timed(lambda: plugnmeet_fetch(client, others, limit=20))
        assert reply.json()["status"], reply.text
        figures["first plugNmeet page over 20 other rooms, cold"] = seconds
        seconds, reply = timed(lambda: plugnmeet_fetch(client, rooms, limit=20, **{"from": 20}))
        assert reply.json()["result"]["total_recordings"] == total
        figures[f"second plugNmeet page {everything}, warm world"] = seconds
        seconds, _ = timed(lambda: plugnmeet_fetch(client, rooms, limit=20))
        figures["the first plugNmeet page again (replayed by the gateway)"] = seconds
    figures["plugNmeet total_recordings (uploaded only)"] = total
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="server starts to measure")
    parser.add_argument("--scenario", default="large")
    parser.add_argument("--target", type=int, default=100_000, help="recordings to cover")
    args = parser.parse_args()

    world = large_world(args.scenario, seed=0)
    rooms, recordings, sessions = rooms_holding(world, args.target)
    session_id = (world.room_sessions(rooms[0]) or ("",))[0]
    print(f"world: scenario {args.scenario!r}, {len(rooms)} rooms, {sessions} sessions, "
          f"{recordings} recordings (sized in-process, not timed)")  # fmt: skip

    runs: list[dict[str, float]] = []
    for _ in range(args.runs):
        server = Server(args.scenario)
        try:
            figures = {"server start-up until /__recmock/health answers": server.started_in}
            figures.update(first_pages(server.url, rooms, session_id))
            figures["server resident memory afterwards (MiB)"] = server.rss_mib()
            runs.append(figures)
        finally:
            server.stop()

    width = max(len(name) for name in runs[0])
    for name in runs[0]:
        values = [run[name] for run in runs]
        if name.startswith("plugNmeet total") or name.endswith("(MiB)"):
            print(f"  {name:<{width}}  {statistics.median(values):8.0f}")
            continue
        print(f"  {name:<{width}}  median {statistics.median(values) * 1000:7.1f} ms"
              f"   min {min(values) * 1000:7.1f} ms   ({len(values)} runs)")  # fmt: skip


if __name__ == "__main__":
    main()
