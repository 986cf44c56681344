"""Bad input against a real server: never a 5xx, never a traceback, never a dead server.

Every case is sent as raw bytes over a socket to `recmock serve` on a free loopback port, so
nothing in a client library tidies it up first. Each expects its documented status and body
shape: the owning provider's error shape, the mock's own `recmock_error` for mock controls,
or, for bytes that are not valid HTTP at all, the 400 that uvicorn's parser sends before any
application code runs (a one-line text body; no shape is possible there).
"""

from __future__ import annotations

import base64
import json
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import jwt
import pytest

from live_server import LiveServer
from recmock.auth import hmac_hex, zoom_jwt

SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
SW = f"/api/video/room_sessions/{SESSION}/recordings"
PN = "/auth/recording/fetch"
ZOOM = "/v2/videosdk/sessions/KkMHZ4y8QhSUWAHi5sWvfg==/recordings"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
RECORDING = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
CF = f"/client/v4/accounts/{ACCOUNT}/realtime/kit/app/recordings/{RECORDING}"
BASIC = ("Authorization", "Basic " + base64.b64encode(b"demo-project:demo-token").decode())
CF_TOKEN = ("Authorization", "Bearer demo-token")
GOOD_PN = b'{"room_ids":["room01"],"limit":2}'


@dataclass
class Reply:
    """What came back on the socket."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def exchange(port: int, data: bytes, timeout: float = 10) -> Reply:
    """Send raw bytes, read one response (Content-Length, chunked or until close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        buffer = b""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError(f"connection closed without a response: {buffer[:200]!r}")
            buffer += chunk
        head, _, body = buffer.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        while True:
            if "content-length" in headers and len(body) >= int(headers["content-length"]):
                break
            if headers.get("transfer-encoding") == "chunked" and body.endswith(b"0\r\n\r\n"):
                body = _dechunk(body)
                break
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    return Reply(int(lines[0].split(" ", 2)[1]), headers, body)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while True:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return out
        out, data = out + data[:size], data[size + 2 :]


Headers = list[tuple[str, str | bytes]]


def request(
    method: str, path: str, headers: Headers | None = None, body: bytes = b"",
    *, chunked: bytes | None = None,
) -> bytes:  # fmt: skip
    """A raw HTTP/1.1 request; `chunked` is sent verbatim as a chunked body."""
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    for name, value in headers or []:
        lines.append(
            name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        )
    if chunked is not None:
        lines.append(b"Transfer-Encoding: chunked")
        return b"\r\n".join(lines) + b"\r\n\r\n" + chunked
    if body or method == "POST":
        lines.append(b"Content-Length: %d" % len(body))
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def signed(body: bytes, content_type: str | None = "application/json") -> bytes:
    """A plugNmeet fetch with a valid signature over exactly `body`."""
    headers: Headers = [
        ("API-KEY", "demo-key"),
        ("HASH-SIGNATURE", hmac_hex(body, "demo-secret")),
    ]
    if content_type:
        headers.append(("Content-Type", content_type))
    return request("POST", PN, headers, body)


def zoom_token(
    claims: dict[str, object], key: str | None = "demo-secret", alg: str = "HS256"
) -> bytes:
    token = jwt.encode(claims, key, algorithm=alg)
    return request("GET", ZOOM, [("Authorization", f"Bearer {token}")])


# ---- expected shapes -------------------------------------------------------------------------


def plugnmeet(code: str) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        body = reply.json()
        assert isinstance(body, dict) and body["status"] is False and body["status_code"] == code

    return check


def signalwire(reply: Reply) -> None:
    body = reply.json()
    assert isinstance(body, dict) and ("error" in body or body["errors"][0]["type"])


def zoom(code: int) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        body = reply.json()
        assert isinstance(body, dict) and body["code"] == code and body["message"]

    return check


def zoom_session(session_id: str) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        body = reply.json()
        assert isinstance(body, dict) and body["session_id"] == session_id

    return check


def cloudflare(code: int) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        body = reply.json()
        assert isinstance(body, dict) and body["success"] is False
        assert body["errors"][0]["code"] == code and body["result"] is None

    return check


def mock_error(reply: Reply) -> None:
    body = reply.json()
    assert isinstance(body, dict) and body["recmock_error"]
    # what the mock offers instead: the scenarios it knows, or the codes the spec documents
    assert body.get("scenarios") or body.get("documented")


def not_routed(reply: Reply) -> None:
    body = reply.json()
    assert isinstance(body, dict) and body["error"] == "not_found" and body["hint"]


def plugnmeet_ok(reply: Reply) -> None:
    body = reply.json()
    assert isinstance(body, dict) and body["status"] is True and body["result"]["recordings_list"]


def json_ok(reply: Reply) -> None:
    assert isinstance(reply.json(), dict)


def head_too_large(reply: Reply) -> None:
    """Refused by recmock's protocol bound before any parsing cost (see server/limits.py)."""
    body = reply.json()
    assert isinstance(body, dict) and body["error"] == "request_header_too_large"
    assert "65536" in body["message"] and reply.headers["connection"] == "close"


def names_limit(text: str) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        assert text in reply.body.decode()

    return check


def admin_error(word: str) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        body = reply.json()
        assert isinstance(body, dict) and word in json.dumps(body)

    return check


def protocol_error(reply: Reply) -> None:
    """uvicorn's parser refused the bytes before the app saw them."""
    assert reply.body.strip() == b"Invalid HTTP request received."


@dataclass
class Case:
    """One bad request, what it must get back, and any extra assertion."""

    name: str
    data: Callable[[], bytes]
    status: int
    shape: Callable[[Reply], None]
    extra: Callable[[Reply], None] = field(default=lambda reply: None)


def no_header_injection(reply: Reply) -> None:
    assert "set-cookie" not in reply.headers
    assert reply.headers["x-recmock-scenario"].isprintable()


def allows(method: str) -> Callable[[Reply], None]:
    def check(reply: Reply) -> None:
        assert method in reply.headers["allow"]

    return check


def basic_challenge(reply: Reply) -> None:
    assert reply.headers["www-authenticate"].startswith("Basic")


def _exp(delta: int) -> dict[str, object]:
    return {"iss": "demo-key", "exp": int(time.time()) + delta}


CASES = [
    # bodies
    Case("malformed JSON", lambda: signed(b'{"room_ids": ['), 400, plugnmeet("INVALID_BODY")),
    Case("JSON array, not an object", lambda: signed(b"[]"), 400, plugnmeet("INVALID_BODY")),
    Case("empty body", lambda: signed(b""), 400, plugnmeet("INVALID_BODY")),
    Case(
        "invalid UTF-8",
        lambda: signed(b'{"room_ids":["\xff\xfe"]}'),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "arrays nested 100,000 deep",
        lambda: signed(b"[" * 100_000 + b"]" * 100_000),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "objects nested 70 deep",
        lambda: signed(b'{"a":' * 70 + b"1" + b"}" * 70),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "limit 1e999 (infinity)",
        lambda: signed(b'{"room_ids":["room01"],"limit":1e999}'),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "limit 2.0 (an integral float)",
        lambda: signed(b'{"room_ids":["room01"],"limit":2.0,"from":1.0}'),
        200,
        plugnmeet_ok,
    ),
    Case(
        "lone surrogate escape echoed back",
        lambda: signed(b'{"room_ids":["\\ud800"],"limit":1}'),
        200,
        plugnmeet_ok,
    ),
    Case(
        "missing Content-Type (lenient, like plugNmeet)",
        lambda: signed(GOOD_PN, None),
        200,
        plugnmeet_ok,
    ),
    Case(
        "wrong Content-Type (lenient)",
        lambda: signed(GOOD_PN, "text/plain; charset=latin-1"),
        200,
        plugnmeet_ok,
    ),
    Case(
        "body over the 1 MiB limit",
        lambda: signed(b'{"room_ids":["' + b"x" * (1 << 20) + b'"]}'),
        413,
        plugnmeet("PAYLOAD_TOO_LARGE"),
    ),
    Case(
        "chunked body, signed over the whole",
        lambda: request(
            "POST",
            PN,
            [("API-KEY", "demo-key"), ("HASH-SIGNATURE", hmac_hex(GOOD_PN, "demo-secret"))],
            chunked=b"5\r\n"
            + GOOD_PN[:5]
            + b"\r\n%x\r\n" % (len(GOOD_PN) - 5)
            + GOOD_PN[5:]
            + b"\r\n0\r\n\r\n",
        ),
        200,
        plugnmeet_ok,
    ),
    Case(
        "malformed chunk size",
        lambda: request("POST", PN, [("API-KEY", "k")], chunked=b"zz\r\nabc\r\n0\r\n\r\n"),
        400,
        protocol_error,
    ),
    Case(
        "Content-Length and chunked together (smuggling)",
        lambda: (
            b"POST "
            + PN.encode()
            + b" HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n0\r\n\r\n"
        ),
        400,
        protocol_error,
    ),
    Case(
        "wrong signature",
        lambda: request(
            "POST", PN, [("API-KEY", "demo-key"), ("HASH-SIGNATURE", "00" * 32)], GOOD_PN
        ),
        401,
        plugnmeet("INVALID_TOKEN_OR_SIGNATURE"),
    ),
    # query strings, headers, paths
    Case(
        "query of 80 KB",
        lambda: request("GET", SW + "?" + "a=b&" * 20_000, [BASIC]),
        431,
        head_too_large,
    ),
    Case(
        "query of 8 KB of unknown parameters",
        lambda: request("GET", SW + "?page_size=1&" + "a=b&" * 2000, [BASIC]),
        200,
        json_ok,
    ),
    Case(
        "a 60 KB header",
        lambda: request("GET", SW, [BASIC, ("X-Big", "a" * 60_000)]),
        200,
        json_ok,
    ),
    Case(
        "a 200 KB header (over the 64 KiB head bound)",
        lambda: request("GET", SW, [BASIC, ("X-Big", "a" * 200_000)]),
        431,
        head_too_large,
    ),
    Case(
        "multipart/form-data without a boundary on a GET",
        lambda: request("GET", SW, [BASIC, ("Content-Type", "multipart/form-data")]),
        200,
        json_ok,
    ),
    Case(
        "multipart/form-data without a boundary on a signed JSON POST (lenient)",
        lambda: signed(GOOD_PN, "multipart/form-data"),
        200,
        plugnmeet_ok,
    ),
    Case(
        "multipart/form-data with a boundary and a form body",
        lambda: signed(
            b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n",
            "multipart/form-data; boundary=x",
        ),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "form-urlencoded body",
        lambda: signed(b"room_ids=room01", "application/x-www-form-urlencoded"),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "a 5000-digit number (beyond Python's int-string limit)",
        lambda: signed(b'{"room_ids":["room01"],"limit":' + b"9" * 5000 + b"}"),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "a 5000-digit number in an ignored key",
        lambda: signed(b'{"room_ids":["room01"],"x":[-' + b"1" * 5000 + b"]}"),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "NaN (not JSON)",
        lambda: signed(b'{"room_ids":["room01"],"limit":NaN}'),
        400,
        plugnmeet("INVALID_BODY"),
    ),
    Case(
        "3,000 distinct rooms in one request",
        lambda: signed(json.dumps({"room_ids": [f"r{i}" for i in range(3000)]}).encode()),
        400,
        plugnmeet("INVALID_BODY"),
        names_limit("at most 100"),
    ),
    Case(
        "a room id of 900 KB",
        lambda: signed(json.dumps({"room_ids": ["x" * 900_000]}).encode()),
        400,
        plugnmeet("INVALID_BODY"),
        names_limit("at most 256"),
    ),
    Case(
        "Zoom path encoded twice as a whole (@zoom/rivet VideoSdkClient)",
        lambda: request(
            "GET",
            "/v2/" + quote(quote(ZOOM.removeprefix("/v2"), safe=""), safe=""),
            [("Authorization", "Bearer " + zoom_jwt("demo-key", "demo-secret"))],
        ),
        200,
        zoom_session("KkMHZ4y8QhSUWAHi5sWvfg=="),
    ),
    Case(
        "traversal hidden by encoding the whole path twice",
        lambda: request(
            "GET",
            "/v2/" + quote(quote("/videosdk/../../etc/passwd/recordings", safe=""), safe=""),
        ),
        404,
        zoom(3301),
    ),
    Case(
        "journal limit that is a unicode digit (no entry limit: the whole journal)",
        lambda: request("GET", "/__recmock/journal?limit=%C2%B2"),
        200,
        json_ok,
    ),
    Case(
        "journal limit of 5000 digits (no entry limit: the whole journal)",
        lambda: request("GET", "/__recmock/journal?limit=" + "9" * 5000),
        200,
        json_ok,
    ),
    Case(
        "admin body nested 4000 deep",
        lambda: request(
            "PUT", "/__recmock/scenario", [("Content-Type", "application/json")], b"[" * 4000
        ),
        400,
        admin_error("scenario"),
    ),
    Case(
        "2,000 headers",
        lambda: request("GET", SW, [BASIC] + [(f"X-H{i}", "v") for i in range(2000)]),
        200,
        json_ok,
    ),
    Case(
        "non-integer page_size",
        lambda: request("GET", SW + "?page_size=abc", [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "page_size beyond 64 bits",
        lambda: request("GET", SW + "?page_size=" + "9" * 30, [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "page_size outside latin-1 (%E2%82%AC)",
        lambda: request("GET", SW + "?page_size=%E2%82%AC", [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "broken percent-escapes",
        lambda: request("GET", SW.replace(SESSION, "%zz%") + "?page_size=%zz", [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "NUL byte in an id",
        lambda: request("GET", SW.replace(SESSION, "%00"), [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "overlong UTF-8 dots in an id",
        lambda: request("GET", SW.replace(SESSION, "%C0%AE%C0%AE"), [BASIC]),
        422,
        signalwire,
    ),
    Case(
        "percent-encoded ../ traversal",
        lambda: request(
            "GET", "/api/video/room_sessions/%2e%2e%2f%2e%2e%2fetc/recordings", [BASIC]
        ),
        404,
        signalwire,
    ),
    Case(
        "literal ../ traversal",
        lambda: request("GET", "/api/video/room_sessions/../../../etc/passwd", [BASIC]),
        404,
        signalwire,
    ),
    Case(
        "raw non-ASCII bytes in the request line",
        lambda: request("GET", "/api/video/\xe9", [BASIC]).replace(b"\\xe9", b"\xc3\xa9"),
        400,
        protocol_error,
    ),
    Case(
        "Zoom id with a double-encoded slash, as Zoom asks",
        lambda: request(
            "GET",
            ZOOM.replace("KkMHZ4y8QhSUWAHi5sWvfg==", "%252F%252Fabc%3D%3D"),
            [("Authorization", "Bearer " + zoom_jwt("demo-key", "demo-secret"))],
        ),
        200,
        zoom_session("//abc=="),
    ),
    Case(
        "Zoom id with a single-encoded slash",
        lambda: request("GET", "/v2/videosdk/sessions/%2F%2Fabc%3D%3D/recordings"),
        404,
        zoom(3301),
    ),
    Case(
        "unknown path under a provider prefix",
        lambda: request("GET", "/api/video/rooms", [BASIC]),
        404,
        signalwire,
    ),
    Case(
        "unknown path outside every prefix", lambda: request("GET", "/etc/passwd"), 404, not_routed
    ),
    Case(
        "DELETE where only GET exists",
        lambda: request("DELETE", SW, [BASIC]),
        405,
        signalwire,
        allows("GET"),
    ),
    Case(
        "GET where only POST exists",
        lambda: request("GET", PN),
        405,
        plugnmeet("METHOD_NOT_ALLOWED"),
        allows("POST"),
    ),
    Case("an unknown HTTP method", lambda: request("FOO", SW, [BASIC]), 400, protocol_error),
    Case(
        "TLS handshake bytes on the plain port",
        lambda: b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03junk\r\n\r\n",
        400,
        protocol_error,
    ),
    # mock controls
    Case(
        "scenario header ../../etc/passwd",
        lambda: request("GET", SW, [BASIC, ("X-Recmock-Scenario", "../../etc/passwd")]),
        400,
        mock_error,
    ),
    Case(
        "scenario query ..%2F..%2Fetc%2Fpasswd",
        lambda: request("GET", SW + "?__scenario=..%2F..%2Fetc%2Fpasswd", [BASIC]),
        400,
        mock_error,
    ),
    Case(
        "scenario query with CRLF header injection",
        lambda: request("GET", SW + "?__scenario=x%0d%0aSet-Cookie:%20a=b", [BASIC]),
        400,
        mock_error,
        no_header_injection,
    ),
    Case(
        "Prefer an undocumented code",
        lambda: request("GET", SW, [BASIC, ("Prefer", "code=999")]),
        400,
        mock_error,
    ),
    # credentials
    Case("Zoom JWT with alg none", lambda: zoom_token(_exp(600), None, "none"), 401, zoom(124)),
    Case(
        "Zoom JWT signed with the wrong key",
        lambda: zoom_token(_exp(600), "not-the-secret"),
        401,
        zoom(124),
    ),
    Case("Zoom JWT expired", lambda: zoom_token(_exp(-60)), 401, zoom(124)),
    Case("Zoom JWT without exp", lambda: zoom_token({"iss": "demo-key"}), 401, zoom(124)),
    Case(
        "Zoom bearer that is no JWT",
        lambda: request("GET", ZOOM, [("Authorization", "Bearer a.b.c")]),
        401,
        zoom(124),
    ),
    Case(
        "Basic with garbage base64",
        lambda: request("GET", SW, [("Authorization", "Basic !!!***")]),
        401,
        signalwire,
        basic_challenge,
    ),
    Case(
        "Basic without a colon",
        lambda: request(
            "GET", SW, [("Authorization", "Basic " + base64.b64encode(b"just-one").decode())]
        ),
        401,
        signalwire,
        basic_challenge,
    ),
    Case(
        "Basic with non-UTF-8 bytes",
        lambda: request("GET", SW, [("Authorization", b"Basic \xff\xfe")]),
        401,
        signalwire,
    ),
    Case(
        "Cloudflare wrong token",
        lambda: request("GET", CF, [("Authorization", "Bearer nope")]),
        401,
        cloudflare(10000),
    ),
    Case(
        "Cloudflare another account",
        lambda: request("GET", CF.replace(ACCOUNT, "0" * 32), [CF_TOKEN]),
        403,
        cloudflare(9109),
    ),
    Case(
        "Cloudflare malformed recording id",
        lambda: request("GET", CF.rsplit("/", 1)[0] + "/not-a-uuid", [CF_TOKEN]),
        400,
        cloudflare(7003),
    ),
]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """One real server for the whole table; its log is checked for tracebacks at the end."""
    live = LiveServer()
    yield live
    log = live.stop()
    assert "Traceback" not in log, log[-3000:]


def test_the_table_covers_at_least_25_cases() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_its_documented_4xx_and_the_server_keeps_serving(
    server: LiveServer, case: Case
) -> None:
    reply = exchange(server.port, case.data())
    assert reply.status < 500
    assert b"Traceback" not in reply.body and b'File "' not in reply.body
    assert reply.status == case.status, reply.body[:300]
    case.shape(reply)
    case.extra(reply)
    health = exchange(server.port, request("GET", "/__recmock/health"))
    assert health.status == 200
