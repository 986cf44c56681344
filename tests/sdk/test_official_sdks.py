"""The providers' own Python SDKs, unmodified, talk to a real `recmock serve` over real HTTP.

Each SDK is pointed at the mock the way its users would point it at a staging host: Cloudflare
through `base_url`, SignalWire through `host` (a loopback host makes it speak plain HTTP),
plugNmeet through `base_url` (the SDK appends `/auth` itself). Nothing is stubbed.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import cloudflare
import httpx
import pytest
from cloudflare import Cloudflare
from plugnmeet_sdk import PlugNMeet
from plugnmeet_sdk.schemas.data import OrderBy
from plugnmeet_sdk.schemas.requests import FetchRecordingsRequest
from signalwire.rest import RestClient, SignalWireRestError
from signalwire.rest._pagination import PaginatedIterator

pytestmark = pytest.mark.slow

CF_TOKEN = "demo-token"
CF_ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
CF_APP = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
CF_RECORDINGS = [
    "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",  # the seed docs' example id
    *(str(uuid.UUID(int=n * 0x9E3779B97F4A7C15, version=4)) for n in range(1, 9)),
]
CF_STATUSES = {"INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED"}
CF_WRITE_ONLY = {"access_key", "secret", "password", "private_key"}

SW_PROJECT, SW_TOKEN = "demo-project", "demo-token"
SW_SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
SW_STATUSES = {"recording", "paused", "processing", "completed"}  # RoomRecordingStatus

PNM_KEY, PNM_SECRET = "demo-key", "demo-secret"


def cloudflare_client(server_url: str, token: str = CF_TOKEN) -> Cloudflare:
    """The official client in strict mode: any field the mock gets wrong raises."""
    return Cloudflare(
        api_token=token,
        base_url=f"{server_url}/client/v4",
        _strict_response_validation=True,
        max_retries=0,
        timeout=10,
    )


def signalwire_client(server_url: str, token: str = SW_TOKEN) -> RestClient:
    """The SDK takes a host, not a URL; for a loopback host it switches to plain HTTP."""
    return RestClient(project=SW_PROJECT, token=token, host=urlsplit(server_url).netloc)


def fetch_recordings(server_url: str, request: FetchRecordingsRequest, secret: str = PNM_SECRET):
    """Run the async SDK call to completion; the SDK returns (HTTP status, decoded body)."""

    async def call() -> tuple[int, dict[str, Any]]:
        return await asyncio.wait_for(
            PlugNMeet(server_url, PNM_KEY, secret).fetchRecordings(request), timeout=15
        )

    return asyncio.run(call())


def served(server_url: str, path: str) -> list[dict[str, Any]]:
    """What the mock's request journal recorded for `path`: proof of the path the SDK used."""
    reply = httpx.get(f"{server_url}/__recmock/journal", params={"path": path}, timeout=10)
    reply.raise_for_status()
    return [e for e in reply.json()["entries"] if e["path"] == path]


# --- Cloudflare RealtimeKit (`cloudflare` 5.x, Stainless-generated, pydantic models) -----------


@pytest.mark.parametrize("recording_id", CF_RECORDINGS)
def test_cloudflare_get_one_recording_parses_strictly(live_server, recording_id: str) -> None:
    """Strict validation accepts every generated recording and the typed fields make sense."""
    client = cloudflare_client(live_server.url)
    app_id = str(uuid.uuid5(uuid.NAMESPACE_URL, recording_id))
    got = client.realtime_kit.recordings.get_one_recording(
        recording_id, account_id=CF_ACCOUNT, app_id=app_id
    )
    assert got.success is True
    data = got.data
    assert data is not None
    assert data.id == recording_id
    assert data.status in CF_STATUSES
    assert isinstance(data.invoked_time, datetime) and data.invoked_time.tzinfo is not None
    assert data.output_file_name
    if data.started_time is not None:
        assert data.started_time >= data.invoked_time
    if data.stopped_time is not None:
        assert data.started_time is not None and data.stopped_time >= data.started_time
    if data.file_size is not None:
        assert data.file_size >= 0
    if data.recording_duration is not None:
        assert data.recording_duration >= 0
    if data.storage_config is not None:
        assert not CF_WRITE_ONLY & data.storage_config.model_fields_set


def test_cloudflare_raw_response_is_json_without_secrets(live_server) -> None:
    """The bytes behind the model: JSON content type, deterministic, no write-only secrets."""
    recordings = cloudflare_client(live_server.url).realtime_kit.recordings
    responses = [
        recordings.with_raw_response.get_one_recording(
            CF_RECORDINGS[0], account_id=CF_ACCOUNT, app_id=CF_APP
        )
        for _ in range(2)
    ]
    assert all(r.http_response.status_code == 200 for r in responses)
    assert responses[0].headers["content-type"].startswith("application/json")
    assert responses[0].http_response.content == responses[1].http_response.content
    storage = responses[0].http_response.json()["data"].get("storage_config") or {}
    assert not CF_WRITE_ONLY & storage.keys()
    assert responses[0].parse().data.id == CF_RECORDINGS[0]


def test_cloudflare_wrong_token_raises_authentication_error(live_server) -> None:
    client = cloudflare_client(live_server.url, token="not-the-token")
    with pytest.raises(cloudflare.AuthenticationError) as caught:
        client.realtime_kit.recordings.get_one_recording(
            CF_RECORDINGS[0], account_id=CF_ACCOUNT, app_id=CF_APP
        )
    assert caught.value.status_code == 401
    assert caught.value.body["success"] is False
    assert caught.value.body["errors"][0]["code"] == 10000


def test_cloudflare_foreign_account_raises_permission_denied(live_server) -> None:
    client = cloudflare_client(live_server.url)
    with pytest.raises(cloudflare.PermissionDeniedError) as caught:
        client.realtime_kit.recordings.get_one_recording(
            CF_RECORDINGS[0], account_id="0" * 32, app_id=CF_APP
        )
    assert caught.value.status_code == 403
    assert caught.value.body["errors"][0]["code"] == 9109


# --- SignalWire (`signalwire-sdk` REST client, requests-based, returns plain dicts) ------------


def test_signalwire_list_recordings(live_server) -> None:
    """One page, as the SDK returns it: the requested session's recordings, well-formed."""
    page = signalwire_client(live_server.url).video.room_sessions.list_recordings(SW_SESSION)
    assert page["data"], "the default scenario never answers with an empty list"
    assert urlsplit(page["links"]["self"]).path == (
        f"/api/video/room_sessions/{SW_SESSION}/recordings"
    )
    path = f"/api/video/room_sessions/{SW_SESSION}/recordings"
    assert any(
        e["status"] == 200 and e["operation"].startswith("signalwire/")
        for e in served(live_server.url, path)
    ), f"the SDK did not GET {path}"
    for recording in page["data"]:
        uuid.UUID(recording["id"])
        assert recording["room_session_id"] == SW_SESSION
        assert recording["status"] in SW_STATUSES


def test_signalwire_pages_follow_links_next(live_server) -> None:
    """Walking `links.next` one recording at a time visits the whole session exactly once."""
    sessions = signalwire_client(live_server.url).video.room_sessions
    everything = [r["id"] for r in sessions.list_recordings(SW_SESSION, page_size=1000)["data"]]
    seen: list[str] = []
    params: dict[str, str] = {"page_size": "1"}
    for _ in range(len(everything) + 1):
        page = sessions.list_recordings(SW_SESSION, **params)
        assert len(page["data"]) <= 1
        seen += [r["id"] for r in page["data"]]
        if not page["links"].get("next"):
            break
        params = dict(parse_qsl(urlsplit(page["links"]["next"]).query))
    else:
        pytest.fail(f"links.next never ended after {len(everything) + 1} pages")
    assert seen == everything
    assert len(set(seen)) == len(seen) > 1


def test_signalwire_sdk_paginator_walks_every_page(live_server) -> None:
    """The SDK's own PaginatedIterator (what `paginate()` uses) understands our `links.next`."""
    client = signalwire_client(live_server.url)
    path = f"/api/video/room_sessions/{SW_SESSION}/recordings"
    walked = [r["id"] for r in PaginatedIterator(client._http, path, params={"page_size": 1})]
    everything = client.video.room_sessions.list_recordings(SW_SESSION, page_size=1000)["data"]
    assert walked == [r["id"] for r in everything]


def test_signalwire_bad_credentials_fail(live_server) -> None:
    client = signalwire_client(live_server.url, token="not-the-token")
    with pytest.raises(SignalWireRestError) as caught:
        client.video.room_sessions.list_recordings(SW_SESSION)
    assert caught.value.status_code == 401
    assert caught.value.body == {"error": "Unauthorized"}


# --- plugNmeet (`plugnmeet-sdk`, aiohttp; sends `from_` and explicit nulls) -----------------


def test_plugnmeet_fetch_recordings(live_server) -> None:
    """The SDK's body carries `from_: null, limit: null, order_by: null`; defaults apply."""
    status, body = fetch_recordings(live_server.url, FetchRecordingsRequest(room_ids=["room01"]))
    assert status == 200
    assert body["status"] is True
    assert any(e["status"] == 200 for e in served(live_server.url, "/auth/recording/fetch"))
    result = body["result"]
    assert (result["from"], result["limit"], result["order_by"]) == (0, 20, "DESC")
    records = result["recordings_list"]
    assert records and all(r["room_id"] == "room01" for r in records)
    times = [r["creation_time"] for r in records]
    assert times == sorted(times, reverse=True)


def test_plugnmeet_fetch_recordings_with_options(live_server) -> None:
    """`limit` and `order_by` reach the server; the SDK's `from_` is not the wire's `from`."""
    request = FetchRecordingsRequest(
        room_ids=["room01", "room02"], from_=1, limit=2, order_by=OrderBy.ASC
    )
    status, body = fetch_recordings(live_server.url, request)
    assert status == 200 and body["status"] is True
    result = body["result"]
    # The real server ignores the unknown key `from_`, so the offset stays at its default.
    assert (result["from"], result["limit"], result["order_by"]) == (0, 2, "ASC")
    records = result["recordings_list"]
    assert 0 < len(records) <= 2
    assert {r["room_id"] for r in records} <= {"room01", "room02"}
    assert [r["creation_time"] for r in records] == sorted(r["creation_time"] for r in records)


def test_plugnmeet_wrong_secret_is_rejected(live_server) -> None:
    request = FetchRecordingsRequest(room_ids=["room01"])
    status, body = fetch_recordings(live_server.url, request, secret="not-the-secret")
    assert status == 401
    assert body["status"] is False
    assert body["status_code"] == "INVALID_TOKEN_OR_SIGNATURE"
