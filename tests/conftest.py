"""Shared fixtures: the app in-process, a real server on a free loopback port, profiles."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from recmock.server.run import ServeConfig, build_app

ROOT = Path(__file__).resolve().parents[1]

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """One real server with default settings, shared by the tests that need real sockets."""
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture
def start_server() -> Iterator[Callable[..., LiveServer]]:
    """Start servers with custom flags; each is stopped after the test."""
    started: list[LiveServer] = []

    def start(*args: str, env: dict[str, str] | None = None) -> LiveServer:
        started.append(LiveServer(*args, env=env))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    """The default app, in-process (drive it with httpx.ASGITransport)."""
    return build_app(ServeConfig())


@pytest.fixture
def client(app) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A synchronous client for the in-process app (a thread runs the ASGI loop)."""
    from starlette.testclient import TestClient

    loopback = ("127.0.0.1", 50000)  # the admin API answers loopback addresses only
    with TestClient(app, base_url="http://127.0.0.1:8000", client=loopback) as test_client:
        yield test_client
