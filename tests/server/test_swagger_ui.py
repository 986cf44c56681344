"""Swagger UI at <prefix>/ui/: Swagger UI 5 renders each 3.1 spec and "Try it out" works.

The browser tests drive Debian's Chromium (never a downloaded browser) with Playwright: the
page renders its operation, Execute gets the provider's 200 with records, and a credential
changed under Authorize gets the provider's 401. The oracle for both is the mock itself,
asked directly with httpx (and, for plugNmeet, Python's own HMAC of the bytes the browser
sent). A screenshot per page lands in the test's tmp_path. Missing Chromium skips locally and
fails in CI (`.ci/run` installs it).
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from recmock import auth
from recmock.server import swagger
from recmock.specs import SPECS_DIR

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
PREFIXES = {"plugnmeet": "/auth", "signalwire": "/api/video", "zoom": "/v2",
            "cloudflare": "/client/v4"}  # fmt: skip
SPEC_FILES = {"plugnmeet": "plugnmeet/recording-fetch.v2.yaml",
              "signalwire": "signalwire/room-session-recordings.yaml",
              "zoom": "zoom/session-recordings.yaml",
              "cloudflare": "cloudflare/recording-details.yaml"}  # fmt: skip
TIMEOUT_MS = 20_000


# --- without a browser: what the page is given -------------------------------------------


def page_config(text: str) -> dict[str, Any]:
    """The inline JSON the page's script reads."""
    start = text.index('<script id="recmock-config" type="application/json">')
    inline = text[text.index(">", start) + 1 : text.index("</script>", start)]
    return json.loads(inline)


@pytest.mark.parametrize("provider", PREFIXES)
def test_page_loads_swagger_ui_5_from_the_package(client: httpx.Client, provider: str) -> None:
    prefix = PREFIXES[provider]
    page = client.get(f"{prefix}/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script src="swagger-ui-bundle.js"></script>' in page.text
    bundle = client.get(f"{prefix}/ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.content == (swagger.dist_dir() / "swagger-ui-bundle.js").read_bytes()
    assert 'PACKAGE_VERSION:"5.' in bundle.text  # 4.x cannot render `openapi: 3.1.0`
    assert page_config(page.text)["url"] == f"{prefix}/openapi.json"
    assert client.get(f"{prefix}/ui/recmock-ui.js").status_code == 200
    redirect = client.get(f"{prefix}/ui", follow_redirects=False)
    assert redirect.status_code == 307 and redirect.headers["location"] == f"{prefix}/ui/"


@pytest.mark.parametrize("name", ["swagger-editor.js", "..%2F..%2Fsetup.py", "index.j2", "x"])
def test_only_the_ui_files_are_served(client: httpx.Client, name: str) -> None:
    response = client.get(f"/api/video/ui/{name}")
    assert response.status_code == 404 and "no such Swagger UI file" in response.text


@pytest.mark.parametrize("provider", PREFIXES)
def test_preauthorized_schemes_are_the_specs_own(client: httpx.Client, provider: str) -> None:
    """Every scheme the page fills in exists in the spec; together they are all it requires."""
    document = yaml.safe_load((SPECS_DIR / SPEC_FILES[provider]).read_text())
    schemes = document["components"]["securitySchemes"]
    config = page_config(client.get(f"{PREFIXES[provider]}/ui/").text)
    filled = {**config.get("basic", {}), **config.get("apiKey", {})}
    required = {name for requirement in document["security"] for name in requirement}
    assert set(filled) == required and required <= set(schemes)
    for name in config.get("basic", {}):
        assert schemes[name]["scheme"] == "basic"


def test_zoom_token_is_a_jwt_for_the_configured_key(client: httpx.Client) -> None:
    import jwt

    token = page_config(client.get("/v2/ui/").text)["apiKey"]["bearerAuth"]
    claims = jwt.decode(token, "demo-secret", algorithms=["HS256"], issuer="demo-key")
    assert claims["exp"] - claims["iat"] == swagger.ZOOM_TOKEN_TTL
    url = "/v2/videosdk/sessions/KkMHZ4y8QhSUWAHi5sWvfg==/recordings"
    assert client.get(url, headers=auth.bearer(token)).status_code == 200


def test_other_machines_get_the_page_without_credentials(app) -> None:  # type: ignore[no-untyped-def]
    """A browser elsewhere sees the UI but no secret, token or signing key, and is told why."""
    from starlette.testclient import TestClient

    with TestClient(app, client=("192.0.2.7", 50000)) as remote:  # in-process: no traffic
        for prefix in PREFIXES.values():
            text = remote.get(f"{prefix}/ui/").text
            config = page_config(text)
            assert set(config) == {"url", "note"}, prefix
            assert "only for browsers on the mock's own machine" in config["note"]
            for secret in ("demo-secret", "demo-token", "eyJ"):
                assert secret not in text, (prefix, secret)


def test_inline_config_cannot_close_its_script_element() -> None:
    from recmock.providers import Credentials
    from recmock.specs import load_specs

    spec = next(s for s in load_specs(SPECS_DIR) if s.provider == "cloudflare")
    text = swagger.page(spec, Credentials(cloudflare_token="</script><b>x"), local=True, now=0)
    html = text.decode()
    assert "</script><b>" not in html
    assert page_config(html)["apiKey"]["apiToken"] == "</script><b>x"


# --- in Chromium -------------------------------------------------------------------------


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Chromium is not installed (Debian: apt-get install -y chromium; .ci/run does it)"
    if os.environ.get("CI"):
        pytest.fail(message + " but CI is set, so the Swagger UI test must run")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class Case:
    """One page: how to spot its records, and which credential to spoil under Authorize."""

    records: Callable[[Any], list[Any]]
    scheme: str
    wrong: tuple[str, ...]  # the spoiled value (basic: user, password)
    wrong_headers: Callable[[bytes], dict[str, str]]  # the same spoiled credential, for httpx


CASES = {
    "plugnmeet": Case(
        lambda body: body["result"]["recordings_list"], "apiKey", ("wrong-key",),
        lambda body: auth.plugnmeet_headers(body, "wrong-key", "demo-secret"),
    ),
    "signalwire": Case(
        lambda body: body["data"], "SignalWireBasicAuth", ("demo-project", "wrong-token"),
        lambda _: auth.basic("demo-project", "wrong-token"),
    ),
    "zoom": Case(
        lambda body: body["recording_files"], "bearerAuth", ("not-a-jwt",),
        lambda _: auth.bearer("not-a-jwt"),
    ),
    "cloudflare": Case(
        lambda body: [body["data"]], "apiToken", ("not-the-token",),
        lambda _: auth.bearer("not-the-token"),
    ),
}  # fmt: skip


def execute(page: Any) -> tuple[Any, dict[str, Any]]:
    """Click Execute; the request the browser sent and the JSON the panel shows."""
    previous = page.locator(".live-responses-table")
    if previous.count():  # Clear first, so the panel read below cannot be the last response
        page.locator("button.btn-clear").click()
        previous.wait_for(state="detached")
    with page.expect_request(lambda r: "/ui/" not in r.url and "openapi" not in r.url) as sent:
        page.locator("button.execute").click()
    status = page.locator(".live-responses-table tbody .response-col_status")
    status.wait_for(timeout=TIMEOUT_MS)
    shown = page.locator(".live-responses-table tbody .response-col_description pre").first
    return sent.value, {"status": int(status.inner_text()), "body": json.loads(shown.inner_text())}


def reauthorize(page: Any, scheme: str, values: tuple[str, ...]) -> None:
    """Authorize -> Logout of `scheme` -> type `values` -> Authorize -> Close, as a user does."""
    page.locator(".auth-wrapper button.authorize").click()
    title = page.locator("h4 code", has_text=re.compile(f"^{scheme}$"))
    container = page.locator(".auth-container").filter(has=title)
    container.locator("button", has_text="Logout").click()  # its aria-label differs
    for field, value in zip(container.locator("input").all(), values, strict=True):
        field.fill(value)
    container.locator("button", has_text=re.compile("^Authorize$")).click()
    page.locator(".modal-ux .close-modal").click()


@pytest.mark.slow
@pytest.mark.parametrize("provider", PREFIXES)
def test_try_it_out_in_chromium(
    browser: Any, live_server: Any, tmp_path: Path, provider: str
) -> None:
    prefix, case = PREFIXES[provider], CASES[provider]
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{live_server.url}{prefix}/ui/")
        page.locator(".opblock-summary").first.wait_for()
        document = httpx.get(f"{live_server.url}{prefix}/openapi.json", timeout=10).json()
        ((path, item),) = document["paths"].items()
        (operation,) = [v for k, v in item.items() if k in ("get", "post")]
        summary = page.locator(".opblock-summary").first.inner_text()
        assert path in summary.replace("\u200b", "") and operation["summary"] in summary
        assert "Unable to render this definition" not in page.content()
        page.screenshot(path=str(tmp_path / f"{provider}-page.png"))

        page.locator("button.try-out__btn").click()
        request, shown = execute(page)
        page.locator(".live-responses-table").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"{provider}.png"))
        assert shown["status"] == 200, shown
        assert case.records(shown["body"]), f"{provider}: no records in {shown['body']}"
        # Independent oracle: the mock answers the very request the browser sent the same way.
        direct = httpx.request(request.method, request.url, headers=request.headers,
                               content=request.post_data_buffer, timeout=10)  # fmt: skip
        assert direct.status_code == 200 and direct.json() == shown["body"]
        if provider == "plugnmeet":  # the page signed the exact bytes it sent
            expected = auth.hmac_hex(request.post_data_buffer, "demo-secret")
            assert request.headers["hash-signature"] == expected
        if provider == "signalwire":
            basic = base64.b64decode(request.headers["authorization"].split()[1]).decode()
            assert basic == "demo-project:demo-token"

        reauthorize(page, case.scheme, case.wrong)
        request, shown = execute(page)
        page.locator(".live-responses-table").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / f"{provider}-401.png"))
        assert shown["status"] == 401, shown
        body = request.post_data_buffer or b""
        headers = {**case.wrong_headers(body), "Content-Type": "application/json"}
        direct = httpx.request(request.method, request.url, headers=headers, content=body,
                               timeout=10)  # fmt: skip
        assert direct.status_code == 401 and direct.json() == shown["body"]
        if provider == "plugnmeet":  # a typed signature is sent as typed, not re-signed
            reauthorize(page, "apiKey", ("demo-key",))
            reauthorize(page, "hashSignature", ("0" * 64,))
            request, shown = execute(page)
            assert request.headers["hash-signature"] == "0" * 64
            assert shown["status"] == 401
            assert shown["body"]["status_code"] == "INVALID_TOKEN_OR_SIGNATURE", shown
    finally:
        page.close()
