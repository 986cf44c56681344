"""Swagger UI at `<prefix>/ui/`: a Swagger UI 5 build (renders OpenAPI 3.1) with demo auth.

The Swagger UI files come from the `swagger-ui-py` package (its `static/` directory); only our
page and `static/recmock-ui.js` are ours. The page carries, inline, what the browser needs to
call this mock: the spec URL, the credentials to pre-authorize with, and for plugNmeet the
secret its request interceptor signs each body with (WebCrypto HMAC-SHA256). Zoom's bearer is a
JWT minted here for the configured SDK key. All of that only for browsers on this machine:
another client gets the page without credentials and a note saying why.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from recmock import auth
from recmock.providers import Credentials
from recmock.server import admin
from recmock.specs import Spec

Json = Any
Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
OURS = Path(__file__).with_name("static")
DIST_FILES = {  # name -> content type; nothing else of the package is served
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon-32x32.png": "image/png",
    "favicon-16x16.png": "image/png",
}
OUR_FILES = {"recmock-ui.js": "text/javascript; charset=utf-8"}
SIGNED = "(signed per request by this page)"  # HASH-SIGNATURE placeholder the page replaces
ZOOM_TOKEN_TTL = 2 * 3600  # seconds; the page says so, a reload mints a fresh one

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} - recmock</title>
<link rel="stylesheet" href="swagger-ui.css">
<link rel="icon" type="image/png" href="favicon-32x32.png">
<style>#recmock-note {{font: 14px sans-serif; margin: 12px auto 0; max-width: 1420px;
  padding: 8px 20px; background: #eef6ff; border-left: 4px solid #49cc90}}</style>
</head>
<body>
<div id="recmock-note"></div>
<div id="swagger-ui"></div>
<script id="recmock-config" type="application/json">{config}</script>
<script src="swagger-ui-bundle.js"></script>
<script src="recmock-ui.js"></script>
</body>
</html>
"""


def dist_dir() -> Path:
    """The Swagger UI build shipped by the swagger-ui-py package."""
    return Path(str(resources.files("swagger_ui") / "static"))


def authorizations(spec: Spec, creds: Credentials, now: float) -> dict[str, Json]:
    """What the page pre-authorizes, by the spec's security scheme names.

    `basic`: {scheme: [user, password]}, `apiKey`: {scheme: value} (Swagger UI treats bearer
    tokens as API keys), `signing`: the header the page signs and the secret it signs with.
    """
    if spec.provider == "plugnmeet":
        return {
            "apiKey": {"apiKey": creds.plugnmeet_key, "hashSignature": SIGNED},
            "signing": {"header": "HASH-SIGNATURE", "placeholder": SIGNED,
                        "secret": creds.plugnmeet_secret},
        }  # fmt: skip
    if spec.provider == "signalwire":
        return {"basic": {"SignalWireBasicAuth": [creds.signalwire_project,
                                                  creds.signalwire_token]}}  # fmt: skip
    if spec.provider == "zoom":
        token = auth.zoom_jwt(creds.zoom_key, creds.zoom_secret, ZOOM_TOKEN_TTL, now=now)
        return {"apiKey": {"bearerAuth": token}}
    if spec.provider == "cloudflare":
        return {"apiKey": {"apiToken": creds.cloudflare_token}}
    return {}


def note(spec: Spec, creds: Credentials, local: bool) -> str:
    """The line above the UI: which credentials are filled in, or why none are."""
    if not local:
        return ("recmock: credentials are pre-filled only for browsers on the mock's own machine; "
                "use Authorize with your demo credentials (see the README).")  # fmt: skip
    said = {
        "plugnmeet": f"API-KEY {creds.plugnmeet_key}; HASH-SIGNATURE is computed in your browser "
        "over each exact body (HMAC-SHA256 with the server's secret).",
        "signalwire": f"Basic {creds.signalwire_project} and the server's API token.",
        "zoom": f"a JWT minted by the mock for SDK key {creds.zoom_key}, valid "
        f"{ZOOM_TOKEN_TTL // 3600} h (reload the page for a fresh one).",
        "cloudflare": "the server's API token (Bearer).",
    }.get(spec.provider, "none.")
    return (f"recmock: pre-authorized with the server's credentials: {said} Change them under "
            "Authorize to see the provider's 401.")  # fmt: skip


def page(spec: Spec, creds: Credentials, *, local: bool, now: float) -> bytes:
    """The HTML page for one spec; credentials only when `local`."""
    config = {
        "url": spec.prefix + "/openapi.json",
        "note": note(spec, creds, local),
        **(authorizations(spec, creds, now) if local else {}),
    }
    # Inside <script>, only "</" could end the element early; JSON allows escaping it.
    inline = json.dumps(config).replace("</", "<\\/")
    title = str(spec.document.get("info", {}).get("title", spec.name))
    return PAGE.format(title=_text(title), config=inline).encode()


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass(frozen=True)
class Asset:
    """One response of the UI: status, content type, body, extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str]


class SwaggerUI:
    """Answers `<prefix>/ui`, `<prefix>/ui/`, `<prefix>/ui/index.html` and the UI's files."""

    def __init__(self, specs: Sequence[Spec], credentials: Credentials) -> None:
        self.specs = {spec.prefix + "/ui": spec for spec in specs}
        self.credentials = credentials
        self.files: dict[str, tuple[str, bytes]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] in ("GET", "HEAD"):
            asset = self.answer(scope["path"], scope.get("client"))
        else:
            refused = {"error": "method_not_allowed", "message": "the UI is GET only"}
            asset = Asset(405, "application/json", json.dumps(refused).encode(), {"allow": "GET"})
        headers = [(b"content-type", asset.content_type.encode()),
                   (b"content-length", str(len(asset.body)).encode()),
                   *((k.encode(), v.encode()) for k, v in asset.headers.items())]  # fmt: skip
        await send({"type": "http.response.start", "status": asset.status, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else asset.body
        await send({"type": "http.response.body", "body": body})

    def answer(self, path: str, client: tuple[str, int] | None) -> Asset:
        """The response for a GET of `path` (which starts with some `<prefix>/ui`)."""
        base = next((b for b in self.specs if path == b or path.startswith(b + "/")), None)
        if base is None:
            return _not_found(path)
        rest = path[len(base) :]
        if rest == "":
            return Asset(307, "text/plain", b"", {"location": base + "/"})
        if rest in ("/", "/index.html"):
            local = admin.is_loopback(client)
            body = page(self.specs[base], self.credentials, local=local, now=time.time())
            return Asset(200, "text/html; charset=utf-8", body, {"cache-control": "no-store"})
        found = self._file(rest[1:])
        if found is None:
            return _not_found(path)
        content_type, body = found
        return Asset(200, content_type, body, {"cache-control": "max-age=3600"})

    def _file(self, name: str) -> tuple[str, bytes] | None:
        if name not in self.files:
            if name in DIST_FILES:
                self.files[name] = (DIST_FILES[name], (dist_dir() / name).read_bytes())
            elif name in OUR_FILES:
                self.files[name] = (OUR_FILES[name], (OURS / name).read_bytes())
            else:
                return None
        return self.files[name]


def _not_found(path: str) -> Asset:
    body = json.dumps({"error": "not_found", "message": f"no such Swagger UI file: {path}"})
    return Asset(404, "application/json", body.encode(), {})
