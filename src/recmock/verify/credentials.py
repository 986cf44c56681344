"""What `verify` authenticates with, the wrong variants the auth check sends, and redaction.

Credentials are applied when a request is sent and never stored on it, so events and reports
only ever see placeholders. `Redactor` is the second line of defence: every text a report can
show (messages, response excerpts) passes through it, in case a server echoes a secret back, in
any encoding (`redact.py`).
"""

from __future__ import annotations

import re
import shlex
import threading
import time
from dataclasses import dataclass, field

from recmock import auth
from recmock.errors import ConfigError
from recmock.verify.redact import REDACTED, redact
from recmock.verify.wire import WireRequest

WRONG_SECRET = "recmock-wrong-secret"
JWT_TTL = 3600


@dataclass(frozen=True)
class Reproduction:
    """How a reproducer authenticates: shell lines to run first and curl arguments."""

    preamble: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    sign_with: str = ""  # shell word for the HMAC key when a header signs the body


@dataclass
class Credentials:
    """Every auth option of `recmock verify`; any combination may be given."""

    headers: tuple[tuple[str, str], ...] = ()
    basic: tuple[str, str] | None = None
    bearer: str | None = None
    plugnmeet: tuple[str, str] | None = None  # (API key, secret)
    zoom: tuple[str, str] | None = None  # (SDK key, secret)
    _jwt: tuple[float, str] | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _minted: set[str] = field(default_factory=set, repr=False)

    def __post_init__(self) -> None:
        for name, value in self.headers:
            header_safe(f"-H {name}", value)
        if self.bearer:
            header_safe("--bearer", self.bearer)

    @property
    def configured(self) -> bool:
        """True when at least one way to authenticate was given."""
        return bool(self.headers or self.basic or self.bearer or self.plugnmeet or self.zoom)

    @property
    def headers_are_credentials(self) -> bool:
        """-H values count as the credentials only when no other auth option was given."""
        return bool(self.headers) and not (self.basic or self.bearer or self.plugnmeet or self.zoom)

    def secrets(self) -> set[str]:
        """Every value that must never be shown: secrets, passwords, tokens, -H values."""
        found = {value for _, value in self.headers}
        # "Bearer abc...": a server may echo the credential without its scheme word.
        found |= {value.split(None, 1)[1] for value in found if len(value.split(None, 1)) == 2}
        if self.basic:
            found.add(self.basic[1])
            found.add(auth.basic(*self.basic)["Authorization"].split(" ", 1)[1])
        if self.bearer:
            found.add(self.bearer)
        if self.plugnmeet:
            found.add(self.plugnmeet[1])
        if self.zoom:
            found.add(self.zoom[1])
        with self._lock:
            found |= self._minted
        return {s for s in found if s}

    def describe(self) -> str:
        """A one-line summary safe to print."""
        parts = [f"-H {name}: {REDACTED}" for name, _ in self.headers]
        if self.basic:
            parts.append(f"basic {self.basic[0]}:{REDACTED}")
        if self.bearer:
            parts.append(f"bearer {REDACTED}")
        if self.plugnmeet:
            parts.append(f"plugNmeet key {self.plugnmeet[0]}, HMAC secret {REDACTED}")
        if self.zoom:
            parts.append(f"Zoom JWT iss {self.zoom[0]}, secret {REDACTED}")
        return "; ".join(parts) or "none"

    def wrong_variants(self) -> list[str]:
        """Names of the wrong-credential requests the auth check sends."""
        variants = []
        if self.headers_are_credentials:
            variants.append("wrong-headers")
        if self.basic:
            variants.append("wrong-password")
        if self.bearer:
            variants.append("wrong-token")
        if self.plugnmeet:
            variants += ["wrong-signature", "wrong-key"]
        if self.zoom:
            variants += ["wrong-jwt-secret", "expired-jwt"]
        return variants

    def _zoom_token(self) -> str:
        assert self.zoom is not None
        now = time.time()
        with self._lock:
            if self._jwt is None or now - self._jwt[0] > JWT_TTL / 2:
                token = auth.zoom_jwt(self.zoom[0], self.zoom[1], JWT_TTL, now=now)
                self._jwt = (now, token)
                self._minted.add(token)
            return self._jwt[1]

    def headers_for(self, request: WireRequest) -> dict[str, str]:
        """The auth headers for `request.auth` (valid, none or a wrong variant)."""
        mode = request.auth
        out: dict[str, str] = {}
        if mode == "none":
            if not self.headers_are_credentials:
                out.update(self.headers)
            return out
        out.update(
            (name, value + "-recmock-wrong") if mode == "wrong-headers" else (name, value)
            for name, value in self.headers
        )
        body = request.body or b""
        if self.basic:
            password = "recmock-wrong-password" if mode == "wrong-password" else self.basic[1]
            out.update(auth.basic(self.basic[0], password))
        if self.bearer:
            out.update(auth.bearer("recmock-wrong-token" if mode == "wrong-token" else self.bearer))
        if self.plugnmeet:
            key, secret = self.plugnmeet
            signed = auth.plugnmeet_headers(
                body,
                "recmock-wrong-key" if mode == "wrong-key" else key,
                WRONG_SECRET if mode == "wrong-signature" else secret,
            )
            signed.pop("Content-Type", None)
            out.update(signed)
        if self.zoom:
            key, secret = self.zoom
            if mode == "wrong-jwt-secret":
                token = auth.zoom_jwt(key, WRONG_SECRET, JWT_TTL)
            elif mode == "expired-jwt":
                token = auth.zoom_jwt(key, secret, -120)
                with self._lock:
                    self._minted.add(token)
            else:
                token = self._zoom_token()
            out.update(auth.bearer(token))
        return out

    def reproduction(self, request: WireRequest) -> Reproduction:
        """Placeholders and shell steps that rebuild this request's credentials by hand."""
        mode = request.auth
        if mode == "none":
            keep = () if self.headers_are_credentials else self.headers
            return Reproduction(args=tuple(_header_arg(n, REDACTED) for n, _ in keep))
        args: list[str] = []
        preamble: list[str] = []
        for name, _ in self.headers:
            value = REDACTED + "-recmock-wrong" if mode == "wrong-headers" else REDACTED
            args.append(_header_arg(name, value))
        if self.basic:
            password = "recmock-wrong-password" if mode == "wrong-password" else REDACTED
            args += ["-u", shlex.quote(f"{self.basic[0]}:{password}")]
        if self.bearer:
            token = "recmock-wrong-token" if mode == "wrong-token" else REDACTED
            args.append(_header_arg("Authorization", f"Bearer {token}"))
        sign_with = ""
        if self.plugnmeet:
            key = "recmock-wrong-key" if mode == "wrong-key" else self.plugnmeet[0]
            sign_with = shlex.quote(WRONG_SECRET) if mode == "wrong-signature" else '"$SECRET"'
            if mode != "wrong-signature":
                preamble.append(f"SECRET='{REDACTED}'  # your plugNmeet API secret")
            args += [_header_arg("API-KEY", key), '-H "HASH-SIGNATURE: $SIG"']
        if self.zoom:
            key = self.zoom[0]
            if mode == "wrong-jwt-secret":
                secret_expr, ttl = repr(WRONG_SECRET), JWT_TTL
            else:
                preamble.append(f"export ZOOM_SECRET='{REDACTED}'  # your Video SDK secret")
                secret_expr, ttl = (
                    "os.environ['ZOOM_SECRET']",
                    -120 if mode == "expired-jwt" else 3600,
                )
            preamble.append(
                'TOKEN=$(python -c "import os, recmock.auth as a; '
                f'print(a.zoom_jwt({key!r}, {secret_expr}, {ttl}))")'
            )
            args.append('-H "Authorization: Bearer $TOKEN"')
        return Reproduction(tuple(preamble), tuple(args), sign_with)


_HEADER_VALUE = re.compile(r"[\t\x20-\x7e]*")


def header_safe(flag: str, value: str) -> None:
    """Refuse a value HTTP cannot carry in a header, without showing it (it is a secret)."""
    if not _HEADER_VALUE.fullmatch(value):
        raise ConfigError(
            f"{flag}: expected printable ASCII (a header value cannot carry line breaks, "
            "control or non-ASCII characters); the value is not shown"
        )


def _header_arg(name: str, value: str) -> str:
    return "-H " + shlex.quote(f"{name}: {value}")


class Redactor:
    """Replaces every known secret (and tokens minted from one), in any encoding, with `***`."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials

    def __call__(self, text: str) -> str:
        """`text` with secrets replaced; longest first so a secret inside a token goes too."""
        text = redact(text, self.credentials.secrets())
        return _SIGNATURE.sub(REDACTED, text) if self.credentials.plugnmeet else text


# Any 64-hex string could be a body signature a server echoed back; none is needed to
# understand a failure, so all of them are hidden.
_SIGNATURE = re.compile(r"\b[0-9a-fA-F]{64}\b")
