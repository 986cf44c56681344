"""Response bodies read within a byte cap, counted after decompression.

A staging target may answer with hundreds of megabytes, or a few kilobytes of gzip that inflate
to gigabytes. Both are cut at `MAX_BODY` bytes: the declared Content-Length is checked before
reading, and decompression is done here with zlib's `max_length`, so no chunk ever inflates
beyond what is left of the cap (httpx's own decoders inflate a whole network chunk at once).
"""

from __future__ import annotations

import zlib

MAX_BODY = 8 * 1024 * 1024
MAX_BODY_TEXT = "8 MiB"
ACCEPT_ENCODING = "gzip, deflate"  # the codings `BoundedDecoder` can inflate within the cap


def too_large(detail: str) -> str:
    """The Exchange error for a body over the cap."""
    return f"response body exceeds {MAX_BODY_TEXT} ({detail}); read at most {MAX_BODY} bytes"


def declared_too_large(content_length: str | None) -> int | None:
    """The declared length when it is over the cap, else None."""
    text = (content_length or "").strip()
    if text.isdigit() and int(text) > MAX_BODY:
        return int(text)
    return None


class _Inflate:
    """One gzip or deflate layer; deflate may come zlib-wrapped or raw, as httpx accepts."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.first = True
        self._obj = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        """At most `room + 1` inflated bytes of `data` (one more than room means 'over')."""
        try:
            out = self._obj.decompress(data, room + 1)
        except zlib.error:
            if not (self.first and self.coding == "deflate"):
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, room + 1)
        self.first = False
        return out


class BoundedDecoder:
    """Decodes a Content-Encoding chain chunk by chunk, never producing more than the cap."""

    def __init__(self, content_encoding: str, limit: int = MAX_BODY) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        self.unsupported = [c for c in codings if c not in ("gzip", "deflate", "x-gzip")]
        # Undecodable codings keep the raw bytes: checks then see a body that is not JSON.
        layers = [] if self.unsupported else codings[::-1]
        self._layers = [_Inflate("gzip" if c == "x-gzip" else c) for c in layers]
        self.limit = limit
        self.size = 0
        self.over = False

    def feed(self, raw: bytes) -> bytes:
        """The decoded bytes of `raw` that still fit; sets `over` once the cap is passed."""
        data = raw
        for layer in self._layers:
            data = layer.feed(data, self.limit)
            self.over = self.over or len(data) > self.limit  # a cut inner layer: over too
        room = self.limit - self.size
        if len(data) > room or self.over:
            self.over = True
            data = data[:room]
        self.size += len(data)
        return data
