"""CORS as a browser enforces it: a page on another loopback origin calls every endpoint.

A real headless Chromium loads a page from a second port (another origin), whose script calls
the four recording endpoints with their credential headers. Those headers make every call
non-simple, so the browser sends an OPTIONS preflight first; Chromium's net log proves it did.
Missing Chromium skips locally and fails in CI (`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from recmock import auth

pytestmark = pytest.mark.slow

CHROMIUM_TIMEOUT = 60  # seconds for one whole browser run, start to exit
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
ZOOM_SESSION = "KkMHZ4y8QhSUWAHi5sWvfg=="
CF_PATH = (
    "/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
    "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
)
PLUGNMEET_BODY = json.dumps({"room_ids": ["room01"], "limit": 5})

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>recmock CORS</title></head>
<body><pre id="results">pending</pre>
<script>
const CALLS = %s;
async function call(c) {
  try {
    const init = {method: c.method, headers: c.headers, mode: "cors"};
    if (c.body !== undefined) init.body = c.body;
    const response = await fetch(c.url, init);
    const text = await response.text();
    let json = null;
    try { json = JSON.parse(text); } catch (e) {}
    return {name: c.name, status: response.status,
            contentType: response.headers.get("content-type"), json: json};
  } catch (e) {
    return {name: c.name, error: String(e)};
  }
}
Promise.all(CALLS.map(call)).then(results => {
  document.getElementById("results").textContent = JSON.stringify(results);
});
</script></body></html>
"""


def chromium() -> str:
    """Path of the Chromium binary; skip without it, except in CI where it must be there."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    message = "Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(message + " but CI is set, so the browser CORS test must run")
    pytest.skip(message)


def endpoint_calls(mock_url: str) -> list[dict[str, Any]]:
    """One fetch() per provider, each with the credential headers that provider expects."""
    return [
        {
            "name": "plugnmeet",
            "method": "POST",
            "url": f"{mock_url}/auth/recording/fetch",
            "headers": auth.plugnmeet_headers(PLUGNMEET_BODY.encode(), "demo-key", "demo-secret"),
            "body": PLUGNMEET_BODY,
        },
        {
            "name": "signalwire",
            "method": "GET",
            "url": f"{mock_url}/api/video/room_sessions/{SESSION}/recordings?page_size=2",
            "headers": auth.basic("demo-project", "demo-token"),
        },
        {
            "name": "zoom",
            "method": "GET",
            "url": f"{mock_url}/v2/videosdk/sessions/{ZOOM_SESSION}/recordings",
            "headers": auth.bearer(auth.zoom_jwt("demo-key", "demo-secret", ttl=600)),
        },
        {
            "name": "cloudflare",
            "method": "GET",
            "url": f"{mock_url}{CF_PATH}",
            "headers": auth.bearer("demo-token"),
        },
        {  # an error must be readable cross-origin too, or a frontend cannot show it
            "name": "cloudflare-bad-token",
            "method": "GET",
            "url": f"{mock_url}{CF_PATH}",
            "headers": auth.bearer("not-the-token"),
        },
    ]


@contextmanager
def page_origin(directory: Path) -> Iterator[str]:
    """Serve `directory` from 127.0.0.1:<free port>, a different origin from the mock."""
    import http.server

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def run_page(mock_url: str, tmp_path: Path) -> tuple[dict[str, dict[str, Any]], list[tuple]]:
    """Load the page in headless Chromium; its fetch results by name and the requests sent."""
    binary = chromium()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(PAGE % json.dumps(endpoint_calls(mock_url)))
    net_log = tmp_path / "net-log.json"
    with page_origin(site) as origin:
        command = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'profile'}",
            # Only loopback IP literals are used; every name lookup fails, so nothing leaves.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            # Virtual time stops while fetches are pending, so the budget is not a race.
            "--virtual-time-budget=15000", f"--log-net-log={net_log}",
            "--dump-dom", f"{origin}/index.html",
        ]  # fmt: skip
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=CHROMIUM_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"chromium did not finish within {CHROMIUM_TIMEOUT} s")
    found = re.search(r'<pre id="results">(.*?)</pre>', done.stdout, re.S)
    assert done.returncode == 0 and found, (
        f"chromium exited {done.returncode}; stdout:\n{done.stdout[-2000:]}\n"
        f"stderr:\n{done.stderr[-3000:]}"
    )
    text = html.unescape(found.group(1))
    assert text != "pending", "the page's fetches did not finish inside the virtual time budget"
    results = {r["name"]: r for r in json.loads(text)}
    return results, requests_sent(net_log)


def requests_sent(net_log: Path) -> list[tuple]:
    """(method, url) of every request Chromium started, preflights included, in order."""
    log = json.loads(net_log.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        (event["params"]["method"], event["params"]["url"])
        for event in log["events"]
        if event["type"] == start_job and "method" in event.get("params", {})
    ]


def test_page_on_another_origin_reads_every_endpoint(live_server, tmp_path: Path) -> None:
    """Each call is preflighted, then answered 200 with JSON the page can read."""
    results, sent = run_page(live_server.url, tmp_path)
    for name in ("plugnmeet", "signalwire", "zoom", "cloudflare"):
        result = results[name]
        assert "error" not in result, f"{name}: the browser blocked the call: {result['error']}"
        assert result["status"] == 200, f"{name}: {result}"
        assert result["contentType"].startswith("application/json"), f"{name}: {result}"
    assert results["plugnmeet"]["json"]["status"] is True
    assert results["plugnmeet"]["json"]["result"]["recordings_list"]
    assert results["signalwire"]["json"]["data"]
    assert results["zoom"]["json"]["session_id"] == ZOOM_SESSION
    assert results["zoom"]["json"]["recording_files"]
    assert results["cloudflare"]["json"]["data"]["id"] == CF_PATH.rsplit("/", 1)[1]

    denied = results["cloudflare-bad-token"]
    assert denied.get("status") == 401, denied
    assert denied["json"]["errors"][0]["code"] == 10000

    for call in endpoint_calls(live_server.url):
        assert ("OPTIONS", call["url"]) in sent, f"no preflight for {call['name']}"
        preflight = sent.index(("OPTIONS", call["url"]))
        assert (call["method"], call["url"]) in sent[preflight + 1 :], call["name"]


def test_without_cors_the_browser_blocks_every_call(start_server, tmp_path: Path) -> None:
    """`--no-cors` really is off: the same page gets nothing, so the test above means something."""
    chromium()  # skip (or fail in CI) before paying for a server
    server = start_server("--no-cors")
    results, _ = run_page(server.url, tmp_path)
    for name, result in results.items():
        assert "error" in result, f"{name}: read a response without CORS: {result}"


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("POST", "/auth/recording/fetch", "api-key,hash-signature,content-type"),
        ("GET", f"/api/video/room_sessions/{SESSION}/recordings", "authorization"),
        ("GET", f"/v2/videosdk/sessions/{ZOOM_SESSION}/recordings", "authorization"),
        ("GET", CF_PATH, "authorization"),
    ],
    ids=["plugnmeet", "signalwire", "zoom", "cloudflare"],
)
def test_preflight_allows_the_provider_headers(live_server, method, path, headers) -> None:
    """The OPTIONS answer names the origin, the method and each header the call will carry."""
    response = httpx.options(
        live_server.url + path,
        headers={
            "Origin": "http://127.0.0.1:1",
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": headers,
        },
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-origin"] in ("*", "http://127.0.0.1:1")
    allowed_methods = {
        m.strip() for m in response.headers["access-control-allow-methods"].split(",")
    }
    assert method in allowed_methods
    allowed = {
        h.strip().lower() for h in response.headers["access-control-allow-headers"].split(",")
    }
    assert {"authorization", "api-key", "hash-signature", "content-type"} <= allowed
    assert int(response.headers["access-control-max-age"]) > 0


def test_cors_origin_flag_admits_only_that_origin(start_server) -> None:
    """`--cors-origin URL` echoes that origin and refuses a preflight from any other."""
    allowed, other = "http://127.0.0.1:5173", "http://127.0.0.1:5174"
    server = start_server("--cors-origin", allowed)
    url = f"{server.url}/api/video/room_sessions/{SESSION}/recordings"
    preflight = {"Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}  # fmt: skip
    with httpx.Client(timeout=10) as client:
        ok = client.options(url, headers={"Origin": allowed, **preflight})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == allowed
        refused = client.options(url, headers={"Origin": other, **preflight})
        assert refused.status_code >= 400
        assert "access-control-allow-origin" not in refused.headers
        simple = client.get(
            url, headers={"Origin": other, **auth.basic("demo-project", "demo-token")}
        )
        assert simple.status_code == 200
        assert "access-control-allow-origin" not in simple.headers
