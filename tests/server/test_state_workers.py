"""`recmock serve --workers 2`: both workers serve from one state (the issue's split-state
report, reproduced: before, 8 of 12 answers after a PUT came from the old scenario, the journal
held half the requests, and reset cleared one worker).

A keep-alive connection stays with the worker that accepted it, so one client per worker (told
apart by the pid /__recmock/health answers with) addresses each worker on purpose.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient
from tests.live_server import worker_clients

from recmock.auth import basic
from recmock.server.run import ServeConfig, build_app

BASIC = basic("demo-project", "demo-token")
SW = "/api/video/room_sessions/{}/recordings"
CF = ("/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
      "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")  # fmt: skip
ERRORS = {"Authorization": "Bearer demo-token", "X-Recmock-Scenario": "server-errors"}


@pytest.fixture
def workers(start_server: Any) -> Iterator[list[httpx.Client]]:
    """Two clients, each holding a connection to a different worker of one server."""
    server = start_server("--workers", "2")
    clients = worker_clients(server)
    yield clients
    for client in clients:
        client.close()


def _scenario(client: httpx.Client, page: str) -> str:
    return client.get(page, headers=BASIC).headers["x-recmock-scenario"]


@pytest.mark.slow
def test_a_scenario_change_reaches_every_worker_and_their_caches(
    workers: list[httpx.Client],
) -> None:
    one, two = workers
    page = SW.format(uuid.uuid4())
    assert {_scenario(one, page), _scenario(two, page)} == {"default"}  # now cached in both
    assert one.put("/__recmock/scenario", json={"name": "empty"}).status_code == 200
    answers = [_scenario((one, two)[i % 2], page) for i in range(20)]
    assert answers == ["empty"] * 20
    assert two.get("/__recmock/scenario").json() == {"active": "empty"}


@pytest.mark.slow
def test_the_journal_is_complete_and_reset_clears_every_worker(
    workers: list[httpx.Client],
) -> None:
    one, two = workers
    one.put("/__recmock/scenario", json={"name": "empty"})
    two.post("/__recmock/reset", json={})
    for i in range(20):
        (one, two)[i % 2].get(SW.format(uuid.uuid4()) + f"?n={i}", headers=BASIC)
    for client in (one, two):
        entries = client.get("/__recmock/journal").json()["entries"]
        assert [e["query"] for e in entries] == [f"n={i}" for i in range(20)]
        assert {e["scenario"] for e in entries} == {"default"}  # the reset reached both
    assert one.post("/__recmock/reset", json={}).json()["reset"] is True
    for client in (one, two):
        assert client.get("/__recmock/journal").json()["count"] == 0
        assert client.get("/__recmock/scenario").json() == {"active": "default"}


@pytest.mark.slow
def test_the_failure_sequence_is_one_sequence_and_the_same_after_every_reset(
    workers: list[httpx.Client],
) -> None:
    def sequence(clients: list[Any]) -> list[tuple[int, str | None]]:
        clients[0].post("/__recmock/reset", json={})
        out = []
        for i in range(12):
            reply = clients[i % len(clients)].get(CF, headers=ERRORS)
            out.append((reply.status_code, reply.headers.get("retry-after")))
        return out

    # The oracle: one in-process server with the in-memory state, requests in the same order.
    with TestClient(
        build_app(ServeConfig()), base_url="http://127.0.0.1:8000", client=("127.0.0.1", 5000)
    ) as alone:
        expected = sequence([alone])
    assert {status for status, _ in expected} == {200, 429, 500}
    assert sequence(workers) == expected
    assert sequence(workers[::-1]) == expected
