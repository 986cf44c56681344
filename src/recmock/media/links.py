"""The mock's own media links: built by the providers, read back by the media edge.

Every link lives under `/media/<provider>/<scope>/` on the origin the API request came to, so
it works behind a proxy or on any port; the rest of the path keeps the provider's look
(SignalWire `recordings/<id>.mp4`, Zoom `rec/download/<id>-mp4`, Cloudflare `<id>/video.mp4`).
`<scope>` names the scenario (and session) whose world served the list call: its clock decides
later whether the link has expired, and its recording must still be finished.

SignalWire and Cloudflare links are presigned, as storage links are: `expires` (unix seconds of
the world clock) and `signature`, a truncated HMAC-SHA256 over the path and the expiry with a key
derived from the server's secrets, so nobody without them can forge a link or extend one. Zoom
links carry no query at all: Zoom clients append `?access_token=…` themselves, and the token (its
`ttl`) is what expires.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote

from recmock.state.interface import DEFAULT_SESSION

PREFIX = "/media/"
SIGNATURE_CHARS = 32  # 128 bits of HMAC-SHA256, hex
ZOOM_KINDS = {"MP4": "mp4", "M4A": "m4a", "TIMELINE": "timeline"}  # file_type -> link suffix
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TAILS = {
    "signalwire": re.compile(rf"recordings/(?P<id>{_UUID})\.(?P<ext>mp4)"),
    "cloudflare": re.compile(rf"(?P<id>{_UUID})/(?P<name>video\.mp4|audio\.m4a)"),
    "zoom": re.compile(rf"rec/download/(?P<id>{_UUID})-(?P<kind>mp4|m4a|timeline|participant-\d)"),
}
_ASSET_OF_NAME = {"video.mp4": "mp4", "audio.m4a": "m4a"}


@dataclass(frozen=True)
class Target:
    """What a media path names: whose file, from which world, and which bytes."""

    provider: str
    scenario: str
    session: str
    recording_id: str
    asset: str  # "mp4", "m4a" or "timeline" (see recmock.media.assets)
    file_name: str  # for Content-Disposition


@lru_cache(maxsize=16)
def signing_key(secrets: Sequence[str], seed: int) -> bytes:
    """The per-server link key: derived from the server's own secrets and seed, so every worker
    and replica of one deployment agrees on it (and the same seed serves the same bytes), while
    a deployment with its own credentials signs links nobody else can mint."""
    material = "\0".join(["recmock-media-links", str(seed), *secrets]).encode()
    return hashlib.sha256(material).digest()


def signature(key: bytes, path: str, expires: int) -> str:
    """The `signature` of a presigned link: covers its whole path and its expiry."""
    return hmac.new(key, f"{path}\n{expires}".encode(), hashlib.sha256).hexdigest()[
        :SIGNATURE_CHARS
    ]


def signature_matches(key: bytes, path: str, expires: str, given: str) -> bool:
    """True when `given` is this mock's signature of (path, expires); constant time."""
    if not (expires.isascii() and expires.isdigit() and len(expires) <= 15):
        return False
    expected = signature(key, path, int(expires))
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def scope_segment(scenario: str, session: str) -> str:
    """`<scope>`: the scenario, plus `@session` outside the default session (or when the
    scenario's name holds an '@'; session names cannot), percent-encoded as one segment."""
    plain = session == DEFAULT_SESSION and "@" not in scenario
    text = scenario if plain else f"{scenario}@{session}"
    return quote(text, safe="@")  # RFC 3986 allows "@" in a segment


@dataclass(frozen=True)
class Minter:
    """Builds one API reply's media links: its origin, the key, and the world that served it."""

    origin: str
    key: bytes
    scenario: str
    session: str

    def _path(self, provider: str, tail: str) -> str:
        return f"{PREFIX}{provider}/{scope_segment(self.scenario, self.session)}/{tail}"

    def _presigned(self, provider: str, tail: str, expires: int) -> str:
        path = self._path(provider, tail)
        decoded = unquote(path)  # what the edge sees in the ASGI scope
        mac = signature(self.key, decoded, expires)
        return f"{self.origin}{path}?expires={expires}&signature={mac}"

    def signalwire(self, recording_id: str, expires: int) -> str:
        """A SignalWire `uri`: the MP4, valid until `expires`."""
        return self._presigned("signalwire", f"recordings/{recording_id}.mp4", expires)

    def cloudflare(self, recording_id: str, name: str, expires: int) -> str:
        """A Cloudflare `download_url` (`video.mp4`) or `audio_download_url` (`audio.m4a`)."""
        return self._presigned("cloudflare", f"{recording_id}/{name}", expires)

    def zoom(self, recording_id: str, kind: str) -> str:
        """A Zoom `download_url`: `kind` is mp4, m4a, timeline or participant-N; no query."""
        return f"{self.origin}{self._path('zoom', f'rec/download/{recording_id}-{kind}')}"


def parse(path: str) -> Target | None:
    """The target of a media path (as decoded in the ASGI scope), or None if it names none."""
    if not path.startswith(PREFIX):
        return None
    provider, _, rest = path[len(PREFIX) :].partition("/")
    scope, _, tail = rest.partition("/")
    pattern = _TAILS.get(provider)
    found = pattern.fullmatch(tail) if pattern else None
    if found is None or not scope:
        return None
    scenario, at, session = scope.rpartition("@")
    if not at:
        scenario, session = scope, DEFAULT_SESSION
    rec_id = found["id"]
    if provider == "signalwire":
        return Target(provider, scenario, session, rec_id, "mp4", f"{rec_id}.mp4")
    if provider == "cloudflare":
        name = found["name"]
        return Target(provider, scenario, session, rec_id, _ASSET_OF_NAME[name], name)
    kind = found["kind"]
    asset = "m4a" if kind.startswith("participant-") else kind
    extension = "json" if asset == "timeline" else asset
    return Target(provider, scenario, session, rec_id, asset, f"{rec_id}-{kind}.{extension}")
