"""The ASGI edge in-process: routing errors in provider shapes, body limits, the reply cache,
spec documents and Swagger UI."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt

CF = "/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/"


@pytest.mark.parametrize(
    ("method", "path", "status", "key"),
    [
        ("GET", "/auth/recording/nope", 404, "status_code"),
        ("GET", "/auth/recording/fetch", 405, "status_code"),
        ("GET", "/api/video/rooms", 404, "error"),
        ("DELETE", f"/api/video/room_sessions/{uuid.uuid4()}/recordings", 405, "error"),
        ("GET", "/v2/videosdk/sessions", 404, "code"),
        ("POST", CF + str(uuid.uuid4()), 405, "errors"),
        ("GET", "/client/v4/zones", 404, "errors"),
        ("GET", "/elsewhere", 404, "hint"),
    ],
)
def test_unknown_paths_and_methods_answer_in_the_owning_providers_shape(
    client: httpx.Client, method: str, path: str, status: int, key: str
) -> None:
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert key in response.json()
    if status == 405:
        assert response.headers["allow"]


def test_body_over_the_limit_is_413_in_plugnmeet_shape(client: httpx.Client) -> None:
    body = b'{"room_ids": ["' + b"x" * (2 << 20) + b'"]}'
    response = client.post(
        "/auth/recording/fetch",
        content=body,
        headers=plugnmeet_headers(body, "demo-key", "demo-secret"),
    )
    assert response.status_code == 413
    assert response.json()["status"] is False


def test_chunked_body_is_read_whole_and_signature_checked_over_it(client: httpx.Client) -> None:
    body = json.dumps({"room_ids": ["room01"], "limit": 2}).encode()

    def chunks():  # type: ignore[no-untyped-def]
        for i in range(0, len(body), 7):
            yield body[i : i + 7]

    response = client.post(
        "/auth/recording/fetch",
        content=chunks(),
        headers=plugnmeet_headers(body, "demo-key", "demo-secret"),
    )
    assert response.status_code == 200, response.text
    assert response.json()["result"]["limit"] == 2


def test_repeated_requests_are_replayed_byte_identically_from_the_cache(
    client: httpx.Client,
) -> None:
    url = f"/api/video/room_sessions/{uuid.uuid4()}/recordings?page_size=3"
    client.delete("/__recmock/journal")
    first = client.get(url, headers=basic("demo-project", "demo-token"))
    second = client.get(url, headers=basic("demo-project", "demo-token"))
    assert first.content == second.content and first.headers == second.headers
    cached = [e["cached"] for e in client.get("/__recmock/journal").json()["entries"]]
    assert cached == [False, True]


def test_an_expired_zoom_token_is_not_served_from_the_cache(client: httpx.Client) -> None:
    import time

    url = f"/v2/videosdk/sessions/{uuid.uuid4()}/recordings"
    token = zoom_jwt("demo-key", "demo-secret", ttl=2)
    assert client.get(url, headers=bearer(token)).status_code in (200, 404)
    time.sleep(2.1)
    again = client.get(url, headers=bearer(token))
    assert again.status_code == 401 and again.json()["code"] == 124


@pytest.mark.parametrize("prefix", ["/auth", "/api/video", "/v2", "/client/v4"])
def test_each_spec_serves_its_31_document_and_swagger_ui(client: httpx.Client, prefix: str) -> None:
    document = client.get(f"{prefix}/openapi.json")
    assert document.status_code == 200
    assert document.json()["openapi"].startswith("3.1")
    assert document.json()["servers"][0]["url"] == f"http://127.0.0.1:8000{prefix}"
    ui = client.get(f"{prefix}/ui/")
    # That Chromium renders it and "Try it out" works: tests/server/test_swagger_ui.py.
    assert ui.status_code == 200 and '<script src="swagger-ui-bundle.js">' in ui.text
    assert f"{prefix}/openapi.json" in ui.text


def test_every_json_response_says_application_json(client: httpx.Client) -> None:
    for response in (
        client.get(CF + "bad", headers=bearer("demo-token")),
        client.get(CF + str(uuid.uuid4())),
        client.get("/__recmock/health"),
    ):
        assert response.headers["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/video/room_sessions/a%0Ab/recordings", 422),
        ("/v2/videosdk/sessions/a%0Ab/recordings", 404),  # any string names a session or none
        (CF.replace("023e", "%7F23e") + str(uuid.uuid4()), 400),
        ("/api/video/room_sessions/" + str(uuid.uuid4()) + "/recordings/", 404),
        ("/api/video/room_sessions/" + str(uuid.uuid4()) + "/recordings%0A", 404),
    ],
)
def test_paths_both_routers_would_disagree_on_get_a_documented_4xx(
    client: httpx.Client, path: str, status: int
) -> None:
    """Control characters and trailing slashes: never Connexion's 404/307 turned into a 500."""
    headers = {**basic("demo-project", "demo-token"), **bearer(zoom_jwt("demo-key", "demo-secret"))}
    response = client.get(
        path, headers=headers if "video/" not in path else basic("demo-project", "demo-token")
    )
    assert response.status_code == status, response.text
