"""Sessions: `X-Recmock-Session: NAME` (or `__session=NAME`) gives a client its own active
scenario, failure sequence and journal; the admin API takes the same header; without one,
requests share the default session as before."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from recmock.auth import basic
from recmock.server.run import ServeConfig, build_app
from recmock.state import MemoryState

BASIC = basic("demo-project", "demo-token")
SW = "/api/video/room_sessions/{}/recordings"
CF = ("/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
      "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")  # fmt: skip
ERRORS = {"Authorization": "Bearer demo-token", "X-Recmock-Scenario": "server-errors"}


@pytest.fixture
def fresh() -> Iterator[TestClient]:
    """A client of a new in-process app: sessions from other tests cannot leak in."""
    with TestClient(build_app(ServeConfig()), base_url="http://127.0.0.1:8000",
                    client=("127.0.0.1", 5000)) as client:  # fmt: skip
        yield client


def _as(name: str | None) -> dict[str, str]:
    return {"X-Recmock-Session": name} if name else {}


def _scenario(client: TestClient, page: str, who: str | None) -> str:
    return client.get(page, headers={**BASIC, **_as(who)}).headers["x-recmock-scenario"]


def test_each_session_has_its_own_active_scenario_and_journal(fresh: TestClient) -> None:
    page = SW.format(uuid.uuid4())
    assert fresh.put("/__recmock/scenario", json={"name": "empty"},
                     headers=_as("alice")).status_code == 200  # fmt: skip
    served = {who: fresh.get(page, headers={**BASIC, **_as(who)}).headers["x-recmock-scenario"]
              for who in ("alice", "bob", None)}  # fmt: skip
    assert served == {"alice": "empty", "bob": "default", None: "default"}
    assert fresh.get("/__recmock/scenario", headers=_as("alice")).json() == {"active": "empty"}
    assert fresh.get("/__recmock/scenario", headers=_as("bob")).json() == {"active": "default"}

    journals = {who: fresh.get("/__recmock/journal", headers=_as(who)).json()
                for who in ("alice", "bob", None)}  # fmt: skip
    assert [e["scenario"] for e in journals["alice"]["entries"]] == ["empty"]
    assert [e["scenario"] for e in journals["bob"]["entries"]] == ["default"]
    assert journals[None]["count"] == 1 and journals[None]["session"] == "default"

    fresh.post("/__recmock/reset", json={}, headers=_as("alice"))
    assert fresh.get("/__recmock/journal", headers=_as("alice")).json()["count"] == 0
    assert fresh.get("/__recmock/journal", headers=_as("bob")).json()["count"] == 1


def test_the_query_parameter_names_a_session_for_browsers(fresh: TestClient) -> None:
    fresh.put("/__recmock/scenario?__session=carol", json={"name": "empty"})
    page = SW.format(uuid.uuid4())
    reply = fresh.get(page + "?__session=carol", headers=BASIC)
    assert reply.headers["x-recmock-scenario"] == "empty"
    assert fresh.get("/__recmock/journal", headers=_as("carol")).json()["count"] == 1


def test_a_cached_reply_of_one_session_is_not_served_to_another(fresh: TestClient) -> None:
    page = SW.format(uuid.uuid4())
    assert _scenario(fresh, page, None) == "default"  # now cached
    fresh.put("/__recmock/scenario", json={"name": "empty"}, headers=_as("dave"))
    assert _scenario(fresh, page, "dave") == "empty"
    assert _scenario(fresh, page, None) == "default"
    entries = fresh.get("/__recmock/journal").json()["entries"]
    # Dave's request is not in here; the second one was answered afresh, since any change to
    # the state (dave's PUT) drops every cached reply: one version for all sessions.
    assert [e["cached"] for e in entries] == [False, False]


def test_failure_sequences_are_per_session(fresh: TestClient) -> None:
    def run(who: str) -> list[int]:
        return [fresh.get(CF, headers={**ERRORS, **_as(who)}).status_code for _ in range(12)]

    alone = run("erin")
    fresh.post("/__recmock/reset", json={}, headers=_as("erin"))
    interleaved: dict[str, list[int]] = {"erin": [], "frank": []}
    for _ in range(12):
        for who in interleaved:
            interleaved[who].append(fresh.get(CF, headers={**ERRORS, **_as(who)}).status_code)
    # Another session's requests do not advance this one's sequence.
    assert interleaved == {"erin": alone, "frank": alone}


@pytest.mark.parametrize("name", ["a\tb", "a b", "x" * 65, "../etc", "é", "-x"])
def test_a_bad_session_name_is_a_clear_400(fresh: TestClient, name: str) -> None:
    page = SW.format(uuid.uuid4())
    reply = fresh.get(page, params={"__session": name}, headers=BASIC)
    assert reply.status_code == 400 and "__session" in reply.json()["recmock_error"]
    admin = fresh.get("/__recmock/journal", params={"__session": name})
    assert admin.status_code == 400 and "X-Recmock-Session" in admin.json()["error"]


def test_sessions_are_bounded(fresh: TestClient) -> None:
    state = fresh.app.mock.state  # type: ignore[attr-defined]
    assert isinstance(state, MemoryState)
    for i in range(state.max_sessions + 40):
        fresh.put("/__recmock/scenario", json={"name": "empty"}, headers=_as(f"s{i}"))
    assert len(state.sessions()) == state.max_sessions
    assert fresh.get("/__recmock/scenario", headers=_as("s0")).json() == {"active": "default"}


@settings(max_examples=25)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.booleans()), max_size=12))
def test_a_session_journal_lists_exactly_its_own_requests(
    app: object, calls: list[tuple[str, bool]]
) -> None:
    run = uuid.uuid4().hex[:8]  # sessions unique to this example
    with TestClient(app, base_url="http://127.0.0.1:8000",  # type: ignore[arg-type]
                    client=("127.0.0.1", 5000)) as client:  # fmt: skip
        for i, (who, header) in enumerate(calls):
            name = f"{run}-{who}"
            page = SW.format(uuid.uuid4()) + f"?i={i}"
            if header:
                client.get(page, headers={**BASIC, **_as(name)})
            else:
                client.get(page + f"&__session={name}", headers=BASIC)
        for who in ("a", "b", "c"):
            entries = client.get("/__recmock/journal", headers=_as(f"{run}-{who}")).json()
            wanted = [i for i, (w, _) in enumerate(calls) if w == who]
            got = [int(httpx.QueryParams(e["query"])["i"]) for e in entries["entries"]]
            assert got == wanted
