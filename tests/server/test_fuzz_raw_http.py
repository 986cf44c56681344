"""Hypothesis drives raw HTTP at a real server: whatever it sends, an HTTP response comes back,
below 500, and the connection is never closed without one.

Methods, paths (every operation's, encoded once, twice or not at all, plus admin and unknown
ones), query controls, header names and values, content types and encodings, bodies (JSON with
numbers of any size, nesting, id arrays beyond the bound, bytes that are not JSON), signed or
not. Scenarios that force a 5xx on purpose (`server-errors`, `review-week`'s failure rate) and
5xx status codes forced by `Prefer`/`__code` are left out: those answers are the point there.
Loopback only, 300 examples, each one request on its own connection.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_bad_input import exchange

from live_server import LiveServer
from recmock.auth import basic, bearer, hmac_hex, zoom_jwt
from recmock.specs import load_specs

OPERATIONS = [op for spec in load_specs() for op in spec.operations]
SCENARIOS = ["default", "empty", "errored", "expired-links", "in-progress", "seed-docs",
             "auth-failure", "no-such-scenario", "../../etc/passwd"]  # fmt: skip
CONTENT_TYPES = ["application/json", "application/json; charset=latin-1", "multipart/form-data",
                 "multipart/form-data; boundary=x", "multipart/form-data; boundary=",
                 "application/x-www-form-urlencoded", "text/plain", "application/xml", "*/*",
                 "garbage", ";;;", "application/json; boundary=\"unterminated"]  # fmt: skip
ENCODINGS = ["gzip", "br", "deflate", "identity", "chunked", "x-unknown", "gzip, gzip"]
ID_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)
TOKEN = st.from_regex(r"\A[A-Za-z0-9!#$%&'*+.^_`|~-]{1,30}\Z")
VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
                max_size=200)  # fmt: skip


def numbers() -> st.SearchStrategy[str]:
    """Number literals of every size: small, 64-bit edges, thousands of digits, floats."""
    return st.one_of(
        st.integers().map(str),
        st.sampled_from(["9223372036854775807", "-9223372036854775809", "1e999", "-0", "1.5e-7"]),
        st.integers(1, 6000).map(lambda n: "9" * n),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
    )


def json_text() -> st.SearchStrategy[str]:
    scalars = st.one_of(numbers(), ID_TEXT.map(json.dumps), st.sampled_from(["true", "null"]))
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=5).map(lambda xs: "[" + ",".join(xs) + "]"),
            st.dictionaries(ID_TEXT.map(json.dumps), inner, max_size=5).map(
                lambda d: "{" + ",".join(f"{k}:{v}" for k, v in d.items()) + "}"
            ),
        ),
        max_leaves=20,
    )


def fetch_bodies() -> st.SearchStrategy[bytes]:
    rooms = st.lists(ID_TEXT, max_size=150)
    fetch = st.fixed_dictionaries(
        {"room_ids": rooms},
        optional={
            "limit": st.integers(-(10**30), 10**30),
            "from": st.integers(-5, 10**20),
            "order_by": st.sampled_from(["ASC", "DESC", "x", None]),
            "room_sid": st.one_of(st.none(), ID_TEXT),
        },
    ).map(lambda d: json.dumps(d).encode())
    nested = st.integers(1, 5000).map(lambda n: b"[" * n + b"]" * n)
    return st.one_of(fetch, json_text().map(str.encode), st.binary(max_size=300), nested)


def paths() -> st.SearchStrategy[str]:
    def operation_path(op_index: int, values: list[str], rounds: int, whole: bool) -> str:
        op = OPERATIONS[op_index]
        path, names = op.full_path, [p.name for p in op.parameters if p.location == "path"]
        for name, value in zip(names, values, strict=False):
            path = path.replace("{" + name + "}", quote(value, safe="") or "x")
        if whole:  # an SDK that encodes the whole path again (@zoom/rivet)
            path = op.prefix + "/" + quote(quote(path.removeprefix(op.prefix), safe=""), safe="")
        for _ in range(rounds):
            path = quote(path, safe="/")
        return path

    served = st.builds(operation_path, st.integers(0, len(OPERATIONS) - 1),
                       st.lists(ID_TEXT, min_size=3, max_size=3), st.integers(0, 2),
                       st.booleans())  # fmt: skip
    admin = st.sampled_from(["/__recmock/health", "/__recmock/journal", "/__recmock/scenario",
                             "/__recmock/scenarios", "/__recmock/reset", "/__recmock/nope"])  # fmt: skip
    other = ID_TEXT.map(lambda t: "/" + quote(t, safe="/%"))
    return st.one_of(served, served, admin, other)


def queries() -> st.SearchStrategy[str]:
    key = st.one_of(st.sampled_from(["page_size", "page_number", "page_token", "limit",
                                     "__scenario", "__code", "__example", "__dynamic", "from",
                                     "media_ttl", "status", "path"]), TOKEN)  # fmt: skip
    value = st.one_of(numbers(), ID_TEXT, st.sampled_from(["200", "404", "999", "true", "²"]))
    pairs = st.lists(st.tuples(key, value), max_size=4)
    return pairs.map(lambda ps: "&".join(f"{quote(k)}={quote(v)}" for k, v in ps))


@st.composite
def raw_requests(draw: st.DrawFn) -> tuple[bytes, str]:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"]))
    path, query = draw(paths()), draw(queries())
    body = draw(fetch_bodies()) if draw(st.booleans()) else b""
    headers: list[tuple[str, str]] = [("Host", "127.0.0.1"), ("Connection", "close")]
    credentials = draw(st.sampled_from(["plugnmeet", "signalwire", "zoom", "cloudflare", "none"]))
    headers += {
        "plugnmeet": [("API-KEY", "demo-key"), ("HASH-SIGNATURE", hmac_hex(body, "demo-secret"))],
        "signalwire": list(basic("demo-project", "demo-token").items()),
        "zoom": list(bearer(zoom_jwt("demo-key", "demo-secret")).items()),
        "cloudflare": list(bearer("demo-token").items()),
        "none": [],
    }[credentials]
    if draw(st.booleans()):
        headers.append(("Content-Type", draw(st.sampled_from(CONTENT_TYPES))))
    if draw(st.booleans()):
        headers.append(("Content-Encoding", draw(st.sampled_from(ENCODINGS))))
    if draw(st.booleans()):
        headers.append(("X-Recmock-Scenario", draw(st.sampled_from(SCENARIOS))))
    if draw(st.booleans()):
        headers.append(("Prefer", draw(st.sampled_from(["code=404", "code=999", "dynamic=true",
                                                        "example=nope", "code=abc", "x"]))))  # fmt: skip
    headers += draw(st.lists(st.tuples(TOKEN, VALUE), max_size=4))
    lines = [f"{method} {path}{'?' + query if query else ''} HTTP/1.1".encode()]
    lines += [name.encode() + b": " + value.encode("latin-1") for name, value in headers]
    if body or method in ("POST", "PUT", "PATCH"):
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body, f"{method} {path[:80]}"


def forces_a_5xx(data: bytes) -> bool:
    """`__code=5..` or `Prefer: code=5..` asks for a documented 5xx; that answer is not a bug."""
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    return b"__code=5" in head or b"code=5" in head


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    live = LiveServer()
    yield live
    log = live.stop()
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]


@pytest.mark.slow
def test_any_raw_request_gets_an_http_answer_below_500(server: LiveServer) -> None:
    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(raw_requests())
    def one(request: tuple[bytes, str]) -> None:
        data, label = request
        reply = exchange(server.port, data, timeout=15)  # raises on a closed connection
        assert 100 <= reply.status < 500 or forces_a_5xx(data), (
            label,
            reply.status,
            reply.body[:300],
        )
        assert b"Traceback" not in reply.body

    one()
