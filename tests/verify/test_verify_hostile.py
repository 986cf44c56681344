"""verify against a hostile target: trickled bytes, huge and bomb bodies, ReDoS allow-lists,
injected 429s, secrets in every encoding. Real sockets on 127.0.0.1; every test is bounded.

The hostile server is a raw socket server so it can do what no framework lets an app do:
stall mid-header, trickle one byte a second, promise gigabytes, or never stop sending.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import socket
import socketserver
import subprocess
import sys
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recmock.cli import main
from recmock.errors import ConfigError
from recmock.verify.allow import AllowEntry, load_allow_list
from recmock.verify.body import MAX_BODY
from recmock.verify.credentials import Credentials, Redactor
from recmock.verify.wire import KEPT_WHEN_TRUNCATED, TIME_LIMIT, Transport, WireRequest

ROOT = Path(__file__).resolve().parents[2]
Behaviour = Callable[[bytes, socket.socket, threading.Event], None]
Start = Callable[[Behaviour], "HostileServer"]


class HostileServer:
    """A threaded loopback server; `behaviour(raw_request, conn, stopping)` writes the answer."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stopping = threading.Event()
        self.requests: list[str] = []
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                conn: socket.socket = self.request
                conn.settimeout(30)
                try:
                    raw = _read_request(conn)
                    owner.requests.append(raw.split(b"\r\n", 1)[0].decode("latin-1"))
                    owner.behaviour(raw, conn, owner.stopping)
                except OSError:
                    pass  # the client gave up: that is the point of most tests here

        socketserver.ThreadingTCPServer.allow_reuse_address = True
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop accepting and tell every handler to end."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()


def _read_request(conn: socket.socket) -> bytes:
    """The raw request: the head to its end, then a body by Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            raise ConnectionError("closed before the head ended")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.decode("latin-1").split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    while len(rest) < length:
        rest += conn.recv(65536)
    return head + b"\r\n\r\n" + rest


def head(status: int = 200, **headers: str) -> bytes:
    """A response head; keyword names use _ for -. One request per connection, as handled."""
    headers = {"connection": "close", **headers}
    lines = [f"HTTP/1.1 {status} X"] + [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.fixture
def hostile() -> Iterator[Callable[[Behaviour], HostileServer]]:
    """Start hostile servers for one test; all stop at its end."""
    started: list[HostileServer] = []

    def start(behaviour: Behaviour) -> HostileServer:
        server = HostileServer(behaviour)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def transport(server: HostileServer, **kwargs: float) -> Transport:
    """A Transport without credentials on the hostile server."""
    return Transport(server.url, lambda _request: {}, **kwargs)  # type: ignore[arg-type]


GET = WireRequest("GET", "/items")


# ---- 1. the time limit is a wall-clock bound ----------------------------------------------


def trickle_body(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """Headers at once, then one byte a second for ever: each read succeeds, none ends it."""
    conn.sendall(head(content_type="application/json", content_length="100000"))
    while not stopping.wait(1.0):
        conn.sendall(b" ")


def trickle_head(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """The status line and headers one byte a second: the response never even starts."""
    for byte in head(content_type="application/json", x_pad="y" * 100_000):
        conn.sendall(bytes([byte]))
        if stopping.wait(1.0):
            return


@pytest.mark.parametrize("behaviour", [trickle_body, trickle_head], ids=["body", "head"])
def test_a_trickle_ends_at_the_run_deadline(hostile: Start, behaviour: Behaviour) -> None:
    """timeout 60 s per request, deadline 1.5 s away: the request ends at 1.5 s, as TIME_LIMIT."""
    server = hostile(behaviour)
    wire = transport(server, timeout=60.0, deadline=time.monotonic() + 1.5)
    started = time.monotonic()
    exchange = wire.send(GET)
    took = time.monotonic() - started
    wire.close()
    assert exchange.status is None and exchange.error.startswith(TIME_LIMIT), exchange.error
    assert exchange.time_limited
    assert 1.3 < took < 2.5, took


def test_a_trickle_ends_at_the_request_timeout(hostile: Start) -> None:
    """--timeout bounds the whole request, not each read: a transport failure, not TIME_LIMIT."""
    server = hostile(trickle_body)
    wire = transport(server, timeout=1.5, deadline=time.monotonic() + 60)
    started = time.monotonic()
    exchange = wire.send(GET)
    took = time.monotonic() - started
    wire.close()
    assert exchange.status is None and not exchange.time_limited
    assert "within 1.5 s" in exchange.error, exchange.error
    assert 1.3 < took < 2.5, took


def test_nothing_is_sent_after_the_deadline(hostile: Start) -> None:
    """A request that cannot start in time never reaches the target."""
    server = hostile(trickle_body)
    wire = transport(server, deadline=time.monotonic() - 0.1)
    exchange = wire.send(GET)
    wire.close()
    assert exchange.time_limited and server.requests == []


# ---- 2. response bytes are capped, declared and decompressed --------------------------------

HUGE = 200 * 1024 * 1024


def endless_json(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """200 MB with no Content-Length (ends when the connection closes)."""
    conn.sendall(head(content_type="application/json"))
    block = b"[" + b"1," * 32767 + b"1"
    sent = 0
    while sent < HUGE and not stopping.is_set():
        conn.sendall(block)
        sent += len(block)


def declared_huge(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """Promises 200 MB and starts sending them."""
    conn.sendall(head(content_type="application/json", content_length=str(HUGE)))
    block = b" " * 65536
    for _ in range(HUGE // len(block)):
        if stopping.is_set():
            return
        conn.sendall(block)


def _bomb(size: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = b"0" * (1024 * 1024)
    parts = [packer.compress(b'{"data": "')]
    parts += [packer.compress(zeros) for _ in range(size // len(zeros))]
    return b"".join([*parts, packer.compress(b'"}'), packer.flush()])


@functools.cache
def bomb() -> bytes:
    """1 GiB of JSON in about 1 MB of gzip (2 s to build, so built once and only when used)."""
    return _bomb(1024 * 1024 * 1024)


def gzip_bomb(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """A valid gzip body, honestly declared (about 1 MB), that inflates to 1 GiB."""
    conn.sendall(
        head(
            content_type="application/json",
            content_encoding="gzip",
            content_length=str(len(bomb())),
        )
        + bomb()
    )


@pytest.mark.parametrize(
    ("behaviour", "kept"),
    [(endless_json, KEPT_WHEN_TRUNCATED), (declared_huge, 0), (gzip_bomb, KEPT_WHEN_TRUNCATED)],
    ids=["200MB-undeclared", "200MB-declared", "gzip-bomb"],
)
def test_bodies_over_the_cap_are_cut_with_bounded_memory(
    hostile: Start, behaviour: Behaviour, kept: int
) -> None:
    """Status kept, body cut at the cap, `truncated` and a one-line error; memory stays small."""
    server = hostile(behaviour)
    wire = transport(server, timeout=30.0)
    tracemalloc.start()
    try:
        started = time.monotonic()
        exchange = wire.send(GET)
        took = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        wire.close()
    assert exchange.status == 200 and exchange.truncated
    assert exchange.error.startswith("response body exceeds 8 MiB"), exchange.error
    assert len(exchange.body) == kept
    assert exchange.json() == (False, None)  # a cut body is simply not JSON
    assert peak < 3 * MAX_BODY, f"peak {peak / 2**20:.1f} MiB"
    assert took < 10, took
    print(f"{behaviour.__name__}: peak {peak / 2**20:.1f} MiB, {took:.2f} s")


# ---- the whole command against the hostile server ------------------------------------------

TINY_SPEC = """\
openapi: 3.1.0
info: {title: hostile, version: "1"}
servers: [{url: "http://127.0.0.1/"}]
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: q, in: query, schema: {type: string}}
      responses:
        "200":
          description: items
          content:
            application/json:
              schema:
                type: object
                required: [data]
                properties:
                  data: {type: array, items: {type: object}}
"""
ITEMS = json.dumps({"data": [{"id": 1}]}).encode()


def answer_once_then(behaviour: Behaviour) -> Behaviour:
    """The first request (verify's reachability preflight) answered well, the rest hostile."""
    lock = threading.Lock()
    served = [0]

    def respond(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
        with lock:
            served[0] += 1
            first = served[0] == 1
        if first:
            conn.sendall(head(content_type="application/json", content_length=str(len(ITEMS))))
            conn.sendall(ITEMS)
            return
        behaviour(raw, conn, stopping)

    return respond


def run_verify(tmp_path: Path, url: str, *flags: str) -> tuple[int, str, float, int]:
    """`recmock verify --spec tiny` in a child process: (exit, stderr, seconds, peak RSS MiB)."""
    spec = tmp_path / "hostile.yaml"
    spec.write_text(TINY_SPEC)
    command = [sys.executable, "-m", "recmock", "verify", "--spec", str(spec)]
    command += ["--base-url", url, "--quiet-progress", *flags]
    # A wrapper measures only its one child: the verify process's own peak RSS.
    wrapper = (
        "import resource, subprocess, sys\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "sys.stdout.write(r.stdout)\n"
        "sys.stderr.write(r.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
        "sys.exit(r.returncode)\n"
    )
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", wrapper, *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    *lines, rss = result.stderr.strip().splitlines()
    return result.returncode, "\n".join(lines), took, int(rss) // 1024


def test_verify_with_a_trickling_target_ends_within_the_time_limit(
    hostile: Start, tmp_path: Path
) -> None:
    """The issue's attack: --time-limit 15 --timeout 5 used to run for minutes."""
    server = hostile(answer_once_then(trickle_body))
    code, err, took, _ = run_verify(
        tmp_path, server.url, "--time-limit", "15", "--timeout", "5", "--workers", "2"
    )
    print(f"trickle: exit {code} after {took:.1f} s")
    assert took < 15 + 6, took
    assert "Traceback" not in err, err
    assert code in (1, 2), err


@pytest.mark.parametrize("behaviour", [endless_json, gzip_bomb], ids=["200MB", "gzip-bomb"])
def test_verify_memory_stays_bounded_on_huge_bodies(
    hostile: Start, tmp_path: Path, behaviour: Behaviour
) -> None:
    """Every answer after the preflight is 200 MB (or a 1 GiB bomb): RSS stays near baseline."""
    calm = hostile(lambda raw, conn, stopping: conn.sendall(
        head(content_type="application/json", content_length=str(len(ITEMS))) + ITEMS
    ))  # fmt: skip
    code, err, _, baseline = run_verify(
        tmp_path, calm.url, "--time-limit", "5", "--max-examples", "20"
    )
    assert code == 0 and len(calm.requests) > 5, err  # it did run: many requests, no finding
    server = hostile(answer_once_then(behaviour))
    code, err, _, peak = run_verify(
        tmp_path, server.url, "--time-limit", "5", "--max-examples", "20"
    )
    print(f"{behaviour.__name__}: exit {code}, peak RSS {peak} MiB (baseline {baseline} MiB)")
    assert "Traceback" not in err, err
    assert code == 1 and len(server.requests) > 5, err  # cut bodies are schema violations
    assert peak < baseline + 150, (peak, baseline)


# ---- 4. a 429 that stands is marked, never a verdict ------------------------------------------


def counting(*answers: bytes) -> tuple[Behaviour, list[int]]:
    """Answer the n-th request with answers[n] (the last one repeats); count them."""
    seen = [0]
    lock = threading.Lock()

    def respond(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
        with lock:
            index = seen[0]
            seen[0] += 1
        conn.sendall(answers[min(index, len(answers) - 1)])

    return respond, seen


TOO_MANY = head(429, retry_after="0", content_length="0")
OK_ITEMS = head(content_type="application/json", content_length=str(len(ITEMS))) + ITEMS


def test_a_429_is_waited_out_then_answered(hostile: Start) -> None:
    behaviour, seen = counting(TOO_MANY, TOO_MANY, OK_ITEMS)
    wire = transport(hostile(behaviour))
    exchange = wire.send(GET)
    wire.close()
    assert exchange.status == 200 and not exchange.throttled and seen[0] == 3


def test_a_429_that_stands_is_throttled_after_bounded_retries(hostile: Start) -> None:
    """Every retry refused: one Exchange, status 429, `throttled`, 1 + 3 attempts (~1.5 s)."""
    behaviour, seen = counting(TOO_MANY)
    wire = transport(hostile(behaviour))
    started = time.monotonic()
    exchange = wire.send(GET)
    took = time.monotonic() - started
    wire.close()
    assert exchange.status == 429 and exchange.throttled and seen[0] == 4
    assert took < 4, took


def test_a_retry_after_past_the_time_limit_is_not_waited(hostile: Start) -> None:
    """Retry-After 5 s with 1 s left: the 429 stands at once instead of overrunning the limit."""
    behaviour, seen = counting(head(429, retry_after="5", content_length="0"))
    wire = transport(hostile(behaviour), deadline=time.monotonic() + 1.0)
    started = time.monotonic()
    exchange = wire.send(GET)
    wire.close()
    assert exchange.throttled and seen[0] == 1
    assert time.monotonic() - started < 0.9


def throttling_proxy(upstream: str, throttle: Callable[[str], bool]) -> Behaviour:
    """Forward to `upstream`, but answer 429 (Retry-After: 0) to every target `throttle` picks."""
    import httpx

    def respond(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
        head_bytes, _, body = raw.partition(b"\r\n\r\n")
        request_line, *header_lines = head_bytes.decode("latin-1").split("\r\n")
        method, target, _ = request_line.split(" ", 2)
        if throttle(target):
            conn.sendall(TOO_MANY)
            return
        headers = [tuple(h.split(":", 1)) for h in header_lines if ":" in h]
        keep = [(n.strip(), v.strip()) for n, v in headers if n.strip().lower() not in HOP]
        reply = httpx.request(method, upstream + target, headers=keep, content=body or None)
        out = {k: v for k, v in reply.headers.items() if k.lower() not in HOP}
        out["content-length"] = str(len(reply.content))
        conn.sendall(head(reply.status_code, **out) + reply.content)

    return respond


# Hop-by-hop and framing headers are the proxy's own; Host passes, so links name the proxy.
HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}


def test_a_429_mid_walk_is_no_paging_violation(
    hostile: Start,
    live_server,  # type: ignore[no-untyped-def]
    verify_cli,  # type: ignore[no-untyped-def]
) -> None:
    """The mock behind a proxy that always rate-limits the second page of every walk."""
    proxy = hostile(throttling_proxy(live_server.url, lambda target: "page_number=1&" in target))
    outcome = verify_cli(
        "signalwire",
        "--base-url",
        proxy.url + "/api/video",
        "--basic",
        "demo-project:demo-token",
        "--seed",
        "7",
        "--max-examples",
        "30",
        "--time-limit",
        "40",
    )
    throttled = [r for r in proxy.requests if "page_number=1&" in r]
    assert throttled, "the walk never reached a second page: the test proves nothing"
    assert not {"paging", "links"} & outcome.failing_checks(), outcome.out
    assert outcome.code != 1, outcome.out


# ---- 5. secrets: never in an error, never in any encoding -----------------------------------

SECRET = 'S3cr"et\\pa ss/w0rd<&>'  # a header value must be ASCII; the property test has unicode


def _user_pass_b64(secret: str) -> str:
    return base64.b64encode(f"demo-user:{secret}".encode()).decode()


ENCODINGS: dict[str, Callable[[str], str]] = {
    "raw": lambda s: s,
    "json": lambda s: json.dumps(s)[1:-1],
    "json-utf8": lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
    "quote": lambda s: quote(s, safe=""),
    "quote-path": quote,
    "quote_plus": quote_plus,
    "base64": lambda s: base64.b64encode(s.encode()).decode(),
    "base64-url": lambda s: base64.urlsafe_b64encode(s.encode()).decode(),
    "basic": _user_pass_b64,
    "html": html.escape,
    "html-text": lambda s: html.escape(s, quote=False),
}


def redactor_for(secret: str) -> Redactor:
    """--basic carries any Unicode password (base64 of UTF-8); a bearer token must be ASCII."""
    return Redactor(Credentials(basic=("demo-user", secret)))


@settings(max_examples=300, deadline=None)
@given(
    secret=st.text(min_size=1, max_size=40).filter(lambda s: "*" not in s),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    before=st.text(max_size=20),
    after=st.text(max_size=20),
)
def test_no_encoding_of_a_secret_survives_redaction(
    secret: str, encoding: str, before: str, after: str
) -> None:
    """Quotes, backslashes, unicode, spaces: whatever the secret, its encoded form is gone."""
    encoded = ENCODINGS[encoding](secret)
    redacted = redactor_for(secret)(f"{before}{encoded}{after}")
    assert encoded not in redacted


def test_a_secret_inside_a_base64_document_is_redacted() -> None:
    """A server that base64s a JSON echo of the request: the escaped secret sits mid-stream."""
    for prefix in ("", "x", "xy"):
        for ascii_only in (True, False):
            document = json.dumps({"p": prefix, "token": SECRET}, ensure_ascii=ascii_only)
            blob = base64.b64encode(document.encode()).decode()
            redacted = redactor_for(SECRET)(f"echo: {blob}")
            assert redacted != f"echo: {blob}" and "***" in redacted


def test_userinfo_in_base_url_is_refused_without_echo(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The secret never reaches stderr, even with --basic also given (userinfo never wins)."""
    for extra in ([], ["--basic", "demo-project:demo-token"]):
        code = main(
            [
                "verify",
                "signalwire",
                "--base-url",
                "http://demo-project:TOP-SECRET-9@127.0.0.1:9/api/video",
                *extra,
            ]
        )
        err = capsys.readouterr().err
        assert code == 2
        assert len(err.strip().splitlines()) == 1, err
        assert "TOP-SECRET-9" not in err and "--basic" in err, err


@pytest.mark.parametrize(
    "header",
    ["Authorization Bearer TOP-SECRET-9", "TOP-SECRET-9", "Bearer TOP-SECRET-9: x"],
    ids=["no-colon", "bare-token", "bad-name"],
)
def test_a_malformed_header_error_never_echoes_it(
    capsys: pytest.CaptureFixture[str], header: str
) -> None:
    code = main(
        ["verify", "cloudflare", "--base-url", "http://127.0.0.1:9/client/v4", "-H", header]
    )
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "TOP-SECRET-9" not in err and err.startswith("recmock: error: -H: expected"), err


@pytest.mark.parametrize("flag", ["--bearer", "-H"])
def test_a_token_http_cannot_carry_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str], flag: str
) -> None:
    """Non-ASCII or a line break would crash the client (or split the header): refused, unshown."""
    for token in ("TOP-SECRET-wörd", "TOP-SECRET\r\nX-Injected: 1"):
        value = f"X-Token: {token}" if flag == "-H" else token
        code = main(
            ["verify", "cloudflare", "--base-url", "http://127.0.0.1:9/client/v4", flag, value]
        )
        err = capsys.readouterr().err
        assert code == 2 and len(err.strip().splitlines()) == 1, err
        assert "TOP-SECRET" not in err and "printable ASCII" in err, err


def echo_secret(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """A 500 whose body echoes the bearer token in every encoding a server might use."""
    auth = next(
        (
            line
            for line in raw.decode("utf-8", "replace").split("\r\n")
            if line.lower().startswith("authorization:")
        ),
        "",
    )
    token = auth.split(" ", 2)[-1] if auth.lower().startswith("authorization: bearer") else ""
    body = json.dumps({name: encode(token) for name, encode in ENCODINGS.items()}).encode()
    conn.sendall(head(500, content_type="application/json", content_length=str(len(body))) + body)


def test_an_echoed_secret_is_in_no_report(hostile: Start, tmp_path: Path) -> None:
    """Console, JUnit and HTML of a run whose target echoes the token in 11 encodings."""
    server = hostile(answer_once_then(echo_secret))
    spec = tmp_path / "hostile.yaml"
    spec.write_text(TINY_SPEC)
    junit, report = tmp_path / "v.xml", tmp_path / "v.html"
    result = subprocess.run(
        [sys.executable, "-m", "recmock", "verify", "--spec", str(spec), "--base-url", server.url,
         "--bearer", SECRET, "--time-limit", "10", "--max-examples", "5", "--quiet-progress",
         "--junit-xml", str(junit), "--report", str(report)],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    outputs = {
        "console": result.stdout + result.stderr,
        "junit": junit.read_text(),
        "html": report.read_text(),
    }
    assert "answered 500" in outputs["console"]
    for where, text in outputs.items():
        for name, encode in ENCODINGS.items():
            if name != "basic":
                assert encode(SECRET) not in text, (where, name)
        # The XML and HTML writers escape again: the escaped forms of each encoding, too.
        for name, encode in ENCODINGS.items():
            if name != "basic":
                assert html.escape(encode(SECRET)) not in text, (where, name)


# ---- 3. allow-list patterns run in linear time -----------------------------------------------

EVIL = r"(a+)+$"
LONG_A = "a" * 100_000 + "!"


def test_python_re_would_hang_on_the_evil_pattern() -> None:
    """The oracle: the same pattern in Python's backtracking `re` does not finish 28 a's in 2 s."""
    code = f"import re; re.search({EVIL!r}, 'a' * 28 + '!')"
    with pytest.raises(subprocess.TimeoutExpired):
        subprocess.run([sys.executable, "-c", code], timeout=2)


def test_an_allow_entry_with_the_evil_pattern_answers_at_once() -> None:
    entry = AllowEntry("server_error", "*", "flaky upstream", match=EVIL, where="a.yaml#0")
    started = time.monotonic()
    assert not entry.accepts("server_error", ["op"], LONG_A, "curl ...")
    assert entry.accepts("server_error", ["op"], "x", "a" * 100_000)  # text ends in a's: match
    assert time.monotonic() - started < 1.0


def test_a_pattern_re2_cannot_run_is_one_line_naming_the_entry(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """Backreferences/lookaround have no linear-time match: refused at load, RE2 prints nothing."""
    allow = tmp_path / "allow.yaml"
    allow.write_text("- {check: schema, reason: known, match: '(?<=x)y'}\n")
    with pytest.raises(ConfigError) as caught:
        load_allow_list(allow, ["schema"])
    message = str(caught.value)
    assert message.startswith(f"{allow}: entry 0: match: not a regular expression RE2 accepts")
    assert "\n" not in message
    assert capfd.readouterr().err == ""


def shout_a(raw: bytes, conn: socket.socket, stopping: threading.Event) -> None:
    """A 500 whose body is 600 a's and a '!': the worst text for (a+)+$."""
    body = ("a" * 600 + "!").encode()
    conn.sendall(head(500, content_type="text/plain", content_length=str(len(body))) + body)


def test_verify_with_an_evil_allow_pattern_finishes(hostile: Start, tmp_path: Path) -> None:
    server = hostile(answer_once_then(shout_a))
    allow = tmp_path / "allow.yaml"
    allow.write_text(f"- {{check: server_error, reason: upstream, match: '{EVIL}'}}\n")
    code, err, took, _ = run_verify(
        tmp_path, server.url, "--allow", str(allow), "--time-limit", "5", "--max-examples", "5"
    )
    assert code == 1, err  # the 500s are found; the pattern does not match, so none is allowed
    assert took < 20, took
