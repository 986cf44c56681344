"""The shared state's cost and reach, in one run on this machine (issue 10, item 6).

    python benchmarks/state.py [--duration 5] [--connections 32] [--json out.json]

Servers, cores and load generator as in `compare.py` (server on core 0, wrk or loadgen.py on
core 1; `--workers 2` on both). Measured:

- repeated requests (signalwire-50), one worker, in-memory state vs the raw ASGI ceiling;
- the same with `--state redis://…` (a redis-server this script starts on a free loopback
  port, no persistence) vs in-memory;
- unique pages (signalwire-50-unique), `--workers 2` (SQLite state) vs one worker, and the
  workers' answers byte-identical to the single worker's;
- how soon an admin change is seen: PUT /__recmock/scenario on one worker (or replica), then
  requests on a connection held to the other one until the reply names the new scenario;
- the per-request cost of the state check itself (`version()`), per backend.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # benchmarks/ is not a package: imported from its own directory

TARGETS = {"repeated_vs_raw": 0.8, "workers_2_vs_1_unique": 1.8, "redis_vs_memory": 0.7,
           "visible_ms": 100.0}  # fmt: skip


def start_redis(work: Path) -> tuple[subprocess.Popen[bytes] | None, str]:
    """A throwaway redis-server on a free loopback port, or (None, why not)."""
    binary = shutil.which("redis-server")
    if binary is None:
        return None, "redis-server not installed"
    port = compare.free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", compare.HOST, "--save", "", "--appendonly", "no",
         "--dir", str(work)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((compare.HOST, port), timeout=0.2) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    return process, f"redis://{compare.HOST}:{port}/0"
        except OSError:
            time.sleep(0.05)
    process.kill()
    return None, "redis-server did not start"


def cpu_seconds(server: compare.Server) -> float:
    """User + system CPU time of the server's processes so far (its workers included)."""
    total = 0
    for pid in compare._tree(server.process.pid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def load(server: compare.Server, case: compare.Case, args: argparse.Namespace, work: Path,
         **extra: Any) -> compare.Run:  # fmt: skip
    """compare.load, plus the server's CPU time per request: a figure that other processes
    competing for the same cores (a busy CI machine) disturb far less than req/s."""
    before = cpu_seconds(server)
    run = compare.load(server, case, args, work, **extra)
    spent = cpu_seconds(server) - before
    run.note = f"{spent / max(run.requests, 1) * 1e6:.1f} us CPU/request"
    CPU[f"{run.server} {run.case}"] = spent / max(run.requests, 1) * 1e6
    return run


CPU: dict[str, float] = {}


def command(port: int, fixtures: Path, workers: int = 1, state: str = "") -> list[str]:
    extra = ["--state", state] if state else []
    return compare.recmock_command(port, fixtures, workers) + extra


def two_connections(port: int, seconds: float = 20) -> list[httpx.Client]:
    """Two keep-alive clients held by two different worker processes."""
    by_pid: dict[int, httpx.Client] = {}
    deadline = time.monotonic() + seconds
    while len(by_pid) < 2 and time.monotonic() < deadline:
        client = httpx.Client(base_url=f"http://{compare.HOST}:{port}", timeout=10)
        pid = client.get("/__recmock/health").json()["pid"]
        if pid in by_pid:
            client.close()
        else:
            by_pid[pid] = client
    if len(by_pid) < 2:
        raise RuntimeError("the second worker never accepted a connection")
    return list(by_pid.values())


def visibility(writer: httpx.Client, reader: httpx.Client, case: compare.Case,
               rounds: int = 20) -> dict[str, float]:  # fmt: skip
    """Milliseconds from sending a scenario PUT on `writer` until `reader` serves it, and how
    long the PUT itself took (it answers once every process can see the change)."""
    seen, answered, stale = [], [], 0
    for i in range(rounds):
        name = ("empty", "bench")[i % 2]
        begin = time.perf_counter()
        assert writer.put("/__recmock/scenario", json={"name": name}).status_code == 200
        answered.append((time.perf_counter() - begin) * 1000)
        first = True
        while True:
            got = reader.request(case.method, case.path, headers=case.headers)
            if got.headers.get("x-recmock-scenario") == name:
                break
            stale += first
            first = False
            if time.perf_counter() - begin > 5:
                raise RuntimeError("an admin change was not seen within 5 s")
        seen.append((time.perf_counter() - begin) * 1000)
    return {"put_answered_ms_median": statistics.median(answered),
            "visible_ms_max": max(seen), "visible_ms_median": statistics.median(seen),
            "stale_after_put_answered": stale}  # fmt: skip


def version_cost(redis_url: str) -> dict[str, float]:
    """Nanoseconds per `version()` call: the per-request state check of each backend."""
    from recmock.state import MemoryState, open_state
    from recmock.state import local as local_state

    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        shared = open_state(local_state.create(Path(scratch)))
        backends = {"memory": MemoryState(), "sqlite": shared}
        if redis_url.startswith("redis://"):
            backends["redis"] = open_state(redis_url)
        for name, state in backends.items():
            n = 200_000
            out[name] = timeit.timeit(state.version, number=n) / n * 1e9
            state.close()
    return out


def measure(args: argparse.Namespace) -> dict[str, Any]:
    case = next(c for c in compare.cases() if c.name == "signalwire-50")
    unique = next(c for c in compare.cases() if c.unique)
    result: dict[str, Any] = {"notes": [], "runs": []}
    with tempfile.TemporaryDirectory(prefix="recmock-state-bench-") as tmp:
        work = Path(tmp)
        fixtures = compare.prepare_fixtures(work)
        redis, redis_url = start_redis(work)
        if redis is None:
            result["notes"].append(f"Redis figures not measured: {redis_url}")
        port = compare.free_port()
        try:
            print("one worker, in-memory state (core 0)", flush=True)
            with compare.started("memory", command(port, fixtures), port, case) as server:
                body = compare.request_once(port, case).content
                memory = load(server, case, args, work)
                unique_1 = load(server, unique, args, work)
            (work / "body.json").write_bytes(body)
            manifest = {case.path.split("?")[0]: str(work / "body.json")}
            (work / "bodies.json").write_text(json.dumps(manifest))
            print("raw ASGI ceiling (core 0)", flush=True)
            raw_port = compare.free_port()
            raw_cmd = [sys.executable, "-m", "uvicorn", "raw_asgi:app", "--app-dir",
                       str(compare.BENCH), "--host", compare.HOST, "--port", str(raw_port),
                       "--log-level", "warning"]  # fmt: skip
            env = {"RAW_ASGI_BODIES": str(work / "bodies.json")}
            with compare.started("raw-asgi", raw_cmd, raw_port, case, env=env) as server:
                raw = load(server, case, args, work)
            result["runs"] += [memory, unique_1, raw]
            result["repeated_vs_raw"] = memory.rps / raw.rps
            if redis is not None:
                print("one worker, --state redis (core 0; redis-server unpinned)", flush=True)
                with compare.started("redis", command(port, fixtures, state=redis_url), port,
                                     case) as server:  # fmt: skip
                    assert compare.request_once(port, case).content == body
                    on_redis = load(server, case, args, work, label="redis")
                result["runs"].append(on_redis)
                result["redis_vs_memory"] = on_redis.rps / memory.rps
            print("--workers 2, SQLite state (cores 0-1, core 1 shared with the load generator)",
                  flush=True)  # fmt: skip
            with compare.started("workers-2", command(port, fixtures, 2), port, case,
                                 cpus="0,1") as server:  # fmt: skip
                identical = compare.same_bytes_everywhere(port, [case], {case.name: body})
                unique_2 = load(server, unique, args, work, label="recmock --workers 2")
                one, two = two_connections(port)
                result["visibility_workers"] = visibility(one, two, case)
                one.put("/__recmock/scenario", json={"name": "bench"})
            result["runs"].append(unique_2)
            result["workers_2_vs_1_unique"] = unique_2.rps / unique_1.rps
            result["workers_byte_identical"] = identical
            if redis is not None:
                print("two replicas on one Redis (ports A and B)", flush=True)
                other = compare.free_port()
                with compare.started("replica-a", command(port, fixtures, state=redis_url), port,
                                     case), \
                     compare.started("replica-b", command(other, fixtures, state=redis_url),
                                     other, case, cpus="1"):  # fmt: skip
                    a = httpx.Client(base_url=f"http://{compare.HOST}:{port}", timeout=10)
                    b = httpx.Client(base_url=f"http://{compare.HOST}:{other}", timeout=10)
                    result["visibility_replicas"] = visibility(a, b, case)
            result["version_ns"] = version_cost(redis_url)
        finally:
            if redis is not None:
                redis.terminate()
                redis.wait(timeout=10)
    result["runs"] = [vars(r) for r in result["runs"]]
    result["cpu_us_per_request"] = dict(CPU)
    cpu = CPU
    if "raw-asgi signalwire-50" in cpu:
        result["cpu_repeated_vs_raw"] = cpu["raw-asgi signalwire-50"] / cpu["memory signalwire-50"]
    if "redis signalwire-50" in cpu:
        result["cpu_redis_vs_memory"] = cpu["memory signalwire-50"] / cpu["redis signalwire-50"]
    return result


def report(result: dict[str, Any]) -> None:
    print("\nfigure                                    measured   target")
    for key, target in TARGETS.items():
        if key == "visible_ms":
            for where in ("visibility_workers", "visibility_replicas"):
                if where in result:
                    got = result[where]["visible_ms_max"]
                    print(f"{where + ' (max ms)':<40} {got:>9.1f}   <= {target:g}")
        elif key in result:
            print(f"{key:<40} {result[key]:>9.2f}   >= {target:g}")
        else:
            print(f"{key:<40} {'n/a':>9}   >= {target:g}")
    for key in ("cpu_repeated_vs_raw", "cpu_redis_vs_memory"):
        if key in result:
            print(f"{key + ' (CPU/request)':<40} {result[key]:>9.2f}")
    for name, us in result.get("cpu_us_per_request", {}).items():
        print(f"CPU per request, {name:<40} {us:>7.1f} us")
    print(f"{'workers byte-identical':<40} {result.get('workers_byte_identical')!s:>9}")
    for name, ns in result.get("version_ns", {}).items():
        print(f"version() check, {name:<23} {ns:>9.0f} ns")
    for note in result["notes"]:
        print("note:", note)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
