"""The request path's shortcuts give exactly what the plain code gives.

orjson encoding, the memoised RFC 3339 formatter and the byte-bounded reply cache exist only for
speed (benchmarks/README.md); each is checked here against the plain implementation as oracle.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from recmock.generate import rfc3339 as plain_rfc3339
from recmock.providers.base import rfc3339
from recmock.server.app import ReplyCache, header_value
from recmock.server.pipeline import encode

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


def plain(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


@given(json_values)
@example({"cost": 1e-05, "tiny": -2.5e-300, "s": "1e-5 and 0.00001"})
@example([0.0001, 0.00009999, 1e16, 1.5e300, -0.0, 2**64, {"0.0000": ":1e-7"}])
def test_encode_writes_json_dumps_bytes(body: Any) -> None:
    try:
        expected = plain(body)
    except UnicodeEncodeError:  # lone surrogates: neither may produce bytes
        return
    assert encode(body) == expected


def test_non_string_keys_take_the_plain_path() -> None:
    assert encode({1: 2, None: [True]}) == b'{"1":2,"null":[true]}'


def test_non_finite_floats_become_null_not_invalid_json() -> None:
    assert json.loads(encode([math.inf, math.nan])) == [None, None]


@given(st.integers(-62_135_596_800, 253_402_300_799) | st.floats(-1e10, 1e10))
def test_rfc3339_matches_generate(epoch: float) -> None:
    assert rfc3339(epoch) == plain_rfc3339(epoch)


@given(st.text())
def test_header_values_are_printable_ascii_and_untouched_when_already(text: str) -> None:
    value = header_value(text)
    assert value.isascii() and value.isprintable()
    if text.isascii() and text.isprintable():
        assert value == text


def test_reply_cache_stays_within_its_byte_budget() -> None:
    cache = ReplyCache(capacity=10_000, max_bytes=64 * 1024)
    for n in range(200):
        key = ("GET", f"/p/{n}", b"", b"", ((b"host", b"x"),))
        cache.put(key, math.inf, 200, [], b"x" * 5000, "", "")
        assert cache.size <= 64 * 1024
    assert 0 < len(cache.entries) < 200
    newest = ("GET", "/p/199", b"", b"", ((b"host", b"x"),))
    assert cache.get(newest, 0.0) is not None  # least recently used went first
    cache.put(("GET", "/huge", b"", b"", ()), math.inf, 200, [], b"x" * 40_000, "", "")
    assert ("GET", "/huge", b"", b"", ()) not in cache.entries  # > a quarter: never kept
    cache.clear()
    assert cache.size == 0 and not cache.entries
