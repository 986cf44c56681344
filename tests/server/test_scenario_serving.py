"""Choosing a scenario per request, Prefer codes, precedence, admin API; and the property that a
scenario passing `check` only ever serves spec-valid responses."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt
from recmock.errors import ScenarioError
from recmock.scenarios import load_scenario
from recmock.server.conformance import APP_ID, check_scenario
from recmock.server.pipeline import Mock
from recmock.specs import Operation, load_specs, select_specs
from recmock.validation import RawRequest
from recmock.world import recording_id, zoom_session_id

SPECS = load_specs()
SERVED = select_specs(SPECS)
OPERATIONS = [op for spec in SPECS for op in spec.operations]
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
CF = f"/client/v4/accounts/{ACCOUNT}/realtime/kit/{APP_ID}/recordings/"
SW = "/api/video/room_sessions/{}/recordings"
BASIC = basic("demo-project", "demo-token")
CF_AUTH = bearer("demo-token")


def fetch(client: httpx.Client, body: dict[str, Any], **headers: str) -> httpx.Response:
    raw = json.dumps(body).encode()
    sent = {**plugnmeet_headers(raw, "demo-key", "demo-secret"), **headers}
    return client.post("/auth/recording/fetch", content=raw, headers=sent)


# ---- selection and precedence ----------------------------------------------------------------


def test_header_selects_a_scenario_and_the_response_says_which(client: httpx.Client) -> None:
    plain = client.get(CF + str(uuid.uuid4()), headers=CF_AUTH)
    empty = client.get(CF + str(uuid.uuid4()), headers={**CF_AUTH, "X-Recmock-Scenario": "empty"})
    assert (plain.status_code, plain.headers["x-recmock-scenario"]) == (200, "default")
    assert (empty.status_code, empty.headers["x-recmock-scenario"]) == (404, "empty")
    assert empty.json()["errors"][0]["code"] == 10404


def test_query_parameter_beats_header_which_beats_the_active_scenario(client: httpx.Client) -> None:
    rid = str(uuid.uuid4())
    assert client.put("/__recmock/scenario", json={"name": "auth-failure"}).status_code == 200
    try:
        assert client.get(CF + rid, headers=CF_AUTH).status_code == 401  # active
        header = client.get(CF + rid, headers={**CF_AUTH, "X-Recmock-Scenario": "empty"})
        assert header.status_code == 404  # header beats active
        query = client.get(
            CF + rid + "?__scenario=default", headers={**CF_AUTH, "X-Recmock-Scenario": "empty"}
        )
        assert query.status_code == 200  # query beats header
    finally:
        client.post("/__recmock/reset", json={})
    assert client.get("/__recmock/scenario").json() == {"active": "default"}


@pytest.mark.parametrize("name", ["nope", "../../etc/passwd", "default\x00", "%2e%2e"])
def test_unknown_scenario_is_a_clear_400_from_the_mock(client: httpx.Client, name: str) -> None:
    response = client.get(CF + str(uuid.uuid4()), params={"__scenario": name}, headers=CF_AUTH)
    assert response.status_code == 400
    assert response.headers["x-recmock-error"] == "true"
    assert "unknown scenario" in response.json()["recmock_error"]
    assert "default" in response.json()["scenarios"]


def test_prefer_code_serves_the_documented_error_in_the_provider_shape(
    client: httpx.Client,
) -> None:
    for url, headers, code, key in [
        (CF + str(uuid.uuid4()), CF_AUTH, "404", "errors"),
        (SW.format(uuid.uuid4()), BASIC, "422", "errors"),
        (SW.format(uuid.uuid4()), BASIC, "500", "error"),
    ]:
        response = client.get(url, headers={**headers, "Prefer": f"code={code}"})
        assert response.status_code == int(code)
        assert key in response.json()


def test_prefer_example_and_dynamic_and_their_query_forms(client: httpx.Client) -> None:
    sid = "KkMHZ4y8QhSUWAHi5sWvfg=="
    url = f"/v2/videosdk/sessions/{sid}/recordings"
    auth = bearer(zoom_jwt("demo-key", "demo-secret"))
    example = client.get(url, headers={**auth, "Prefer": "code=200, example=withoutToken"})
    assert example.json()["session_name"] == "session name"
    same = client.get(url + "?__code=200&__example=withoutToken", headers=auth)
    assert same.content == example.content
    missing = client.get(url, headers={**auth, "Prefer": "example=nope"})
    assert missing.status_code == 404 and "withoutToken" in missing.json()["examples"]
    dynamic = client.get(url, headers={**auth, "Prefer": "code=200, dynamic=true"})
    assert dynamic.status_code == 200 and dynamic.json() != example.json()
    assert (
        dynamic.content
        == client.get(url, headers={**auth, "Prefer": "code=200, dynamic=true"}).content
    )
    alone = client.get(url + "?__dynamic=true", headers=auth)
    assert alone.status_code == 200 and alone.headers["x-recmock-scenario"] == "default"
    assert alone.json() != example.json() and {"session_id", "recording_files"} <= set(alone.json())


def test_undocumented_code_is_refused(client: httpx.Client) -> None:
    response = client.get(CF + str(uuid.uuid4()) + "?__code=418", headers=CF_AUTH)
    assert response.status_code == 400
    assert response.json()["documented"] == ["200", "400", "401", "403", "404", "429", "500"]


def test_journal_records_what_the_client_sent(client: httpx.Client) -> None:
    client.delete("/__recmock/journal")
    fetch(client, {"room_ids": "room01"})
    client.get(CF + "not-a-uuid", headers={**CF_AUTH, "X-Recmock-Scenario": "empty"})
    entries = client.get("/__recmock/journal").json()["entries"]
    assert [(e["status"], e["scenario"]) for e in entries] == [(400, "default"), (400, "empty")]
    assert "room_ids" in entries[0]["problems"][0]
    assert "recording_id" in entries[1]["problems"][0]
    only = client.get("/__recmock/journal", params={"status": "400", "limit": "1"}).json()
    assert only["count"] == 1 and only["entries"][0]["path"].startswith("/client/v4/")
    assert not any("demo-secret" in json.dumps(e) or "demo-token" in json.dumps(e) for e in entries)


def test_admin_answers_only_loopback_clients(app: Any) -> None:
    from starlette.testclient import TestClient

    remote = TestClient(app, client=("203.0.113.9", 5000))
    assert remote.get("/__recmock/journal").status_code == 404
    assert remote.get("/__recmock/health").status_code == 200


def test_server_errors_scenario_is_reproducible_after_reset(client: httpx.Client) -> None:
    def run() -> list[tuple[int, str | None]]:
        out = []
        for _ in range(12):
            r = client.get(CF + "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
                           headers={**CF_AUTH, "X-Recmock-Scenario": "server-errors"})  # fmt: skip
            out.append((r.status_code, r.headers.get("retry-after")))
        return out

    client.post("/__recmock/reset", json={})
    first = run()
    client.post("/__recmock/reset", json={})
    assert run() == first
    assert {s for s, _ in first} == {200, 429, 500}
    assert all(after == "2" for s, after in first if s == 429)


# ---- property: a scenario that passes check only serves spec-valid responses ------------------

TIMES = st.sampled_from(["now-3d", "now-2h", "now-30m", "now-1m", "now"])
RECORDING = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["INVOKED", "RECORDING", "PAUSED", "UPLOADING", "UPLOADED", "ERRORED"]),
        "invoked": TIMES, "started": TIMES, "stopped": TIMES,
        "size": st.integers(1, 10**10), "duration": st.integers(1, 7200),
        "title": st.text(max_size=20), "extra": st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    },
)  # fmt: skip
SESSION = st.fixed_dictionaries(
    {"recordings": st.lists(RECORDING, max_size=4)},
    optional={"id": st.uuids().map(str), "created": st.sampled_from(["now-4d", "now-3h"])},
)
OVERRIDE = st.fixed_dictionaries(
    {"operation": st.sampled_from(["*", "zoom", "signalwire", "cloudflare", "plugnmeet"])},
    optional={"status": st.sampled_from([401, 500, 429]), "failure_rate": st.floats(0, 1),
              "latency_ms": st.integers(0, 1)},
)  # fmt: skip
SCENARIO = st.fixed_dictionaries(
    {"name": st.just("prop")},
    optional={
        "seed": st.integers(0, 2**16),
        "world": st.fixed_dictionaries({}, optional={
            "closed": st.booleans(),
            "rooms": st.dictionaries(st.sampled_from(["room01", "r2"]), st.lists(SESSION, max_size=2), max_size=2),
            "sessions": st.lists(SESSION, max_size=2),
            "shape": st.fixed_dictionaries({}, optional={
                "live_fraction": st.floats(0, 1), "error_fraction": st.floats(0, 1),
                "link_lifetime": st.integers(-86400, 86400)}),
        }),
        "overrides": st.lists(OVERRIDE, max_size=2),
    },
)  # fmt: skip


def probe(op: Operation, scenario: Any, extra_ids: list[str]) -> list[RawRequest]:
    sessions = [*scenario.catalog.sessions, *extra_ids]
    headers = {"x-recmock-scenario": "prop"}
    if op.provider == "plugnmeet":
        rooms = [*scenario.catalog.rooms, "room01", "elsewhere"]
        body = json.dumps({"room_ids": rooms, "limit": 7}).encode()
        signed = {
            k.lower(): v for k, v in plugnmeet_headers(body, "demo-key", "demo-secret").items()
        }
        return [RawRequest("POST", op.full_path, {}, (), {**headers, **signed}, body)]
    if op.provider == "signalwire":
        auth = {"authorization": BASIC["Authorization"]}
        return [
            RawRequest("GET", op.full_path, {"id": s}, (("page_size", "2"),), {**headers, **auth})
            for s in sessions
        ]
    if op.provider == "zoom":
        auth = {
            "authorization": "Bearer "
            + zoom_jwt("demo-key", "demo-secret", now=1_700_000_000, ttl=10**9)
        }
        return [
            RawRequest(
                "GET", op.full_path, {"sessionId": zoom_session_id(s)}, (), {**headers, **auth}
            )
            for s in sessions
        ]
    auth = {"authorization": "Bearer demo-token"}
    ids = [recording_id(s, 0) for s in sessions]
    return [RawRequest("GET", op.full_path, {"account_id": ACCOUNT, "app_id": APP_ID, "recording_id": r}, (), {**headers, **auth}) for r in ids]  # fmt: skip


@settings(
    max_examples=40,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(raw=SCENARIO, extra=st.lists(st.uuids().map(str), max_size=2))
def test_a_scenario_passing_check_serves_only_spec_valid_responses(
    tmp_path: Path, raw: dict[str, Any], extra: list[str]
) -> None:
    path = tmp_path / "prop.yaml"
    path.write_text(yaml.safe_dump(raw))
    try:
        scenario = load_scenario(path, OPERATIONS, default_now=1_764_000_000)
    except ScenarioError:
        assume(False)
        return
    assert check_scenario(scenario, SPECS) == []
    mock = Mock(SERVED, {"prop": scenario, "default": scenario}, now=1_764_000_000)
    checker = FormatChecker()
    for op in mock.operations():
        for request in probe(op, scenario, extra):
            reply = mock.handle(
                op, request, origin="http://127.0.0.1:8000", wall_clock=1_700_000_000
            ).reply
            schema = op.response_schema(reply.status)
            assert schema is not None, (op.spec_name, reply.status, reply.body)
            errors = [
                e.message
                for e in Draft202012Validator(schema, format_checker=checker).iter_errors(
                    reply.body
                )
            ]
            assert errors == [], (op.spec_name, reply.status, reply.body)


def test_expired_links_are_expired_yet_consistent_with_the_recording() -> None:
    """expired-links: every Cloudflare expiry lies before now but never before the stop."""
    from recmock.rules import violations
    from recmock.scenarios import FIXTURES_DIR, load_scenarios
    from recmock.world import split_recording_id

    now = 1_764_000_000
    scenarios = load_scenarios(FIXTURES_DIR, OPERATIONS, default_now=now)
    mock = Mock(SERVED, scenarios, now=now, default_scenario="expired-links")
    (op,) = [op for op in mock.operations() if op.provider == "cloudflare"]
    world = mock.world("expired-links")
    seen = 0
    for i in range(60):
        for session_id in world.room_sessions(f"room-{i}") or ():
            for rec in world.session(session_id).recordings:  # type: ignore[union-attr]
                if rec.status != "UPLOADED":
                    continue
                raw = RawRequest("GET", op.full_path, {"account_id": ACCOUNT, "app_id": APP_ID, "recording_id": rec.id},
                                 (), {"authorization": "Bearer demo-token"})  # fmt: skip
                body = mock.handle(op, raw, origin="http://x", wall_clock=0).reply.body
                assert split_recording_id(body["data"]["id"])[0] == session_id
                assert body["data"]["download_url_expiry"] < "2025-11-24T16:00:00Z"
                assert violations(op.rules, body) == []
                seen += 1
    assert seen > 100
