"""The oracle behind the negative check: valid input is never called invalid."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.specs import SPECS_DIR, Operation, load_spec
from recmock.verify.classify import Classifier, Verdict, stateful_params
from recmock.verify.generation import build


def _op(name: str) -> Operation:
    return load_spec(SPECS_DIR / name).operations[0]


PLUGNMEET = Classifier(_op("plugnmeet/recording-fetch.v2.yaml"))
SIGNALWIRE = Classifier(_op("signalwire/room-session-recordings.yaml"))
ZOOM = Classifier(_op("zoom/session-recordings.yaml"))
SESSION = "8d1e5b7a-2c3f-4e6a-9b0d-1f2e3a4b5c6d"


def plugnmeet(body: object) -> Verdict:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = build(PLUGNMEET.op, {}, {}, raw, "test")
    assert request is not None
    return PLUGNMEET.classify(request).verdict


@pytest.mark.parametrize(
    "body",
    [
        {"room_ids": ["room01"], "limit": None},
        {"room_ids": ["room01"], "limit": 0},
        {"room_ids": ["room01"], "limit": 10**6},
        {"room_ids": ["room01"], "from": None, "order_by": None, "room_sid": None},
        {"room_ids": ["room01"], "unknown": {"nested": [1, "x", None]}},
        {"room_ids": []},
    ],
    ids=[
        "null-limit",
        "zero-limit",
        "huge-limit",
        "nulls",
        "unknown-key",
        "no-rooms",
    ],
)
def test_plugnmeet_inputs_the_real_server_accepts_are_valid(body: object) -> None:
    """null, unknown keys and any uint32 `limit` are valid: plugNmeet accepts (and clamps) them."""
    assert plugnmeet(body) is Verdict.VALID


@pytest.mark.parametrize(
    "body",
    [
        {"room_ids": "room01"},
        {"room_ids": ["room01"], "order_by": "UP"},
        {"room_ids": ["room01"], "from": -1},
        {"room_ids": ["room01"], "limit": -5},  # uint32 on the wire: a protobuf server says 400
        {"room_ids": ["room01"], "from": 2**70},
        {"room_ids": ["room01"], "limit": "5"},
        {"limit": 5},
        b"",
        b"\xff\xfe",
        b"{not json",
    ],
    ids=[
        "rooms-not-a-list",
        "bad-enum",
        "negative-from",
        "negative-limit",
        "beyond-uint32",
        "string-limit",
        "no-rooms",
        "empty-body",
        "not-utf8",
        "not-json",
    ],
)
def test_plugnmeet_inputs_that_break_the_schema_are_invalid(body: object) -> None:
    """Wrong types, bad enums, out-of-range numbers, missing fields and broken JSON."""
    assert plugnmeet(body) is Verdict.INVALID


@pytest.mark.parametrize(
    "body",
    [
        {"room_ids": ["room01"], "limit": 5.0},
        {"room_ids": ["room01"], "x": 2**70},
        b'{"room_ids":["room01"],"x":' + b"[" * 80 + b"]" * 80 + b"}",
    ],
    ids=["integral-float", "beyond-int64", "deep-nesting"],
)
def test_plugnmeet_inputs_servers_may_read_either_way_are_ambiguous(body: object) -> None:
    """Valid by JSON Schema, yet a typed server may refuse them: no verdict either way."""
    assert plugnmeet(body) is Verdict.AMBIGUOUS


def signalwire(query: dict[str, str], session: str = SESSION, *, trusted: bool = False) -> Verdict:
    request = build(SIGNALWIRE.op, {"id": session}, query, None, "test")
    assert request is not None
    return SIGNALWIRE.classify(request, trusted=trusted).verdict


def test_signalwire_query_verdicts() -> None:
    """Bounds are exact; spacing and `5.0` are ambiguous; unknown keys are fine."""
    assert signalwire({"page_size": "1000"}) is Verdict.VALID
    assert signalwire({"unknown": "1"}) is Verdict.VALID
    assert signalwire({"page_size": "1001"}) is Verdict.INVALID
    assert signalwire({"page_size": "0"}) is Verdict.INVALID
    assert signalwire({"page_size": "ten"}) is Verdict.INVALID
    assert signalwire({}, "not-a-uuid") is Verdict.INVALID
    assert signalwire({"page_size": "5.0"}) is Verdict.AMBIGUOUS
    assert signalwire({"page_size": " 5"}) is Verdict.AMBIGUOUS


def test_cursor_pages_are_ambiguous_unless_a_link_made_them() -> None:
    """page_number > 0 needs a server-minted page_token: only link-following knows one."""
    assert stateful_params(SIGNALWIRE.op) == {"page_number", "page_token"}
    query = {"page_number": "2", "page_token": "PAxyz"}
    assert signalwire(query) is Verdict.AMBIGUOUS
    assert signalwire(query, trusted=True) is Verdict.VALID
    assert signalwire({"page_number": "0"}) is Verdict.VALID  # the default is harmless


def test_zoom_ttl_bounds() -> None:
    """The documented 0..604800 range, inclusive."""
    for ttl, verdict in (
        ("0", Verdict.VALID),
        ("604800", Verdict.VALID),
        ("604801", Verdict.INVALID),
        ("-1", Verdict.INVALID),
    ):
        request = build(ZOOM.op, {"sessionId": "KkMHZ4y8QhSUWAHi5sWvfg=="}, {"ttl": ttl}, None, "t")
        assert request is not None
        assert ZOOM.classify(request).verdict is verdict, ttl


def test_paths_that_would_not_route_are_not_sent() -> None:
    """An empty segment or a slash changes which endpoint answers: no verdict is possible."""
    assert build(SIGNALWIRE.op, {"id": ""}, {}, None, "t") is None
    assert build(SIGNALWIRE.op, {"id": "a/b"}, {}, None, "t") is None
    assert build(SIGNALWIRE.op, {"id": ".."}, {}, None, "t") is None


@pytest.mark.parametrize("token", ["", "made-up", "PA" + "0" * 40])
def test_a_page_token_the_server_never_issued_is_never_valid(token: str) -> None:
    """Documented: 422 for invalid parameters; no client can forge a token (or send an empty one)."""
    request = build(SIGNALWIRE.op, {"id": SESSION}, {"page_token": token}, None, "fuzz")
    assert request is not None
    assert SIGNALWIRE.classify(request).verdict is Verdict.AMBIGUOUS
    assert SIGNALWIRE.classify(request, trusted=True).verdict is not Verdict.AMBIGUOUS


WIRE_SPEC = """
openapi: 3.1.0
info: {title: wire, version: "1"}
servers: [{url: "http://127.0.0.1/api"}]
paths:
  /things:
    post:
      operationId: things
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                small: {type: [integer, "null"], format: uint32}
                signed: {type: integer, format: int32}
                name: {type: string}
      responses:
        "200": {description: ok}
"""


@pytest.fixture(scope="module")
def wire() -> Classifier:
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wire.yaml"
        path.write_text(WIRE_SPEC)
        return Classifier(load_spec(path).operations[0])


@pytest.mark.parametrize(
    ("body", "verdict"),
    [
        ({"small": 2**32 - 1}, Verdict.VALID),
        ({"small": 2**32}, Verdict.AMBIGUOUS),  # protobuf uint32 cannot carry it: a 400 is fine
        ({"small": -1}, Verdict.AMBIGUOUS),
        ({"small": None}, Verdict.VALID),
        ({"signed": -(2**31)}, Verdict.VALID),
        ({"signed": 2**31}, Verdict.AMBIGUOUS),
        ({"name": "ok"}, Verdict.VALID),
        (b'{"name": "\\ud800"}', Verdict.AMBIGUOUS),  # an unpaired surrogate is not Unicode
        (b'{"name": "\\ud83d\\ude00"}', Verdict.VALID),  # a pair is an emoji
    ],
)
def test_values_beyond_the_wire_type_or_unicode_are_not_valid(
    wire: Classifier, body: object, verdict: Verdict
) -> None:
    """Valid means a real (typed, protobuf) server can accept it, not only the JSON schema."""
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = build(wire.op, {}, {}, raw, "fuzz")
    assert request is not None
    assert wire.classify(request).verdict is verdict


@given(st.integers(min_value=-(2**70), max_value=2**70))
def test_uint32_verdicts_follow_the_range(value: int) -> None:
    """Property: inside 0..2^32-1 valid, outside ambiguous, never invalid (the schema allows it)."""
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "wire.yaml"
        path.write_text(WIRE_SPEC)
        op = load_spec(path).operations[0]
    request = build(op, {}, {}, json.dumps({"small": value}).encode(), "fuzz")
    assert request is not None
    expected = Verdict.VALID if 0 <= value < 2**32 else Verdict.AMBIGUOUS
    assert Classifier(op).classify(request).verdict is expected
