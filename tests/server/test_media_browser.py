"""Download links in a real browser: Debian's Chromium plays the mock's links from another origin.

The page comes from a second local server (another port, so another origin); the media come
from `recmock serve`. A `<video crossorigin>` plays the SignalWire `uri` and the Cloudflare
`download_url` (HAVE_ENOUGH_DATA, `currentTime` advances), and a seek far ahead makes Chromium
open a new Range request, which the server journal shows answered 206. The network is throttled
through DevTools as a slow connection would be: over loopback the whole file would arrive before
any seek, and Chromium keeps reading one connection while a seek lands within 5 blocks of 32 KiB
of it. An `<audio>` plays a Zoom participant audio link with its `access_token`, expired or
token-less links fire the element's `error` event, and `fetch` reads Content-Range across
origins. Missing Chromium skips locally and fails in CI (`.ci/run` installs it).
"""

from __future__ import annotations

import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from live_server import LiveServer, free_port
from recmock.auth import zoom_jwt
from recmock.media.assets import asset

pytestmark = pytest.mark.slow
VIDEO_SIZE = len(asset("mp4").data)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]  # fmt: skip  (as test_swagger_ui)
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
CLOUDFLARE = ("/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
              "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")  # fmt: skip
SLOW_NETWORK = {"offline": False, "latency": 20, "downloadThroughput": 16_000,
                "uploadThroughput": 100_000}  # fmt: skip
PAGE = b"<!doctype html><meta charset=utf-8><title>player</title><body></body>"
PLAY = """async ([tag, src, seekTo]) => {
  const el = document.createElement(tag);
  el.muted = true; el.crossOrigin = 'anonymous'; el.preload = 'auto';
  document.body.appendChild(el);
  const errored = new Promise(r => el.addEventListener('error', () => r('error'), {once: true}));
  el.src = src;
  const wait = async (ok, ms) => { const t0 = performance.now();
    while (!ok() && performance.now() - t0 < ms) await new Promise(r => setTimeout(r, 50)); };
  await Promise.race([wait(() => el.readyState >= 4, 15000), errored]);
  const out = {ready: el.readyState, duration: el.duration, error: el.error && el.error.code};
  if (el.readyState < 4) return out;
  await el.play();
  await wait(() => el.currentTime > 0.5, 10000);
  out.played = el.currentTime;
  if (seekTo) {
    const seeked = new Promise(r => el.addEventListener('seeked', r, {once: true}));
    el.currentTime = seekTo;
    await Promise.race([seeked, new Promise(r => setTimeout(r, 15000))]);
    out.seeked = el.currentTime;
  }
  return out;
}"""
ERRORS = """async ([tag, src]) => {
  const el = document.createElement(tag);
  el.crossOrigin = 'anonymous'; el.preload = 'auto';
  const fired = new Promise(r => el.addEventListener('error', () => r(el.error.code), {once: true}));
  el.src = src;
  return await Promise.race([fired, new Promise(r => setTimeout(() => r('no error event'), 15000))]);
}"""


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(message + " but CI is set, so the media browser tests must run")
    pytest.skip(message)


class PageServer:
    """The player page on its own port: another origin than the mock."""

    def __init__(self) -> None:
        class Page(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(PAGE)))
                self.end_headers()
                self.wfile.write(PAGE)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def mock_server() -> Iterator[LiveServer]:
    server = LiveServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    server = PageServer()
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, page_origin: str) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(page_origin)
    cdp = context.new_cdp_session(tab)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_NETWORK)
    yield tab
    context.close()


def api(server: LiveServer, path: str, **headers: str) -> Any:
    auth = {"Authorization": f"Bearer {zoom_jwt('demo-key', 'demo-secret')}"}
    if path.startswith("/api/video"):
        auth = {
            "Authorization": "Basic ZGVtby1wcm9qZWN0OmRlbW8tdG9rZW4="
        }  # demo-project:demo-token
    elif path.startswith("/client"):
        auth = {"Authorization": "Bearer demo-token"}
    reply = httpx.get(server.url + path, headers={**auth, **headers}, timeout=10)
    assert reply.status_code == 200, reply.text
    return reply.json()


def media_entries(server: LiveServer, link: str) -> list[dict[str, Any]]:
    path = urlsplit(link).path
    entries = httpx.get(f"{server.url}/__recmock/journal", params={"path": path}).json()
    entries = entries.get("entries", entries) if isinstance(entries, dict) else entries
    return [e for e in entries if e["path"] == path]


def signalwire_uri(server: LiveServer, **headers: str) -> str:
    body = api(server, f"/api/video/room_sessions/{SESSION}/recordings?page_size=10", **headers)
    return str(next(r["uri"] for r in body["data"] if r["uri"]))


@pytest.mark.parametrize("provider", ["signalwire", "cloudflare"])
def test_video_plays_and_a_seek_is_a_range_request_answered_206(
    mock_server: LiveServer, page: Any, provider: str
) -> None:
    if provider == "signalwire":
        link = signalwire_uri(mock_server)
    else:
        link = api(mock_server, CLOUDFLARE)["data"]["download_url"]
    result = page.evaluate(PLAY, ["video", link, 19])
    assert result["ready"] == 4, result  # HAVE_ENOUGH_DATA
    assert result["duration"] == pytest.approx(20, abs=0.2)
    assert result["played"] > 0.5
    assert result["seeked"] == pytest.approx(19, abs=0.5)
    seen = media_entries(mock_server, link)
    assert seen and all(e["status"] == 206 for e in seen), seen
    starts = [int(e["problems"][0].split()[1].split("-")[0]) for e in seen]
    assert starts[0] == 0 and max(starts) > 0, seen  # the seek opened a new range


def test_audio_plays_a_zoom_participant_file_with_its_token(
    mock_server: LiveServer, page: Any
) -> None:
    path = f"/v2/videosdk/sessions/{SESSION}/recordings?include_fields=download_access_token"
    body = api(mock_server, path)
    link = body["participant_audio_files"][0]["download_url"]
    result = page.evaluate(
        PLAY, ["audio", f"{link}?access_token={body['download_access_token']}", 0]
    )
    assert result["ready"] == 4 and result["played"] > 0.5, result
    assert page.evaluate(ERRORS, ["audio", link]) == 4  # no token: MEDIA_ERR_SRC_NOT_SUPPORTED
    assert media_entries(mock_server, link)[-1]["status"] == 401


def test_expired_links_fire_the_error_event(mock_server: LiveServer, page: Any) -> None:
    link = signalwire_uri(mock_server, **{"X-Recmock-Scenario": "expired-links"})
    assert page.evaluate(ERRORS, ["video", link]) == 4
    assert media_entries(mock_server, link)[-1]["status"] == 403
    cloudflare = api(mock_server, CLOUDFLARE, **{"X-Recmock-Scenario": "expired-links"})
    assert page.evaluate(ERRORS, ["video", cloudflare["data"]["download_url"]]) == 4


def test_fetch_from_another_origin_reads_content_range(mock_server: LiveServer, page: Any) -> None:
    link = signalwire_uri(mock_server)
    seen = page.evaluate("""async (src) => {
      const r = await fetch(src, {headers: {Range: 'bytes=-500'}});
      return [r.status, r.headers.get('content-range'), r.headers.get('accept-ranges'),
              (await r.arrayBuffer()).byteLength];
    }""", link)  # fmt: skip
    assert seen[0] == 206 and seen[1].startswith("bytes ") and seen[1].endswith(f"/{VIDEO_SIZE}")
    assert seen[2:] == ["bytes", 500]
