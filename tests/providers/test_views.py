"""Every provider is a view of one seeded world: paging, filters, totals and details agree.

The tests drive `Mock.handle` in-process with `RawRequest`s (no ASGI: fast enough for
Hypothesis) and take their oracles from outside the provider code: the world's own sessions
and recordings, another provider's view of the same records, and the spec itself. Every reply
passes through `served()`, which validates it against its 3.1 document with openapi-core and,
for 2xx bodies, asserts `rules.violations(op.rules, body) == []`: the x-recmock rules are the
oracle the generator must obey.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import httpx
import pytest
from hypothesis import assume, event, given
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

import strategies as s
from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt
from recmock.providers import Credentials
from recmock.providers.signalwire import page_token
from recmock.rules import get_path, violations
from recmock.scenarios import DEFAULT
from recmock.server.pipeline import Mock, encode
from recmock.specs import Operation, Spec, load_specs
from recmock.validation import RawRequest
from recmock.world import Catalog, World, WorldShape, canonical_session_id, zoom_session_id

# Test tokens are signed with the short demo secret on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
ORIGIN = "http://127.0.0.1:8000"
CREDS = Credentials()
SPECS: dict[str, Spec] = {spec.name: spec for spec in load_specs()}
PLUGNMEET = ("plugnmeet/recording-fetch.v2", "plugnmeet/recording-fetch.v1")
SIGNALWIRE = "signalwire/room-session-recordings"
ZOOM = "zoom/session-recordings"
CLOUDFLARE = "cloudflare/recording-details"
APP_ID = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
# SignalWire's documented status for each world status (the SDK's RoomRecording.status).
SIGNALWIRE_STATUS = {
    "INVOKED": "recording",
    "RECORDING": "recording",
    "PAUSED": "paused",
    "UPLOADING": "processing",
    "UPLOADED": "completed",
    "ERRORED": None,
}


def op_of(spec_name: str) -> Operation:
    (operation,) = SPECS[spec_name].operations
    return operation


@lru_cache(maxsize=8)
def openapi(spec_name: str) -> OpenAPI:
    """openapi-core's view of the 3.1 document exactly as written (built once per spec)."""
    return OpenAPI.from_dict(SPECS[spec_name].document)


def new_mock(seed: int, shape: WorldShape | None = None, catalog: Catalog | None = None) -> Mock:
    """A mock whose default scenario is the open world of `seed` (and `shape`, `catalog`)."""
    scenario = replace(
        DEFAULT, seed=seed, shape=shape or WorldShape(), catalog=catalog or Catalog()
    )
    return Mock(tuple(SPECS.values()), {"default": scenario}, CREDS, seed=seed)


@lru_cache(maxsize=16)
def mock_for(seed: int, shape: WorldShape | None = None) -> Mock:
    """A cached mock per (seed, shape): its world's caches then serve many examples."""
    return new_mock(seed, shape)


def world_of(mock: Mock) -> World:
    return mock.world(mock.active)


@dataclass(frozen=True)
class Served:
    """One reply, already checked against the spec and the rules."""

    status: int
    body: Any
    data: bytes  # the exact bytes the server would send


def served(mock: Mock, spec_name: str, raw: RawRequest) -> Served:
    """Run `raw` through the pipeline; every reply must validate and every 2xx obey the rules."""
    op = op_of(spec_name)
    reply = mock.handle(op, raw, origin=ORIGIN, wall_clock=time.time()).reply
    data = encode(reply.body)
    request = MockRequest(ORIGIN, raw.method, raw.path, path_pattern=op.full_path,
                          args=dict(raw.query), view_args=dict(raw.path_params),
                          headers=dict(raw.headers), data=raw.body)  # fmt: skip
    openapi(spec_name).validate_response(request, MockResponse(data, reply.status))
    if 200 <= reply.status < 300:
        assert violations(op.rules, reply.body) == [], (spec_name, raw)
    return Served(reply.status, reply.body, data)


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def fill(template: str, params: dict[str, str]) -> str:
    """The request path for `template`, path parameters percent-encoded as a client would."""
    return re.sub(r"\{(\w+)\}", lambda m: quote(params[m.group(1)], safe=""), template)


# ---- one request per provider -----------------------------------------------------------


def plugnmeet(mock: Mock, body: dict[str, Any], spec_name: str = PLUGNMEET[0]) -> Served:
    data = json.dumps(body).encode()
    headers = lower(plugnmeet_headers(data, CREDS.plugnmeet_key, CREDS.plugnmeet_secret))
    raw = RawRequest("POST", op_of(spec_name).full_path, {}, (), headers, data)
    return served(mock, spec_name, raw)


def signalwire(mock: Mock, session_id: str, **query: Any) -> Served:
    params = {"id": session_id}
    pairs = tuple((k, str(v)) for k, v in query.items() if v is not None)
    headers = lower(basic(CREDS.signalwire_project, CREDS.signalwire_token))
    raw = RawRequest("GET", fill(op_of(SIGNALWIRE).full_path, params), params, pairs, headers)
    return served(mock, SIGNALWIRE, raw)


def follow(mock: Mock, url: str) -> Served:
    """GET an absolute SignalWire link exactly as a client following it would."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == ORIGIN, url
    template = op_of(SIGNALWIRE).full_path
    pieces = re.split(r"\{(\w+)\}", template)  # literal, name, literal, ...
    pattern = "".join(
        re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(pieces)
    )
    found = re.fullmatch(pattern, parts.path)
    assert found, f"{url}: not a link to {template}"
    params = {name: unquote(value) for name, value in found.groupdict().items()}
    headers = lower(basic(CREDS.signalwire_project, CREDS.signalwire_token))
    query = tuple(parse_qsl(parts.query, keep_blank_values=True))
    raw = RawRequest("GET", parts.path, params, query, headers)
    return served(mock, SIGNALWIRE, raw)


def zoom(mock: Mock, session_id: str, **query: Any) -> Served:
    params = {"sessionId": session_id}
    pairs = tuple((k, str(v)) for k, v in query.items() if v is not None)
    headers = lower(bearer(zoom_jwt(CREDS.zoom_key, CREDS.zoom_secret)))
    raw = RawRequest("GET", fill(op_of(ZOOM).full_path, params), params, pairs, headers)
    return served(mock, ZOOM, raw)


def cloudflare(mock: Mock, recording_id: str) -> Served:
    params = {
        "account_id": CREDS.cloudflare_account,
        "app_id": APP_ID,
        "recording_id": recording_id,
    }
    headers = lower(bearer(CREDS.cloudflare_token))
    raw = RawRequest("GET", fill(op_of(CLOUDFLARE).full_path, params), params, (), headers)
    return served(mock, CLOUDFLARE, raw)


# ---- oracles from the world --------------------------------------------------------------


def uploaded_in_rooms(world: World, rooms: list[str], room_sid: str | None) -> dict[str, str]:
    """record id -> room id of every uploaded recording of the rooms (and session)."""
    found: dict[str, str] = {}
    for room in rooms:
        for key in world.room_sessions(room) or ():
            session = world.session(key)
            if session is None or (room_sid is not None and key != room_sid):
                continue
            found.update({r.id: room for r in session.recordings if r.status == "UPLOADED"})
    return found


def check_filters(op: Operation, request: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Every record satisfies every filter the rules declare for the parameters sent."""
    for rule in op.rules.filters:
        wanted = request.get(rule.param)
        if wanted is None:
            continue
        for record in records:
            value = get_path(record, rule.field)
            assert value in wanted if rule.match == "in" else value == wanted, (rule, record)


def check_order(op: Operation, records: list[dict[str, Any]], order: str | None) -> None:
    """Records are sorted by the rules' ordering field, in the requested or default direction."""
    assert op.rules.ordering is not None
    keys = [get_path(r, op.rules.ordering.field) for r in records]
    direction = order or op.rules.ordering.default
    assert keys == sorted(keys, reverse=direction == "DESC")


def bucket(n: int) -> str:
    """A coarse size for Hypothesis statistics (`--hypothesis-show-statistics`)."""
    return "0" if n == 0 else "1" if n == 1 else "2-9" if n < 10 else "10-99" if n < 100 else "100+"


# ---- plugNmeet ---------------------------------------------------------------------------


@given(
    seed=s.few_seeds,
    rooms=s.room_id_lists,
    by_session=st.booleans(),
    start=s.plugnmeet_froms,
    limit=s.plugnmeet_limits,
    order=s.plugnmeet_orders,
    spec_name=st.sampled_from(PLUGNMEET),
    data=st.data(),
)
def test_plugnmeet_paging_reaches_every_match_once_in_order(
    seed: int, rooms: list[str], by_session: bool, start: int | None, limit: int | None,
    order: str | None, spec_name: str, data: st.DataObject,
) -> None:  # fmt: skip
    """Paging with from/limit through any filter returns each matching record exactly once."""
    mock, op = mock_for(seed), op_of(spec_name)
    world = world_of(mock)
    room_sid = None
    if by_session and spec_name.endswith("v2"):
        candidates = [k for room in rooms for k in world.room_sessions(room) or ()]
        room_sid = data.draw(st.sampled_from(candidates)) if candidates else None
    expected = uploaded_in_rooms(world, list(dict.fromkeys(rooms)), room_sid)
    paging = op.rules.paging
    assert paging is not None
    effective = paging.default_limit if limit is None or limit <= 0 else limit
    effective = min(effective, paging.max_limit)
    request: dict[str, Any] = {"room_ids": rooms, "limit": limit, "order_by": order}
    if room_sid is not None:
        request["room_sid"] = room_sid
    offset, seen = start or 0, []
    request["from"] = start  # null means 0, as absent does
    if spec_name.endswith("v2") and limit is not None and limit < 0:
        # v2's wire type is uint32 (plugnmeet-protocol): a negative limit does not decode
        assert plugnmeet(mock, request, spec_name).status == 400
        return
    while True:
        page = plugnmeet(mock, request, spec_name)
        assert page.status == 200
        if not page.body["status"]:
            assert page.body["msg"] == "no recording found" and "result" not in page.body
            assert offset >= len(expected)
            break
        result = page.body["result"]
        assert (result["from"], result["limit"]) == (offset, effective)
        assert op.rules.ordering is not None
        assert result["order_by"] == (order or op.rules.ordering.default)
        assert get_path(page.body, paging.total) == len(expected)
        records = get_path(page.body, op.rules.items)
        assert 1 <= len(records) <= effective
        check_filters(op, request, records)
        seen += records
        offset += effective
        request["from"] = offset
    event(f"plugNmeet matches: {bucket(len(expected))}, pages: {bucket(len(seen) // effective)}")
    ids = [r["record_id"] for r in seen]
    assert len(ids) == len(set(ids))
    all_ids = sorted(expected)
    if start in (None, 0):
        assert sorted(ids) == all_ids  # from 0, paging reaches every match
    assert len(ids) == max(0, len(expected) - (start or 0))
    assert all(expected[r["record_id"]] == r["room_id"] for r in seen)
    check_order(op, seen, order)
    if spec_name.endswith("v1"):
        assert all("metadata" not in r for r in seen)


@given(seed=s.few_seeds, rooms=s.room_id_lists, stranger=s.uuids)
def test_plugnmeet_no_match_is_200_with_status_false(
    seed: int, rooms: list[str], stranger: str
) -> None:
    """A filter nothing matches answers 200, status false, 'no recording found', no result."""
    mock = mock_for(seed)
    assume(stranger not in {k for r in rooms for k in world_of(mock).room_sessions(r) or ()})
    page = plugnmeet(mock, {"room_ids": rooms, "room_sid": stranger})
    assert page.status == 200
    assert page.body == {"status": False, "msg": "no recording found", "status_code": "NOT_FOUND"}


# ---- SignalWire --------------------------------------------------------------------------


@given(
    seed=s.few_seeds,
    shape=s.shapes(),
    session_id=s.uuids,
    page_size=s.page_sizes,
    media_ttl=st.one_of(st.none(), st.integers(1, 10**6)),
)
def test_signalwire_next_from_first_visits_every_recording_once(
    seed: int, shape: WorldShape, session_id: str, page_size: int, media_ttl: int | None
) -> None:
    """Following `next` from `first` yields each recording once, newest first, then stops;
    `prev` leads back to the very same pages."""
    mock, op = mock_for(seed, shape), op_of(SIGNALWIRE)
    world = world_of(mock)
    session = world.session(canonical_session_id(session_id))
    assert session is not None
    expected = [r.id for r in reversed(session.recordings)]
    first = signalwire(mock, session_id, page_size=page_size, media_ttl=media_ttl)
    assert first.status == 200
    pages = [first]
    while "next" in pages[-1].body["links"]:
        assert len(pages) <= len(expected), "next links do not stop"
        pages.append(follow(mock, pages[-1].body["links"]["next"]))
        assert pages[-1].status == 200
    event(f"SignalWire recordings: {bucket(len(expected))}, pages: {bucket(len(pages))}")
    records = [r for page in pages for r in page.body["data"]]
    assert [r["id"] for r in records] == expected
    assert len(pages) == max(1, -(-len(expected) // page_size))
    sizes = [len(page.body["data"]) for page in pages]
    assert all(1 <= n <= page_size for n in sizes) if expected else sizes == [0]
    check_filters(op, {"id": session_id}, records)
    check_order(op, records, None)
    for number, page in enumerate(pages):
        links = page.body["links"]
        assert follow(mock, links["first"]).data == first.data
        assert follow(mock, links["self"]).data == page.data
        if number:
            assert follow(mock, links["prev"]).data == pages[number - 1].data
        else:
            assert "prev" not in links
    lifetime = min(media_ttl or 900, shape.link_lifetime)
    for record in records:
        if record["uri"] is not None:
            assert f"?expires={world.now + lifetime}&signature=" in record["uri"]
        if record["finished_at"] is not None:  # exact here; the rules allow 1 s of slack
            assert record["duration"] == epoch(record["finished_at"]) - epoch(record["started_at"])
        else:
            assert record["duration"] is None


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def mutations(token: str) -> st.SearchStrategy[str]:
    """Tokens a client might send instead of `token`: edited, truncated, extended, random."""
    position = st.integers(0, len(token))
    char = st.characters(codec="ascii", exclude_characters="\x00")
    return st.one_of(
        st.builds(lambda i, c: token[:i] + c + token[i:], position, char),
        st.builds(lambda i: token[:i] + token[i + 1 :], position),
        st.builds(lambda i, c: token[:i] + c + token[i + 1 :], position, char),
        st.builds(lambda i: token[:i], position),
        st.text(max_size=60),
    )


@given(
    seed=s.few_seeds,
    session_id=s.uuids,
    other=s.uuids,
    page_size=st.integers(1, 3),
    data=st.data(),
)
def test_signalwire_refuses_forged_and_foreign_page_tokens(
    seed: int, session_id: str, other: str, page_size: int, data: st.DataObject
) -> None:
    """A page token is valid for exactly one (session, size, page): anything else is 422."""
    mock = mock_for(seed)
    key = canonical_session_id(session_id)
    real = page_token(seed, key, page_size, 1)
    forged = data.draw(
        st.one_of(
            mutations(real),
            st.just(page_token(seed, canonical_session_id(other), page_size, 1)),
            st.just(page_token(seed, key, page_size + 1, 1)),
            st.just(page_token(seed, key, page_size, 2)),
            st.just(page_token(seed + 1, key, page_size, 1)),
        ),
        label="forged",
    )
    assume(forged != real)
    query: dict[str, Any] = {"page_size": page_size, "page_number": 1}
    if forged:
        query["page_token"] = forged
    refused = signalwire(mock, session_id, **query)
    assert refused.status == 422
    assert [e["attribute"] for e in refused.body["errors"]] == ["page_token"]


# ---- Zoom and cross-provider agreement ---------------------------------------------------


@given(
    seed=s.few_seeds,
    raw_id=st.uuids(),
    as_base64=st.booleans(),
    token=st.booleans(),
    ttl=st.one_of(st.none(), st.integers(0, 604_800)),
)
def test_zoom_counts_and_files_agree_with_signalwire(
    seed: int, raw_id: Any, as_base64: bool, token: bool, ttl: int | None
) -> None:
    """recording_count/total_size agree with the files, and the video files are exactly
    SignalWire's completed recordings of the same session, with the same times and sizes."""
    mock = mock_for(seed)
    key = canonical_session_id(str(raw_id))
    listed = signalwire(mock, key, page_size=1000).body["data"]
    completed = {
        (r["started_at"], r["finished_at"], r["size_in_bytes"])
        for r in listed
        if r["status"] == "completed"
    }
    requested = zoom_session_id(key) if as_base64 else str(raw_id)
    include = "download_access_token" if token else None
    reply = zoom(mock, requested, include_fields=include, ttl=ttl if token else None)
    if not completed:
        assert reply.status == 404 and reply.body["code"] == 3301
        return
    assert reply.status == 200
    body = reply.body
    files = body["recording_files"]
    assert body["recording_count"] == len(files)
    assert body["total_size"] == sum(f["file_size"] for f in files)
    assert all(f["session_id"] == requested for f in files)
    videos = {
        (f["recording_start"], f["recording_end"], f["file_size"])
        for f in files
        if f["file_type"] == "MP4"
    }
    assert videos == completed
    assert ("download_access_token" in body) == token


@given(seed=s.few_seeds, session_id=s.uuids, ttl=st.sampled_from([-1, 604_801, 10**7]))
def test_zoom_ttl_outside_range_is_400(seed: int, session_id: str, ttl: int) -> None:
    reply = zoom(mock_for(seed), session_id, include_fields="download_access_token", ttl=ttl)
    assert reply.status == 400 and reply.body["code"] == 300


@given(seed=s.few_seeds, shape=s.shapes(max_recordings=12), session_id=s.uuids)
def test_cloudflare_detail_agrees_with_signalwire_list(
    seed: int, shape: WorldShape, session_id: str
) -> None:
    """The detail of every recording seen in a list has the same times, size and status."""
    mock = mock_for(seed, shape)
    listed = signalwire(mock, session_id, page_size=1000).body["data"]
    for item in listed:
        detail = cloudflare(mock, item["id"])
        assert detail.status == 200
        data = detail.body["data"]
        assert data["id"] == item["id"]
        assert SIGNALWIRE_STATUS[data["status"]] == item["status"]
        assert data["invoked_time"] == item["created_at"]
        assert data.get("started_time") == item["started_at"]
        assert data.get("stopped_time") == item["finished_at"]
        assert data.get("recording_duration") == item["duration"]
        assert data.get("file_size") == item["size_in_bytes"]
        assert data["session_id"] == canonical_session_id(session_id)
        if data["status"] == "ERRORED":
            assert data["stop_reason"]["reason"] == "INTERNAL_ERROR"


@given(seed=s.few_seeds, room=s.room_ids)
def test_plugnmeet_records_agree_with_signalwire_and_cloudflare(seed: int, room: str) -> None:
    """A room's uploaded recordings look the same through plugNmeet, SignalWire and Cloudflare."""
    mock = mock_for(seed)
    page = plugnmeet(mock, {"room_ids": [room], "limit": 100})
    records = page.body.get("result", {}).get("recordings_list", [])
    sessions: dict[str, dict[str, Any]] = {}
    for record in records:
        if record["room_sid"] not in sessions:
            listed = signalwire(mock, record["room_sid"], page_size=1000).body["data"]
            sessions[record["room_sid"]] = {r["id"]: r for r in listed}
        item = sessions[record["room_sid"]][record["record_id"]]
        assert item["status"] == "completed"
        assert item["size_in_bytes"] == record["file_size"]
        detail = cloudflare(mock, record["record_id"]).body["data"]
        assert detail["file_size"] == record["file_size"]
        assert record["room_creation_time"] <= record["creation_time"]


@given(rec_id=s.uuids)
def test_cloudflare_unknown_id_in_a_closed_world_is_404(rec_id: str) -> None:
    mock = new_mock(0, catalog=Catalog(closed=True))
    reply = cloudflare(mock, rec_id)
    assert reply.status == 404
    assert reply.body["success"] is False and reply.body["errors"][0]["code"] == 10404


# ---- determinism -------------------------------------------------------------------------


def every_view(mock: Mock, session_id: str, room: str) -> list[bytes]:
    """One response of each provider for the same corner of the world."""
    listed = signalwire(mock, session_id, page_size=2)
    rec_id = (listed.body["data"] or [{"id": session_id}])[0]["id"]
    return [
        listed.data,
        plugnmeet(mock, {"room_ids": [room], "limit": 5}).data,
        plugnmeet(mock, {"room_ids": [room]}, PLUGNMEET[1]).data,
        zoom(mock, zoom_session_id(canonical_session_id(session_id))).data,
        cloudflare(mock, rec_id).data,
    ]


@given(seed=s.seeds, session_id=s.uuids, room=s.room_ids)
def test_same_seed_gives_byte_identical_responses(seed: int, session_id: str, room: str) -> None:
    """Two mocks that share nothing but the seed answer with the same bytes."""
    assert every_view(new_mock(seed), session_id, room) == every_view(
        new_mock(seed), session_id, room
    )


def test_the_app_serves_the_same_bytes(client: httpx.Client) -> None:
    """Through the ASGI app (routing, caching, links built from Host) the bytes are the same,
    and the `next` link a client follows over HTTP is a real URL on the mock."""
    session_id = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
    auth = basic(CREDS.signalwire_project, CREDS.signalwire_token)
    path = fill(op_of(SIGNALWIRE).full_path, {"id": session_id})
    over_http = client.get(path, params={"page_size": 1}, headers=auth)
    direct = signalwire(new_mock(0), session_id, page_size=1)
    assert (over_http.status_code, over_http.content) == (direct.status, direct.data)
    seen = [r["id"] for r in over_http.json()["data"]]
    next_url = over_http.json()["links"].get("next")
    while next_url:
        page = client.get(next_url, headers=auth)
        assert page.status_code == 200
        seen += [r["id"] for r in page.json()["data"]]
        next_url = page.json()["links"].get("next")
    expected = world_of(new_mock(0)).session(canonical_session_id(session_id))
    assert expected is not None
    assert seen == [r.id for r in reversed(expected.recordings)]


# ---- the oracle can fail -----------------------------------------------------------------


def test_served_reports_a_response_that_breaks_the_rules() -> None:
    """A checker that cannot fail proves nothing: a tampered body is caught by the rules."""
    body = signalwire(mock_for(0), "5ee8b016-0818-4425-9a59-cac9fc5e1f92", page_size=5).body
    done = next(r for r in body["data"] if r["status"] == "completed")
    done["duration"] += 5
    assert violations(op_of(SIGNALWIRE).rules, body) != []
    done["duration"] -= 5
    done["uri"] = None
    assert violations(op_of(SIGNALWIRE).rules, body) != []


@pytest.mark.parametrize("spec_name", sorted(SPECS))
def test_documented_examples_obey_the_rules(spec_name: str) -> None:
    """The spec's own 2xx examples satisfy its x-recmock rules: rules and docs agree."""
    op = op_of(spec_name)
    route = SPECS[spec_name].document["paths"][op.path][op.method.lower()]
    checked = 0
    for code, response in route["responses"].items():
        media = response.get("content", {}).get("application/json", {})
        examples = [e["value"] for e in media.get("examples", {}).values()]
        examples += [media["example"]] if "example" in media else []
        if str(code).startswith("2"):
            for example in examples:
                assert violations(op.rules, example) == [], (code, example)
                checked += 1
    assert checked
