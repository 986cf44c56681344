"""The one place that reads times and bounds them: unix seconds, RFC 3339, `now-2h`. UTC always.

Every time the mock serves is derived from a world clock (`now`) minus a history or plus a link
lifetime and then written as RFC 3339, which only exists for years 1..9999. A time or a
lifetime that passes loading but leaves that range turns every later reply into a 500, so both
are refused here, at load time, with the range that is safe. An RFC 3339 time without an offset
is read as UTC: the same fixture must serve the same bytes on every machine, whatever its zone.
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

YEAR = 365 * 86400
MAX_LIFETIME_DAYS = 36_500  # history_days and |link_lifetime|: a century either way
MAX_LIFETIME = MAX_LIFETIME_DAYS * 86400
FIRST_YEAR, LAST_YEAR = 1970, 9899  # 9999 minus the longest lifetime: derived times stay valid
MIN_TIME = 0  # 1970-01-01T00:00:00Z
MAX_TIME = int(datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
RELATIVE = re.compile(r"^now(?:\s*([+-])\s*(\d{1,12})\s*([smhd]))?$")
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
RANGE_TEXT = f"a time between years {FIRST_YEAR} and {LAST_YEAR}"


def parse_time(value: Any, now: int) -> int:
    """Unix seconds from an int, RFC 3339 (no offset = UTC), or `now`, `now-2h`, `now+3d`.

    Raises ValueError naming the accepted forms, or the accepted range when the time is outside
    it.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str | datetime):
        raise ValueError(f"expected unix seconds, RFC 3339 or now-2h style, got {value!r}")
    seconds = _seconds(value, now)
    if not MIN_TIME <= seconds <= MAX_TIME:
        raise ValueError(f"expected {RANGE_TEXT} (unix {MIN_TIME}..{MAX_TIME}), got {value!r}")
    return seconds


def _seconds(value: int | float | str | datetime, now: int) -> int:
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected {RANGE_TEXT}, got {value!r}")
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return _utc_seconds(value)
    text = value.strip()
    if text.isascii() and text.isdigit():
        if len(text) > 15:  # longer is out of range anyway; int() of 5000 digits is not free
            raise ValueError(f"expected {RANGE_TEXT}, got {text[:20]}... ({len(text)} digits)")
        return int(text)
    relative = RELATIVE.match(text)
    if relative:
        sign, amount, unit = relative.groups()
        delta = int(amount) * UNITS[unit] if amount else 0
        return now - delta if sign == "-" else now + delta
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"expected unix seconds, RFC 3339 or now-2h style, got {value!r}"
        ) from None
    return _utc_seconds(moment)


def _utc_seconds(moment: datetime) -> int:
    """Seconds since the epoch; a naive datetime is UTC, never the machine's local time."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def today_midnight() -> int:
    """The start of the current UTC day: a clock that is recent yet stable all day long."""
    now = int(time.time())
    return now - now % 86400
