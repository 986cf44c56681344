"""The seeded defects ("variants"): one switched on at a time, each only hurting some inputs.

Every variant names the provider whose handler carries it and the `recmock verify` check that
must catch it. The handlers ask `bug(name)` at the very spot where the defect lives, the way a
real bug sits in one branch; asking for a name that is not registered here for that provider
is an error, so the table and the code cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .exchange import Bug


@dataclass(frozen=True)
class Variant:
    """One seeded defect."""

    provider: str  # plugnmeet | signalwire | zoom | cloudflare
    check: str  # the verify check that must fail
    trigger: str  # which inputs hit it, and what goes wrong


VARIANTS: dict[str, Variant] = {
    # plugNmeet
    "pnm-file-size-string": Variant("plugnmeet", "schema", "order_by ASC: file_size as a string"),
    "pnm-null-limit-rejected": Variant("plugnmeet", "negative", "limit null (the default) -> 400"),
    "pnm-negative-from-accepted": Variant("plugnmeet", "negative", "from < 0 read as 0 -> 200"),
    "pnm-limit-one-gives-two": Variant("plugnmeet", "limit", "limit 1 -> two records"),
    "pnm-short-big-pages": Variant("plugnmeet", "limit", "limit > 20 -> at most 20 records"),
    "pnm-multi-room-unsorted": Variant("plugnmeet", "ordering", "2+ room_ids: rooms concatenated"),
    "pnm-room-sid-ignored": Variant("plugnmeet", "filter", "room_sid ignored when limit > 50"),
    "pnm-rooms-ignored": Variant("plugnmeet", "filter", "2+ room_ids: every room is listed"),
    "pnm-last-room-dropped": Variant("plugnmeet", "filter", "2+ room_ids: the last one ignored"),
    "pnm-offset-off-by-one": Variant("plugnmeet", "paging", "from >= 5 starts one early"),
    "pnm-total-minus-offset": Variant("plugnmeet", "paging", "from > 0: total_recordings - from"),
    "pnm-500-past-end": Variant("plugnmeet", "server_error", "from beyond the total -> 500"),
    "pnm-room-opened-later": Variant(
        "plugnmeet", "invariants", "eng-standup 3rd session: room later"
    ),
    "pnm-api-key-ignored": Variant("plugnmeet", "auth", "a right signature with any API-KEY"),
    # SignalWire
    "sw-page2-size-string": Variant("signalwire", "schema", "page_number >= 1: size as a string"),
    "sw-naive-datetime": Variant("signalwire", "schema", "session B: times without offset"),
    "sw-422-as-html": Variant("signalwire", "schema", "page_size > 1000: 422 as text/html"),
    "sw-unknown-session-404": Variant("signalwire", "schema", "unknown session: undocumented 404"),
    "sw-media-ttl-capped": Variant("signalwire", "negative", "media_ttl > 3600 -> 422"),
    "sw-page-size-zero-accepted": Variant("signalwire", "negative", "page_size 0 read as 50"),
    "sw-min-page-three": Variant("signalwire", "limit", "page_size 1 or 2 -> three records"),
    "sw-first-page-short": Variant("signalwire", "limit", "first page one short when more exist"),
    "sw-pages-overlap": Variant("signalwire", "paging", "page n >= 1 starts one record early"),
    "sw-foreign-record": Variant("signalwire", "filter", "page n >= 1 adds session B's newest"),
    "sw-self-loses-token": Variant("signalwire", "links", "page n >= 1: links.self has no token"),
    "sw-first-is-self": Variant("signalwire", "links", "page n >= 1, even size: first=self"),
    "sw-prev-to-first": Variant("signalwire", "links", "page n >= 2: links.prev is page 0"),
    "sw-finished-before-started": Variant("signalwire", "invariants", "over an hour: ends early"),
    "sw-500-max-page": Variant("signalwire", "server_error", "page_size 1000 -> 500"),
    "sw-password-ignored": Variant("signalwire", "auth", "right project, any token"),
    # Zoom
    "zoom-start-epoch": Variant("zoom", "schema", "include_fields given: start_time in unix s"),
    "zoom-chat-relative-url": Variant("zoom", "schema", "CHAT files: download_url a bare path"),
    "zoom-404-plain-text": Variant("zoom", "schema", "unknown session: 404 as text/plain"),
    "zoom-ttl-zero-rejected": Variant("zoom", "negative", "ttl 0 (in 0-604800) -> 400"),
    "zoom-include-unchecked": Variant("zoom", "negative", "any include_fields value -> 200"),
    "zoom-foreign-file": Variant("zoom", "filter", "Standup lists a Board Q3 file"),
    "zoom-total-size-short": Variant("zoom", "invariants", "several parts: total_size = MP4s"),
    "zoom-timeline-reversed": Variant("zoom", "invariants", "TIMELINE: end before start"),
    "zoom-500-long-ttl": Variant("zoom", "server_error", "ttl > 86400 -> 500"),
    "zoom-jwt-leeway": Variant("zoom", "auth", "exp checked with 5 minutes of leeway"),
    # Cloudflare
    "cf-storage-secret": Variant("cloudflare", "write_only", "aws storage returns its secret"),
    "cf-uploaded-public": Variant("cloudflare", "auth", "UPLOADED: no Authorization needed"),
    "cf-errored-swapped": Variant("cloudflare", "invariants", "ERRORED: started after stopped"),
    "cf-recording-has-stop": Variant("cloudflare", "invariants", "RECORDING has a stopped_time"),
    "cf-on-start-caller": Variant("cloudflare", "invariants", "RECORD_ON_START names a caller"),
    "cf-wrong-record": Variant("cloudflare", "filter", "the gcs recording answers another id"),
    "cf-app-v4-only": Variant("cloudflare", "negative", "app_id not UUIDv4 -> 400"),
    "cf-bad-id-latest": Variant("cloudflare", "negative", "non-UUID id -> latest recording"),
    "cf-500-errored": Variant("cloudflare", "server_error", "ERRORED recording -> 500"),
    "cf-relative-url": Variant("cloudflare", "schema", "audio recordings: relative URLs"),
}
PROVIDERS = ("plugnmeet", "signalwire", "zoom", "cloudflare")


def bug_switch(provider: str, active: str | None) -> Bug:
    """`bug(name)`: is defect `name` (registered for `provider`) the one switched on?"""
    if active is not None and active not in VARIANTS:
        raise KeyError(f"unknown variant {active!r}; known: {', '.join(sorted(VARIANTS))}")

    def bug(name: str) -> bool:
        variant = VARIANTS[name]  # KeyError: a handler asks for an unregistered defect
        if variant.provider != provider:
            raise KeyError(f"variant {name!r} belongs to {variant.provider}, not {provider}")
        return name == active

    return bug
