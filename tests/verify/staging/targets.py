"""How a client addresses this double: per spec, its path prefix, auth flags and known ids.

What a team would write in its CI recipe for a staging deployment: the `recmock verify` flags
that reach each API, and the ids that exist there (`--param NAME=VALUE`). board-q3 stays out of
the known plugNmeet rooms on purpose: a filter that leaks it has to be noticed.
"""

from __future__ import annotations

from dataclasses import replace

from . import data as d
from .exchange import Choices

# Valid choices of the double the spec on disk still refuses: switched off in the tests until
# the spec is loosened (each is a real server's behaviour; see staging/exchange.py).
REFUSED_BY_SPEC_ON_DISK: dict[str, str] = {}  # choice name -> what in the spec refuses it
CHOICES = Choices(**dict.fromkeys(REFUSED_BY_SPEC_ON_DISK, False))
# The v1 doc describes the older server, which read `limit` as a plain integer (<= 0 means 20);
# the v2 doc's server decodes it as uint32 and refuses a negative one.
CHOICES_FOR_SPEC = {"plugnmeet-v1": replace(CHOICES, protobuf_limit=False)}


def choices_for(spec: str) -> Choices:
    """The double's choices when it plays the deployment `spec` describes."""
    return CHOICES_FOR_SPEC.get(spec, CHOICES)


# spec name -> (provider, path prefix, auth flags)
SPECS: dict[str, tuple[str, str, list[str]]] = {
    "plugnmeet": ("plugnmeet", "/auth", ["--plugnmeet-key", d.PNM_KEY, "--plugnmeet-secret", d.PNM_SECRET]),
    "plugnmeet-v1": ("plugnmeet", "/auth", ["--plugnmeet-key", d.PNM_KEY, "--plugnmeet-secret", d.PNM_SECRET]),
    "signalwire": ("signalwire", "/api/video", ["--basic", f"{d.SW_PROJECT}:{d.SW_TOKEN}"]),
    "zoom": ("zoom", "/v2", ["--zoom-key", d.ZOOM_KEY, "--zoom-secret", d.ZOOM_SECRET]),
    "cloudflare": ("cloudflare", "/client/v4", ["--bearer", d.CF_TOKEN]),
}  # fmt: skip
KNOWN: dict[str, list[tuple[str, str]]] = {
    "plugnmeet": [("room_ids", "sales-weekly"), ("room_ids", "eng-standup")],
    "signalwire": [("id", s) for s in d.SW_SESSIONS],
    "zoom": [("sessionId", s.id) for s in d.ZOOM_SESSIONS],
    "cloudflare": [
        ("account_id", d.CF_ACCOUNT),
        ("app_id", d.CF_APP),
        *(("recording_id", r.id) for r in d.CF_RECORDINGS),
    ],
}


def verify_args(spec: str, url: str, *, known: bool = True) -> list[str]:
    """`recmock verify` arguments (after the command) for `spec` on the double at `url`."""
    provider, prefix, auth = SPECS[spec]
    params = [f"--param={name}={value}" for name, value in KNOWN[provider]] if known else []
    return [spec, "--base-url", url + prefix, *auth, *params]
