"""The admin API answers only its owner (the issue's "any web page can drive the admin API").

A browser page on another origin must not switch scenarios, reset, or read the journal: each
way it had (a simple text/plain POST, a preflight, wildcard CORS, a rebound DNS name, an
`X-Forwarded-For` that merely starts with 127.) is tried here and refused; `--admin-token`
opens the API to other machines that present it, and to nobody else.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from recmock.auth import basic
from recmock.server import admin
from recmock.server.run import ServeConfig, build_app

BASIC = basic("demo-project", "demo-token")
SW = "/api/video/room_sessions/{}/recordings"
EVIL = "http://evil.example"
TOKEN = "t0ken-" + uuid.uuid4().hex


def _client(app: Any, client: tuple[str, int] = ("127.0.0.1", 5000)) -> TestClient:
    return TestClient(app, base_url="http://127.0.0.1:8000", client=client)


@pytest.fixture
def local() -> Iterator[TestClient]:
    with _client(build_app(ServeConfig())) as client:
        yield client


def _active(client: TestClient) -> str:
    return str(client.get("/__recmock/scenario").json()["active"])


def test_a_simple_cross_origin_post_cannot_switch_the_scenario(local: TestClient) -> None:
    for headers in ({"Content-Type": "text/plain", "Origin": EVIL}, {"Content-Type": "text/plain"},
                    {"Content-Type": "application/x-www-form-urlencoded"}):  # fmt: skip
        reply = local.post("/__recmock/scenario", content=b'{"name":"empty"}', headers=headers)
        assert reply.status_code in (403, 415), headers
        assert "access-control-allow-origin" not in reply.headers
    assert _active(local) == "default"
    ok = local.post("/__recmock/scenario", json={"name": "empty"})
    assert ok.status_code == 200 and _active(local) == "empty"


def test_a_simple_cross_origin_reset_is_refused(local: TestClient) -> None:
    local.get(SW.format(uuid.uuid4()), headers=BASIC)
    reply = local.post("/__recmock/reset", content=b"", headers={"Content-Type": "text/plain"})
    assert reply.status_code == 415 and "application/json" in reply.json()["error"]
    assert local.get("/__recmock/journal").json()["count"] == 1  # not cleared


def test_a_json_write_from_another_origin_is_refused(local: TestClient) -> None:
    reply = local.put("/__recmock/scenario", json={"name": "empty"}, headers={"Origin": EVIL})
    assert reply.status_code == 403 and EVIL in reply.json()["error"]
    assert _active(local) == "default"
    same = local.put(
        "/__recmock/scenario", json={"name": "empty"}, headers={"Origin": "http://127.0.0.1:8000"}
    )  # Swagger UI, same origin
    assert same.status_code == 200


@pytest.mark.parametrize("path", ["scenario", "reset", "journal"])
def test_every_admin_preflight_is_refused_without_cors_headers(
    local: TestClient, path: str
) -> None:
    reply = local.options(f"/__recmock/{path}", headers={
        "Origin": EVIL, "Access-Control-Request-Method": "PUT",
        "Access-Control-Request-Headers": "content-type"})  # fmt: skip
    assert reply.status_code == 403
    assert not [h for h in reply.headers if h.startswith("access-control-")]


def test_admin_answers_carry_no_cors_while_the_mocked_apis_keep_theirs(local: TestClient) -> None:
    journal = local.get("/__recmock/journal")
    assert journal.status_code == 200 and "access-control-allow-origin" not in journal.headers
    assert journal.headers["cache-control"] == "no-store"
    foreign = local.get("/__recmock/journal", headers={"Origin": EVIL})
    assert foreign.status_code == 403 and "access-control-allow-origin" not in foreign.headers
    api = local.get(SW.format(uuid.uuid4()), headers={**BASIC, "Origin": EVIL})
    assert api.headers["access-control-allow-origin"] == "*"  # the served APIs are for browsers


@pytest.mark.parametrize(
    ("host", "allowed"),
    [("evil.example", False), ("evil.example:8000", False), ("127.0.0.1.evil.example", False),
     ("localhost.evil.example", False), ("127.0.0.1:8000", True), ("localhost:8000", True),
     ("app.localhost", True), ("[::1]:8000", True), ("10.1.2.3:8000", True)],
)  # fmt: skip
def test_the_host_must_be_this_server_not_a_rebound_name(
    local: TestClient, host: str, allowed: bool
) -> None:
    reply = local.get("/__recmock/scenario", headers={"Host": host})
    assert (reply.status_code == 200) is allowed, reply.text
    if not allowed:
        assert reply.status_code == 403 and "Host" in reply.json()["error"]


@given(st.ip_addresses(v=4))
def test_an_ipv4_client_is_loopback_exactly_when_its_first_octet_is_127(address: Any) -> None:
    assert admin.is_loopback((str(address), 1)) is (str(address).split(".")[0] == "127")


@given(st.text(max_size=20), st.sampled_from([".evil.com", ".localhost.example", "x"]))
def test_a_name_is_never_loopback_however_it_starts(prefix: str, suffix: str) -> None:
    for name in (f"127.{prefix}{suffix}", f"::1{prefix}{suffix}", f"localhost{prefix}{suffix}"):
        assert admin.is_loopback((name, 1)) is False


@pytest.mark.parametrize(
    ("client", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("127.evil.com", False), ("localhost.evil.com", False), ("::1.evil", False),
     ("testclient", False), ("203.0.113.9", False), ("", False)],
)  # fmt: skip
def test_loopback_is_decided_by_parsing_the_address(client: str, loopback: bool) -> None:
    assert admin.is_loopback((client, 1)) is loopback


def test_malformed_admin_input_is_a_4xx_never_a_500(local: TestClient) -> None:
    for limit in ("²", "9" * 5000, "-1", "1e3"):
        assert local.get("/__recmock/journal", params={"limit": limit}).status_code == 200
    deep = b'{"name":' + b"[" * 3000 + b"]" * 3000 + b"}"
    assert local.put("/__recmock/scenario", content=deep[:4000],
                     headers={"Content-Type": "application/json"}).status_code == 400  # fmt: skip
    nested = b'{"name": "empty", "x": ' + b"[" * 50 + b"]" * 50 + b"}"
    assert local.put("/__recmock/scenario", content=nested,
                     headers={"Content-Type": "application/json"}).status_code == 400  # fmt: skip


# ---- --admin-token ---------------------------------------------------------------------------


def test_with_a_token_only_its_bearer_gets_in_from_anywhere() -> None:
    app = build_app(ServeConfig(admin_token=TOKEN))
    with _client(app) as here, _client(app, ("203.0.113.9", 5000)) as remote:
        assert here.get("/__recmock/scenario").status_code == 401  # loopback is not enough
        wrong = here.get("/__recmock/scenario", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401 and TOKEN not in wrong.text
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert remote.put("/__recmock/scenario", json={"name": "empty"},
                          headers=good).status_code == 200  # fmt: skip
        shared = remote.get("/__recmock/scenario", headers={**good, "Host": "mock.ci.internal"})
        assert shared.json() == {"active": "empty"}  # a shared deployment's own DNS name
        assert remote.get("/__recmock/health").status_code == 200  # health needs no token
        journal = remote.get("/__recmock/journal", headers=good).text
        assert TOKEN not in journal


# ---- over real sockets: uvicorn's X-Forwarded-For handling -----------------------------------


@pytest.mark.slow
def test_a_forwarded_for_name_that_starts_with_127_is_not_loopback(start_server: Any) -> None:
    server = start_server()
    url = server.url + "/__recmock/journal"
    for forwarded in ("127.evil.com", "203.0.113.9", "localhost"):
        reply = httpx.get(url, headers={"X-Forwarded-For": forwarded})
        assert reply.status_code == 404, forwarded
    assert httpx.get(url, headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200
    rebound = httpx.get(url, headers={"Host": "attacker.example"})
    assert rebound.status_code == 403


@pytest.mark.slow
def test_the_admin_token_flag_and_variable_and_it_never_shows(start_server: Any) -> None:
    for server in (start_server("--admin-token", TOKEN),
                   start_server(env={"RECMOCK_ADMIN_TOKEN": TOKEN})):  # fmt: skip
        url = server.url + "/__recmock/scenario"
        assert httpx.get(url).status_code == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(url, headers={**good, "X-Forwarded-For": "203.0.113.9"}).json() == {
            "active": "default"
        }
        assert TOKEN not in server.stop()
