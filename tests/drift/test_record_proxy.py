"""The recording proxy in-process: what it forwards, what it flags, what it keeps.

The target is an echo app that reports exactly what reached it, so "unchanged" is checked
byte for byte (raw path with an encoded '/', query, body, credentials) and Host is the target's.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from recmock.record.proxy import Proxy, Recorder
from recmock.record.scrub import Faker
from recmock.specs import SPECS_DIR, load_spec

SPEC = load_spec(SPECS_DIR / "signalwire" / "room-session-recordings.yaml")
SESSION = "6c0e9a1f-2b3d-4e5f-8a9b-0c1d2e3f4a5b"
GOOD = {"links": {"self": "https://t.test/x", "first": "https://t.test/x"}, "data": []}


async def echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers GOOD, or what the query's `answer` asks for, with what it received in headers."""
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    query = scope["query_string"].decode()
    status, document = (200, GOOD)
    if "answer=undocumented" in query:
        status, document = 418, {"error": "teapot"}
    elif "answer=wrong-type" in query:
        document = {**GOOD, "data": [{"id": 5}]}
    elif "answer=leak" in query:
        document = {
            **GOOD,
            "data": [{"id": "r", "uri": "https://cdn.test/v.mp4?token=SEKRIT", "password": "pw"}],
        }
    elif "answer=links" in query:
        root = "http://target.test:9/base/api/video/room_sessions/s/recordings"
        document = {"links": {"self": root, "first": root, "next": root + "?page_token=PA1"},
                    "data": [], "elsewhere": "http://target.test:9/other"}  # fmt: skip
    seen = json.dumps({
        "raw_path": scope["raw_path"].decode(), "query": query, "body": body.decode(),
        "auth": dict(scope["headers"]).get(b"authorization", b"").decode(),
        "host": dict(scope["headers"]).get(b"host", b"").decode(),
    })  # fmt: skip
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"x-seen", seen.encode())]})  # fmt: skip
    await send({"type": "http.response.body", "body": json.dumps(document).encode()})


def exchange(path: str, **kwargs: Any) -> tuple[httpx.Response, Recorder, list[str]]:
    lines: list[str] = []
    recorder = Recorder(spec=SPEC, faker=Faker(), log=lines.append)
    proxy = Proxy("http://target.test:9/base/api/video", recorder)
    proxy.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=echo))

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=proxy), base_url="http://proxy"
        ) as client:
            return await client.request(url=path, **kwargs)

    return asyncio.run(go()), recorder, lines


def test_requests_reach_the_target_unchanged_with_its_host() -> None:
    raw = "/api/video/room_sessions/a%2Fb/recordings"
    response, _, _ = exchange(
        f"{raw}?page_size=2&x=%20y",
        method="POST",
        content=b'{"k": 1 }',
        headers={"Authorization": "Basic Zm9vOmJhcg=="},
    )
    seen = json.loads(response.headers["x-seen"])
    assert seen == {
        "raw_path": "/base" + raw, "query": "page_size=2&x=%20y", "body": '{"k": 1 }',
        "auth": "Basic Zm9vOmJhcg==", "host": "target.test:9",
    }  # fmt: skip


def test_a_conforming_answer_has_no_violations_header_and_is_captured() -> None:
    response, recorder, _ = exchange(f"/api/video/room_sessions/{SESSION}/recordings", method="GET")
    assert response.status_code == 200 and "x-recmock-violations" not in response.headers
    assert recorder.with_violations == 0 and len(recorder.captures) == 1
    assert recorder.captures[0].path_params == {"id": SESSION}


def test_violations_are_a_header_a_live_line_and_a_count() -> None:
    for answer, expected in (
        ("undocumented", "status: 418 is not documented"),
        ("wrong-type", "schema: data[0]"),
    ):
        response, recorder, lines = exchange(
            f"/api/video/room_sessions/{SESSION}/recordings?answer={answer}", method="GET"
        )
        problems = json.loads(response.headers["x-recmock-violations"])
        assert any(p.startswith(expected) for p in problems), problems
        assert recorder.with_violations == 1 and any(expected in line for line in lines)


def test_secrets_in_answers_are_never_captured_but_reach_the_client() -> None:
    response, recorder, lines = exchange(
        f"/api/video/room_sessions/{SESSION}/recordings?answer=leak&token=T0K", method="GET"
    )
    assert "SEKRIT" in response.text  # the client gets the target's answer as it was
    kept = json.dumps([c.body for c in recorder.captures])
    assert "SEKRIT" not in kept and '"password"' not in kept
    assert not any("T0K" in line for line in lines)


def test_an_unreachable_target_is_a_502_in_the_proxys_own_words() -> None:
    recorder = Recorder(spec=SPEC, faker=Faker(), log=lambda _: None)
    proxy = Proxy("http://127.0.0.1:9/api/video", recorder, timeout=2)

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=proxy), base_url="http://proxy"
        ) as client:
            return await client.get(f"/api/video/room_sessions/{SESSION}/recordings")

    response = asyncio.run(go())
    assert response.status_code == 502 and "recmock record" in response.json()["error"]


def test_links_to_the_target_point_at_the_proxy_so_clients_stay_on_it() -> None:
    """links.next through the proxy leads back through the proxy; other URLs stay as sent."""
    response, _, _ = exchange(
        f"/api/video/room_sessions/{SESSION}/recordings?answer=links", method="GET"
    )
    links = response.json()["links"]
    assert links["next"] == "http://proxy/api/video/room_sessions/s/recordings?page_token=PA1"
    assert links["self"] == links["first"] == "http://proxy/api/video/room_sessions/s/recordings"
    assert response.json()["elsewhere"] == "http://target.test:9/other"
    assert int(response.headers["content-length"]) == len(response.content)
