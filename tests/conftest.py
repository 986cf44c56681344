"""Shared fixtures: the app in-process, a real server on a free loopback port, profiles."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import httpx
import pytest
from hypothesis import HealthCheck, settings

from live_server import ROOT, LiveServer, free_port
from recmock.server.run import ServeConfig, build_app

__all__ = ["ROOT", "LiveServer", "free_port"]

settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)  # fmt: skip
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


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
