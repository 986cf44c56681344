"""HTTP as media players use it, decided without I/O: 200, 206, 304 or 416, and which bytes.

RFC 9110 sections 13 and 14, for one representation of `length` bytes:
- `If-None-Match` (any listed tag, weak comparison, or `*`) answers 304; without it,
  `If-Modified-Since` at or after `Last-Modified` does.
- `Range: bytes=a-b`, `bytes=a-` and `bytes=-n` (a suffix) answer 206 with exactly those bytes,
  clamped to the end; a range starting past the end, a zero suffix, `b < a` or bytes-range text
  that does not parse answer 416 with `Content-Range: bytes */length` (nginx does the same).
- Several ranges in one header are ignored (200, the whole file), which the RFC allows: no
  player asks for them, and multipart/byteranges would only add a code path nobody uses.
  A unit other than `bytes` is ignored as well.
- `If-Range` keeps the Range only when it names the current strong ETag or the exact
  `Last-Modified` date; otherwise the client gets the whole new file (200).
- Ranges apply to GET; HEAD gets the headers of the full response.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime

MAX_DIGITS = 18  # past 10**18 nothing is satisfiable; int() of 5000 digits is not free


@dataclass(frozen=True)
class Plan:
    """What to answer: the status and, for 200/206, the bytes [start, stop)."""

    status: int
    start: int = 0
    stop: int = 0


def byte_range(header: str, length: int) -> tuple[int, int] | bool | None:
    """[start, stop) for a satisfiable single range, None to ignore the header (serve all),
    False when unsatisfiable or malformed (416)."""
    unit, eq, ranges = header.strip().partition("=")
    if not eq or unit.strip().lower() != "bytes":
        return None
    if "," in ranges:
        return None
    first, dash, last = ranges.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not _digits(first, allow_empty=True) or not _digits(last, allow_empty=True):
        return False
    if not first:  # suffix: the last n bytes
        if not last or int(last) == 0 or length == 0:
            return False
        return max(0, length - int(last)), length
    start = int(first)
    if start >= length or (last and int(last) < start):
        return False
    stop = length if not last else min(int(last), length - 1) + 1
    return start, stop


def _digits(text: str, *, allow_empty: bool) -> bool:
    if not text:
        return allow_empty
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


def decide(
    method: str, headers: Mapping[str, str], length: int, etag: str, last_modified: str
) -> Plan:
    """The plan for one GET/HEAD; `headers` lower-cased names, `last_modified` an HTTP-date."""
    if_none_match = headers.get("if-none-match")
    if if_none_match is not None:
        if _tag_listed(if_none_match, etag):
            return Plan(304)
    elif _not_modified_since(headers.get("if-modified-since"), last_modified):
        return Plan(304)
    whole = Plan(200, 0, length)
    ranged = headers.get("range")
    if method != "GET" or ranged is None:
        return whole
    if_range = headers.get("if-range")
    if if_range is not None and if_range.strip() not in (etag, last_modified):
        return whole  # changed since the client's copy (or a weak tag): the whole file
    span = byte_range(ranged, length)
    if span is None:
        return whole
    if span is False:
        return Plan(416)
    assert isinstance(span, tuple)
    return Plan(206, span[0], span[1])


def _tag_listed(header: str, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"."""
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def _not_modified_since(header: str | None, last_modified: str) -> bool:
    if not header:
        return False
    try:
        since = parsedate_to_datetime(header)
        modified = parsedate_to_datetime(last_modified)
    except (TypeError, ValueError, IndexError):
        return False  # an unparseable date is ignored, as the RFC says
    if since.tzinfo is None or modified.tzinfo is None:
        return False
    return modified <= since


def content_range(plan: Plan, length: int) -> str:
    """The Content-Range of a 206 or 416."""
    if plan.status == 416:
        return f"bytes */{length}"
    return f"bytes {plan.start}-{plan.stop - 1}/{length}"
