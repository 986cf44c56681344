"""Download links that play, byte by byte: real files, Range, validators, CORS, expiry, access.

Oracles are independent of the serving code: the shipped files' own MP4 boxes (and ffprobe
where installed) for what the bytes are, Python slicing for what a range must return, the
expiry the API reply itself states, and a second server on a later clock for "the link stops
working". The browser side (a real <video>) is tests/server/test_media_browser.py.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from recmock.auth import basic, bearer, zoom_jwt
from recmock.media import assets, links, ranges
from recmock.providers import Credentials
from recmock.server.media import CHUNK
from recmock.server.run import ServeConfig, build_app
from recmock.world import DEFAULT_NOW

FILES = Path(assets.__file__).parent / "files"
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
APP = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
RECORDING = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
SW = basic("demo-project", "demo-token")
ORIGIN = "http://127.0.0.1:8000"


def serve(now: int = DEFAULT_NOW, **config: Any) -> TestClient:
    return TestClient(build_app(ServeConfig(now=now, **config)), base_url=ORIGIN,
                      client=("127.0.0.1", 50000))  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Iterator[TestClient]:
    with serve() as client:
        yield client


def signalwire_uris(client: TestClient, query: str = "", **headers: str) -> list[str]:
    url = f"/api/video/room_sessions/{SESSION}/recordings?page_size=20{query}"
    reply = client.get(url, headers={**SW, **headers})
    assert reply.status_code == 200, reply.text
    return [r["uri"] for r in reply.json()["data"] if r["uri"]]


def zoom_body(client: TestClient, session: str = SESSION, **headers: str) -> dict[str, Any]:
    url = f"/v2/videosdk/sessions/{session}/recordings?include_fields=download_access_token"
    jwt = zoom_jwt("demo-key", "demo-secret")
    reply = client.get(url, headers={**bearer(jwt), **headers})
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def cloudflare_data(client: TestClient, recording: str = RECORDING, **headers: str) -> Any:
    url = f"/client/v4/accounts/{ACCOUNT}/realtime/kit/{APP}/recordings/{recording}"
    reply = client.get(url, headers={**bearer("demo-token"), **headers})
    assert reply.status_code == 200, reply.text
    return reply.json()["data"]


# --- the bytes are real media ------------------------------------------------------------


def boxes(data: bytes, start: int = 0, end: int | None = None) -> dict[bytes, bytes]:
    """Top-level ISO BMFF boxes (type -> payload) between start and end."""
    out, at, end = {}, start, len(data) if end is None else end
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        assert size >= 8, f"bad box size at {at}"
        out[kind] = data[at + 8 : at + size]
        at += size
    assert at == end, "boxes do not tile the file"
    return out


@pytest.mark.parametrize(("name", "brand", "codecs"), [
    ("video.mp4", b"isom", (b"avc1", b"mp4a")),
    ("audio.m4a", b"M4A ", (b"mp4a",)),
])  # fmt: skip
def test_shipped_files_are_small_faststart_mp4_with_their_codecs(
    name: str, brand: bytes, codecs: tuple[bytes, ...]
) -> None:
    data = (FILES / name).read_bytes()
    assert 5_000 < len(data) < 300_000  # small (assets.py says why the MP4 is ~240 KB)
    top = boxes(data)
    assert top[b"ftyp"][:4] == brand
    assert list(top)[:2] == [b"ftyp", b"moov"] or list(top)[1] == b"free"  # moov first: faststart
    moov = top[b"moov"]
    for codec in codecs:
        assert codec in moov
    if name == "audio.m4a":
        assert b"avc1" not in moov
    mvhd = moov[moov.index(b"mvhd") + 4 :]
    timescale, duration = struct.unpack(">II", mvhd[12:20])  # version 0 mvhd
    assert duration / timescale == pytest.approx(assets.DURATION_SECONDS, abs=0.1)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe (Debian ffmpeg) not installed")
@pytest.mark.parametrize("name", ["video.mp4", "audio.m4a"])
def test_ffprobe_reads_the_declared_codecs(name: str) -> None:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name",
         "-of", "json", str(FILES / name)], capture_output=True, text=True, check=True,
    )  # fmt: skip
    probe = json.loads(out.stdout)
    names = sorted(s["codec_name"] for s in probe["streams"])
    assert names == (["aac", "h264"] if name == "video.mp4" else ["aac"])
    assert float(probe["format"]["duration"]) == pytest.approx(assets.DURATION_SECONDS, abs=0.1)


def test_each_link_serves_the_type_its_recording_declares(mock: TestClient) -> None:
    uri = signalwire_uris(mock)[0]
    assert mock.get(uri).headers["content-type"] == "video/mp4"
    body = zoom_body(mock)
    token = body["download_access_token"]
    expected = {"MP4": ("video/mp4", "video.mp4"), "M4A": ("audio/mp4", "audio.m4a"),
                "TIMELINE": ("application/json", "timeline.json")}  # fmt: skip
    files = body["recording_files"] + body["participant_audio_files"]
    for item in files:
        reply = mock.get(item["download_url"], params={"access_token": token})
        content_type, name = expected[item["file_type"]]
        assert reply.status_code == 200 and reply.headers["content-type"] == content_type
        assert reply.content == (FILES / name).read_bytes()
    data = cloudflare_data(mock)
    video, audio = mock.get(data["download_url"]), mock.get(data["audio_download_url"])
    assert video.content == (FILES / "video.mp4").read_bytes()
    assert audio.headers["content-type"] == "audio/mp4"
    assert audio.content == (FILES / "audio.m4a").read_bytes()
    assert audio.headers["content-disposition"] == 'attachment; filename="audio.m4a"'


# --- links resolve to the origin the request came to ------------------------------------


@pytest.mark.parametrize("host", ["mock.test:8443", "10.0.0.5", "localhost:9000"])
def test_links_point_at_the_host_the_client_called(mock: TestClient, host: str) -> None:
    headers = {"Host": host}
    uris = signalwire_uris(mock, **headers)
    zoom = zoom_body(mock, **headers)
    cloudflare = cloudflare_data(mock, **headers)
    found = [*uris, cloudflare["download_url"], cloudflare["audio_download_url"]]
    found += [f["download_url"] for f in zoom["recording_files"] + zoom["participant_audio_files"]]
    assert found and all(u.startswith(f"http://{host}/media/") for u in found)
    assert all(links.parse(urlsplit(u).path) is not None for u in found)
    zoom_urls = [f["download_url"] for f in zoom["recording_files"]]
    assert all("/rec/download/" in u and "?" not in u for u in zoom_urls)  # `?access_token=` works


def test_the_signalwire_uri_expires_media_ttl_after_the_list_call(mock: TestClient) -> None:
    for ttl, query in ((900, ""), (60, "&media_ttl=60")):
        for uri in signalwire_uris(mock, query):
            assert parse_qs(urlsplit(uri).query)["expires"] == [str(DEFAULT_NOW + ttl)]


# --- Range, validators, HEAD -------------------------------------------------------------

DATA = {kind: assets.asset(kind).data for kind in assets.FILES}


@given(kind=st.sampled_from(sorted(DATA)), data=st.data())
def test_any_valid_range_returns_exactly_those_bytes(kind: str, data: st.DataObject) -> None:
    """The pure decision, against Python slicing, for every form a client may send."""
    body = DATA[kind]
    n = len(body)
    form = data.draw(st.sampled_from(["closed", "open", "suffix"]))
    start = data.draw(st.integers(0, n - 1))
    if form == "closed":
        last = data.draw(st.integers(start, n + 1000))
        header, expected = f"bytes={start}-{last}", body[start : last + 1]
    elif form == "open":
        header, expected = f"bytes={start}-", body[start:]
    else:
        count = data.draw(st.integers(1, n + 1000))
        header, expected = f"bytes=-{count}", body[-count:]
    plan = ranges.decide("GET", {"range": header}, n, '"t"', "")
    assert plan.status == 206
    assert body[plan.start : plan.stop] == expected
    assert ranges.content_range(plan, n) == f"bytes {plan.start}-{plan.stop - 1}/{n}"


@given(kind=st.sampled_from(sorted(DATA)), data=st.data())
def test_any_unsatisfiable_or_malformed_range_is_416(kind: str, data: st.DataObject) -> None:
    n = len(DATA[kind])
    header = data.draw(st.one_of(
        st.integers(n, 10**12).map(lambda a: f"bytes={a}-"),
        st.tuples(st.integers(n, 10**9), st.integers(0, 10**9)).map(lambda t: f"bytes={t[0]}-{t[0] + t[1]}"),
        st.tuples(st.integers(1, n), st.integers(1, n)).map(lambda t: f"bytes={t[0]}-{t[0] - t[1]}"),
        st.just("bytes=-0"), st.just("bytes=abc"), st.just("bytes=1-2-3"), st.just("bytes=-"),
        st.just("bytes=" + "9" * 5000 + "-"), st.just("bytes=0x10-"),
    ))  # fmt: skip
    assert ranges.decide("GET", {"range": header}, n, '"t"', "").status == 416


@pytest.fixture(scope="module")
def video_url(mock: TestClient) -> str:
    return signalwire_uris(mock)[0]


@given(data=st.data())
def test_ranges_over_http_return_the_file_bytes(video_url: str, data: st.DataObject) -> None:
    """Through the whole server: 206 + Content-Range + exactly the bytes, or 416 past the end."""
    body = DATA["mp4"]
    n = len(body)
    start = data.draw(st.integers(0, n + 50))
    last = data.draw(st.one_of(st.none(), st.integers(start, n + 50)))
    header = f"bytes={start}-" + ("" if last is None else str(last))
    with serve() as client:
        reply = client.get(video_url, headers={"Range": header})
    if start >= n:
        assert reply.status_code == 416 and reply.headers["content-range"] == f"bytes */{n}"
        assert reply.content == b""
        return
    stop = n if last is None else min(last + 1, n)
    assert reply.status_code == 206
    assert reply.content == body[start:stop]
    assert reply.headers["content-range"] == f"bytes {start}-{stop - 1}/{n}"
    assert reply.headers["content-length"] == str(stop - start)


def test_suffix_open_and_multi_ranges_over_http(mock: TestClient, video_url: str) -> None:
    body, n = DATA["mp4"], len(DATA["mp4"])
    suffix = mock.get(video_url, headers={"Range": "bytes=-500"})
    assert suffix.status_code == 206 and suffix.content == body[-500:]
    assert suffix.headers["content-range"] == f"bytes {n - 500}-{n - 1}/{n}"
    opened = mock.get(video_url, headers={"Range": "bytes=100-"})
    assert opened.status_code == 206 and opened.content == body[100:]
    several = mock.get(video_url, headers={"Range": "bytes=0-1,5-6"})
    assert several.status_code == 200 and several.content == body  # ignored, as the RFC allows
    other_unit = mock.get(video_url, headers={"Range": "items=0-1"})
    assert other_unit.status_code == 200 and other_unit.content == body


def test_get_and_head_carry_validators_and_accept_ranges(mock: TestClient, video_url: str) -> None:
    got, head = mock.get(video_url), mock.head(video_url)
    assert got.status_code == head.status_code == 200
    assert head.content == b"" and got.content == DATA["mp4"]
    for name in ("etag", "last-modified", "content-length", "content-type", "accept-ranges",
                 "content-disposition"):  # fmt: skip
        assert head.headers[name] == got.headers[name], name
    assert got.headers["accept-ranges"] == "bytes"
    assert got.headers["content-disposition"].startswith('attachment; filename="')
    assert got.headers["content-length"] == str(len(DATA["mp4"]))


def test_conditional_requests(mock: TestClient, video_url: str) -> None:
    first = mock.get(video_url)
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert mock.get(video_url, headers={"If-None-Match": etag}).status_code == 304
    assert mock.get(video_url, headers={"If-None-Match": f"W/{etag}"}).status_code == 304
    assert mock.get(video_url, headers={"If-None-Match": '"other"'}).status_code == 200
    assert mock.get(video_url, headers={"If-Modified-Since": modified}).status_code == 304
    older = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert mock.get(video_url, headers={"If-Modified-Since": older}).status_code == 200
    same = mock.get(video_url, headers={"Range": "bytes=10-19", "If-Range": etag})
    assert same.status_code == 206 and same.content == DATA["mp4"][10:20]
    dated = mock.get(video_url, headers={"Range": "bytes=10-19", "If-Range": modified})
    assert dated.status_code == 206
    changed = mock.get(video_url, headers={"Range": "bytes=10-19", "If-Range": '"old"'})
    assert changed.status_code == 200 and changed.content == DATA["mp4"]
    not_modified = mock.get(video_url, headers={"If-None-Match": etag})
    assert not_modified.content == b"" and not_modified.headers["etag"] == etag


def test_cors_lets_another_origin_read_ranges(mock: TestClient, video_url: str) -> None:
    page = "http://player.test:5173"
    reply = mock.get(video_url, headers={"Origin": page, "Range": "bytes=0-9"})
    assert reply.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in reply.headers["access-control-expose-headers"].split(",")}
    assert {"content-range", "accept-ranges", "content-length"} <= exposed
    preflight = mock.options(video_url, headers={
        "Origin": page, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "range,authorization"})  # fmt: skip
    assert preflight.status_code == 204
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "range" in allowed and "authorization" in allowed
    refused = mock.get(video_url, headers={"Origin": page, "X-Recmock-Scenario": "x"})
    assert refused.headers["access-control-allow-origin"] == "*"
    with serve(cors_origins=()) as closed:
        assert (
            "access-control-allow-origin"
            not in closed.get(video_url, headers={"Origin": page}).headers
        )


def test_bodies_stream_in_bounded_chunks_of_one_shared_buffer(video_url: str) -> None:
    """Bounded memory: no body message exceeds CHUNK, whatever range was asked."""
    import asyncio

    app = build_app(ServeConfig())
    url = urlsplit(video_url)
    sent: list[dict[str, Any]] = []

    async def run() -> None:
        scope = {"type": "http", "method": "GET", "path": url.path, "raw_path": url.path.encode(),
                 "query_string": url.query.encode(), "headers": [(b"host", b"127.0.0.1:8000")],
                 "scheme": "http", "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 1)}  # fmt: skip

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b""}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)

    asyncio.run(run())
    chunks = [m["body"] for m in sent if m["type"] == "http.response.body"]
    assert len(chunks) >= 2 and max(len(c) for c in chunks) <= CHUNK
    assert b"".join(chunks) == DATA["mp4"]


def test_only_get_head_and_options(mock: TestClient, video_url: str) -> None:
    reply = mock.post(video_url)
    assert reply.status_code == 405 and "GET" in reply.headers["allow"]


# --- expiry and access, as each provider's storage answers ------------------------------


def test_a_signalwire_link_stops_working_when_the_clock_passes_its_expiry() -> None:
    with serve() as minting:
        uri = signalwire_uris(minting, "&media_ttl=120")[0]
    with serve(now=DEFAULT_NOW + 119) as before:
        assert before.get(uri).status_code == 200
    with serve(now=DEFAULT_NOW + 120) as after:
        reply = after.get(uri)
    assert reply.status_code == 403 and reply.headers["content-type"] == "application/xml"
    assert "<Code>AccessDenied</Code><Message>Request has expired</Message>" in reply.text


def test_edited_links_are_refused(mock: TestClient, video_url: str) -> None:
    path, query = urlsplit(video_url).path, parse_qs(urlsplit(video_url).query)
    later = f"{path}?expires={int(query['expires'][0]) + 86400}&signature={query['signature'][0]}"
    other = uuid.UUID(links.parse(path).recording_id).hex  # type: ignore[union-attr]
    moved = video_url.replace(str(uuid.UUID(other)), str(uuid.UUID(int=int(other, 16) ^ 1)))
    for edited in (later, moved, path, f"{path}?expires=abc&signature=x"):
        reply = mock.get(edited)
        assert reply.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in reply.text
    with serve(credentials=Credentials(signalwire_token="another")) as elsewhere:
        assert elsewhere.get(video_url).status_code == 403  # another deployment's key


def test_expired_links_scenario_serves_expired_links(mock: TestClient) -> None:
    headers = {"X-Recmock-Scenario": "expired-links"}
    for uri in signalwire_uris(mock, **headers):
        assert mock.get(uri).status_code == 403
    body = zoom_body(mock, **headers)
    file_url = body["recording_files"][0]["download_url"]
    reply = mock.get(file_url, params={"access_token": body["download_access_token"]})
    assert reply.status_code == 401 and reply.json() == {
        "code": 124,
        "message": "Access token is expired.",
    }
    data = cloudflare_data(mock, **headers)
    assert mock.get(data["download_url"]).status_code in (400, 403)
    # the same recordings in the default scenario play
    assert mock.get(signalwire_uris(mock)[0]).status_code == 200


def test_cloudflare_refuses_in_its_storage_type_shape(mock: TestClient) -> None:
    shapes = {"aws": (403, "<Code>AccessDenied</Code>"), "digitalocean": (403, "AccessDenied"),
              "gcs": (400, "<Code>ExpiredToken</Code>"), "azure": (403, "AuthenticationFailed")}  # fmt: skip
    seen: set[str] = set()
    for n in range(200):
        rec = str(uuid.UUID(int=n * 7919 + 1, version=4))
        data = cloudflare_data(mock, rec, **{"X-Recmock-Scenario": "expired-links"})
        if "download_url" not in data or data["storage_config"]["type"] in seen:
            continue
        kind = data["storage_config"]["type"]
        status, text = shapes[kind]
        reply = mock.get(data["download_url"])
        assert reply.status_code == status and text in reply.text, kind
        seen.add(kind)
        if seen == set(shapes):
            break
    assert seen == set(shapes)


def test_zoom_downloads_need_a_token(mock: TestClient) -> None:
    body = zoom_body(mock)
    url = body["participant_audio_files"][0]["download_url"]
    missing = mock.get(url)
    assert missing.status_code == 401 and missing.json()["code"] == 124
    token = body["download_access_token"]
    assert mock.get(url, params={"access_token": token}).status_code == 200
    assert mock.get(url, headers=bearer(token)).status_code == 200
    assert mock.get(url, headers=bearer(zoom_jwt("demo-key", "demo-secret"))).status_code == 200
    stale = zoom_jwt("demo-key", "demo-secret", ttl=10, now=1_000_000)
    assert mock.get(url, params={"access_token": stale}).json()["message"] == (
        "Access token is expired."
    )
    forged = zoom_jwt("demo-key", "wrong-secret")
    assert mock.get(url, params={"access_token": forged}).status_code == 401
    other_session = zoom_body(mock, "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d")
    refused = mock.get(url, params={"access_token": other_session["download_access_token"]})
    assert refused.status_code == 401  # a token opens its own session's files only


def test_zoom_token_ttl_is_honoured() -> None:
    url = f"/v2/videosdk/sessions/{SESSION}/recordings?include_fields=download_access_token&ttl=60"
    with serve() as minting:
        body = minting.get(url, headers=bearer(zoom_jwt("demo-key", "demo-secret"))).json()
    file_url, token = body["recording_files"][0]["download_url"], body["download_access_token"]
    with serve(now=DEFAULT_NOW + 59) as before:
        assert before.get(file_url, params={"access_token": token}).status_code == 200
    with serve(now=DEFAULT_NOW + 60) as after:
        assert after.get(file_url, params={"access_token": token}).status_code == 401


def test_unfinished_recordings_have_no_working_link(mock: TestClient) -> None:
    """A correctly signed link to a recording that is not UPLOADED in its world: 404."""
    app = build_app(ServeConfig())
    world = app.mock.world("in-progress")  # type: ignore[attr-defined]
    live = next(r for s in world.catalog.sessions.values() for r in s.recordings
                if r.status != "UPLOADED")  # fmt: skip
    key = links.signing_key(Credentials().secrets(), 0)
    minted = links.Minter(ORIGIN, key, "in-progress", "default").signalwire(
        live.id, DEFAULT_NOW + 60
    )
    reply = mock.get(minted)
    assert reply.status_code == 404 and "<Code>NoSuchKey</Code>" in reply.text
    zoom = links.Minter(ORIGIN, key, "in-progress", "default").zoom(live.id, "mp4")
    assert mock.get(zoom, headers=bearer(zoom_jwt("demo-key", "demo-secret"))).status_code == 404


def test_unknown_media_paths_and_scenarios_are_404(mock: TestClient) -> None:
    assert mock.get("/media/signalwire/default/recordings/nope.mp4").status_code == 404
    assert mock.get("/media/nobody/x/y").status_code == 404
    key = links.signing_key(Credentials().secrets(), 0)
    ghost = links.Minter(ORIGIN, key, "no-such-scenario", "default").signalwire(RECORDING, 2**40)
    assert mock.get(ghost).status_code == 404


def test_media_requests_land_in_the_journal_without_capabilities(
    mock: TestClient, video_url: str
) -> None:
    mock.delete("/__recmock/journal")
    mock.get(video_url, headers={"Range": "bytes=1000-1999"})
    body = zoom_body(mock)
    mock.get(body["recording_files"][0]["download_url"],
             params={"access_token": body["download_access_token"]})  # fmt: skip
    entries = mock.get("/__recmock/journal").json()
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    media = [e for e in entries if str(e["path"]).startswith("/media/")]
    assert [e["status"] for e in media] == [206, 200]
    assert media[0]["operation"] == "media#signalwire"
    assert media[0]["problems"] == [f"bytes 1000-1999/{len(DATA['mp4'])}"]
    text = json.dumps(media)
    assert body["download_access_token"] not in text
    assert parse_qs(urlsplit(video_url).query)["signature"][0] not in text


def test_the_readme_video_snippet_is_a_link_the_mock_serves(mock: TestClient) -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    snippet = readme.split("## Download links that play")[1].split("```html")[1].split("```")[0]
    src = snippet.split('src="')[1].split('"')[0]
    assert src in signalwire_uris(mock)
    reply = mock.get(src, headers={"Range": "bytes=0-99"})
    assert reply.status_code == 206 and reply.content == DATA["mp4"][:100]


def test_links_name_the_session_and_land_in_its_journal(mock: TestClient) -> None:
    uri = signalwire_uris(mock, **{"X-Recmock-Session": "qa-1"})[0]
    assert "/media/signalwire/default@qa-1/recordings/" in uri
    mock.delete("/__recmock/journal", headers={"X-Recmock-Session": "qa-1"})
    assert mock.get(uri, headers={"Range": "bytes=5-9"}).status_code == 206
    entries = mock.get("/__recmock/journal", headers={"X-Recmock-Session": "qa-1"}).json()
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    assert [e["status"] for e in entries if str(e["path"]).startswith("/media/")] == [206]


@pytest.mark.parametrize("path", [
    "/media/", "/media/zoom", "/media/zoom/default/rec/download/../../etc/passwd",
    "/media/signalwire/%00/recordings/x.mp4", "/media/zoom/" + "a" * 5000 + "/rec/download/x",  # long
    "/media/zoom/default/rec/download/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e-participant-9x",
], ids=lambda p: p[:60])  # fmt: skip
def test_hostile_media_paths_get_a_clean_404(mock: TestClient, path: str) -> None:
    reply = mock.get(path, headers={"Authorization": b"Bearer \xff\xfe"})
    assert reply.status_code == 404 and reply.headers["content-type"] == "application/xml"


def test_advancing_the_world_clock_expires_links() -> None:
    """With the lifecycle's admin clock (skipped until the server has one)."""
    with serve() as client:
        uri = signalwire_uris(client, "&media_ttl=60")[0]
        assert client.get(uri).status_code == 200
        moved = client.post("/__recmock/clock", json={"advance": 61})
        if moved.status_code in (404, 405):
            pytest.skip("this server has no /__recmock/clock yet")
        assert moved.status_code == 200, moved.text
        assert client.get(uri).status_code == 403
