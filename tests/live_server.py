"""A real `recmock serve` on a free loopback port, for tests that need real sockets.

Its own module (not conftest.py), so tests import it by a name no other folder's conftest can
shadow: pytest imports every folder's conftest.py as the module `conftest`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LiveServer:
    """`recmock serve` in a subprocess on 127.0.0.1:<free port>; stops itself."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [
            sys.executable,
            "-m",
            "recmock",
            "serve",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
            *args,
        ]
        # A file, not a pipe: a server that logs a lot must never block on a full pipe.
        self.log = tempfile.NamedTemporaryFile("w+", prefix="recmock-serve-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env={**os.environ, **(env or {})},
            stdout=self.log, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"recmock serve exited early:\n{self.output()}")
            try:
                httpx.get(self.url + "/__recmock/health", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("recmock serve did not answer within 30 s")

    def output(self) -> str:
        """Everything the server printed so far."""
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> str:
        """Terminate (SIGTERM) and return everything the server printed."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        return self.output()


def worker_clients(server: LiveServer, prefix: str = "", count: int = 2) -> list[httpx.Client]:
    """`count` clients, each holding a connection to a different worker of `server` (its
    `/__recmock/health` names the answering pid), with `prefix` added to the base URL."""
    by_pid: dict[int, httpx.Client] = {}
    deadline = time.monotonic() + 20  # the other workers may still be starting
    while len(by_pid) < count and time.monotonic() < deadline:
        client = httpx.Client(base_url=server.url + prefix, timeout=10)
        pid = client.get(server.url + "/__recmock/health").json()["pid"]
        if pid in by_pid:
            client.close()
            time.sleep(0.05)
        else:
            by_pid[pid] = client
    assert len(by_pid) == count, "a worker never accepted a connection"
    return list(by_pid.values())
