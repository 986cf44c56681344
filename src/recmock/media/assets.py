"""The bytes behind every media link: three small files shipped in the package.

Made once with ffmpeg's test sources (the commands are in the README, "Download links that
play"); the same file serves every recording of its type, so content type and codecs match
what each recording declares, while durations and sizes stay the recording's own realistic
values (a 400 MB `file_size` is not served as 400 MB). Read once, kept as immutable bytes: any
number of clients stream slices of the same object, so memory does not grow with them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from importlib import resources

FILES = {  # asset -> (file in recmock/media/files, content type)
    "mp4": ("video.mp4", "video/mp4"),  # H.264 baseline + AAC, 320x180, 20 s, faststart
    "m4a": ("audio.m4a", "audio/mp4"),  # AAC mono, 20 s
    "timeline": ("timeline.json", "application/json"),  # Zoom's TIMELINE file
}
DURATION_SECONDS = 20  # of the MP4 and the M4A (tests/server/test_media.py checks the bytes)
# The MP4 is ~240 KB, not tens of KB, on purpose: Chromium's media cache keeps reading one
# connection while a seek lands within 5 blocks of 32 KiB ahead of it, so only a file larger
# than that ever shows a player's seek as a new Range request (tests/server/test_media_browser).


@dataclass(frozen=True)
class Asset:
    """One servable file: its bytes, type and validators."""

    name: str
    content_type: str
    data: bytes
    etag: str  # strong: the same bytes always have the same tag


@cache
def asset(kind: str) -> Asset:
    """The asset for `kind` ("mp4", "m4a", "timeline"); KeyError for any other kind."""
    name, content_type = FILES[kind]
    data = resources.files("recmock.media").joinpath("files", name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()[:20]
    return Asset(name, content_type, data, f'"{digest}"')
