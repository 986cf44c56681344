"""What may leave the recording proxy: seeded fakes for personal data, no secrets. Pure.

Recorded fixtures get committed and proxy logs get pasted into tickets, so neither may carry a
credential, a signature, a token in a query string or a presigned URL, a `password` or a
`download_access_token`, nor a real person's name or email. Fakes are a keyed hash of the
input: the same person is the same fake in every record of a run (relations survive), and the
seed changes them all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

Json = Any
REDACTED = "***"
# Query and body keys whose values are secrets wherever they appear (lower-case, substrings).
SECRET_KEYS = (
    "token", "signature", "secret", "password", "passwd", "credential", "authorization",
    "api_key", "apikey", "x-amz-", "key-pair-id", "policy", "session_key",
)  # fmt: skip
# Body keys whose values are personal data; each gets a fake of its kind.
NAME_KEYS = ("name", "host", "user_name", "display_name", "session_name", "topic", "title")
EMAIL_KEYS = ("email", "user_email", "host_email")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_FIRST = ("Alex", "Sam", "Robin", "Kim", "Lee", "Noa", "Jo", "Mika", "Ari", "Eli", "Rae", "Sky")
_LAST = ("Berg", "Costa", "Dahl", "Evans", "Fox", "Gray", "Hale", "Ito", "Jensen", "Kerr")


# Short names that are secrets only as a whole (presigned URLs' `sig`, SAS `sig`, `key`).
EXACT_SECRET_KEYS = frozenset({"sig", "key", "hash", "hmac", "jwt", "sas", "otp", "code"})


def is_secret_key(key: str) -> bool:
    """True for `token`, `page_token`, `X-Amz-Signature`, `download_access_token`, `password`,
    `sig`..."""
    lower = key.lower()
    return lower in EXACT_SECRET_KEYS or any(part in lower for part in SECRET_KEYS)


class Faker:
    """Seeded, consistent pseudonyms: `name("Ada Lovelace")` is the same fake all run long."""

    def __init__(self, seed: int = 0) -> None:
        self._key = f"recmock-record-{seed}".encode()

    def _digest(self, kind: str, value: str) -> bytes:
        return hmac.new(self._key, f"{kind}\0{value}".encode(), hashlib.sha256).digest()

    def name(self, value: str) -> str:
        """A fake person-like name for `value` (two words, never the input)."""
        d = self._digest("name", value)
        return f"{_FIRST[d[0] % len(_FIRST)]} {_LAST[d[1] % len(_LAST)]} {d[2:4].hex()}"

    def email(self, value: str) -> str:
        """A fake address on a reserved domain for `value`."""
        return f"user-{self._digest('email', value.lower())[:5].hex()}@example.test"

    def text(self, value: str) -> str:
        """`value` with every email address in it replaced by its fake."""
        return _EMAIL.sub(lambda m: self.email(m.group(0)), value)


def scrub_url(url: str) -> str:
    """A URL without userinfo and with every secret-looking query value replaced by `***`."""
    parts = urlsplit(url)
    netloc = parts.netloc.rpartition("@")[2]
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, REDACTED if is_secret_key(k) else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def scrub_json(
    value: Json,
    faker: Faker,
    write_only: frozenset[str] = frozenset(),
    dropped: set[str] | None = None,
) -> Json:
    """A copy of a JSON value with secrets dropped, URLs' query secrets redacted, names and
    emails faked. `write_only` names properties the spec marks writeOnly (dropped too);
    `dropped` collects the names of what was dropped (that a target sends a `password` is
    not a secret, its value is)."""
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            name = str(key)
            if is_secret_key(name) or name in write_only:
                if dropped is not None:
                    dropped.add(name)
                continue
            lower = name.lower()
            if isinstance(item, str) and lower in EMAIL_KEYS:
                out[name] = faker.email(item)
            elif isinstance(item, str) and lower in NAME_KEYS:
                out[name] = faker.name(item)
            else:
                out[name] = scrub_json(item, faker, write_only, dropped)
        return out
    if isinstance(value, list):
        return [scrub_json(item, faker, write_only, dropped) for item in value]
    if isinstance(value, str):
        if "://" in value and "?" in value:
            return scrub_url(value)
        return faker.text(value)
    return value
