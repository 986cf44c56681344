"""Every spelling a secret can take in text a server sends back, and one pattern hiding them all.

A server may echo a credential raw, inside a JSON string (`\\"`, `\\u00e9`, `\\/`, Go's
`\\u003c`), percent-encoded in a URL (either hex case, `+` or `%20` for spaces), base64 (alone
or somewhere inside a longer base64 stream) or HTML-escaped. Reports show server text, so each
of those spellings of each secret is replaced.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from urllib.parse import quote, quote_plus

REDACTED = "***"
# A base64 fragment this short could match innocent text; longer ones are all but unique.
MIN_BASE64_FRAGMENT = 8


def _closure(forms: set[str], steps: Iterable[Callable[[str], str]]) -> set[str]:
    """`forms` plus every combination of the optional rewrites in `steps`."""
    for step in steps:
        forms |= {step(form) for form in forms}
    return forms


def _json_forms(secret: str) -> set[str]:
    plain = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    return _closure(
        plain,
        [
            lambda s: re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), s),
            lambda s: s.replace("/", "\\/"),
            lambda s: s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
        ],
    )


def _percent_forms(secret: str) -> set[str]:
    encoded = {quote(secret, safe=""), quote(secret), quote_plus(secret), quote_plus(secret, "/")}
    return _closure(encoded, [lambda s: re.sub(r"%[0-9A-F]{2}", lambda m: m.group().lower(), s)])


def _base64_forms(data: bytes) -> set[str]:
    """The whole encoding, and the fragment that appears wherever `data` sits in a stream."""
    forms = {base64.b64encode(data).decode()}
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + data).decode()
        start = -(-8 * offset // 6)  # the first character made of secret bits only
        end = 8 * (offset + len(data)) // 6  # the last one before bits that follow it
        if end - start >= MIN_BASE64_FRAGMENT:
            forms.add(encoded[start:end])
    forms |= {f.rstrip("=") for f in forms}
    return forms | {f.replace("+", "-").replace("/", "_") for f in forms}


def _html_forms(secret: str) -> set[str]:
    return _closure(
        {html.escape(secret), html.escape(secret, quote=False)},
        [
            lambda s: s.replace("&#x27;", "&#39;"),
            lambda s: s.replace("&#x27;", "&apos;"),
            lambda s: s.replace("&quot;", "&#34;"),
        ],
    )


def _utf8_base64_forms(secret: str) -> set[str]:
    # A base64 blob usually wraps a document: the secret raw or JSON-escaped inside it.
    inner = {secret} | _json_forms(secret)
    return set().union(*(_base64_forms(form.encode("utf-8")) for form in inner))


def encoded_forms(secret: str) -> set[str]:
    """Every spelling of `secret` that `Redactor` hides (never the empty string)."""
    forms = {secret}
    for encode in (_json_forms, _percent_forms, _html_forms, _utf8_base64_forms):
        with contextlib.suppress(UnicodeError):  # lone surrogates have no UTF-8 spelling
            forms |= encode(secret)
    return {f for f in forms if f}


@lru_cache(maxsize=8)
def secrets_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation of every form of every secret, longest first (leftmost-longest wins)."""
    forms = set().union(*(encoded_forms(s) for s in secrets)) if secrets else set()
    if not forms:
        return None
    return re.compile("|".join(re.escape(f) for f in sorted(forms, key=len, reverse=True)))


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every form of every secret replaced by `REDACTED`."""
    pattern = secrets_pattern(frozenset(s for s in secrets if s))
    return pattern.sub(REDACTED, text) if pattern is not None else text
