"""Which failures each provider retries, and when: plugNmeet's notifier retries what its HTTP
client (go-retryablehttp's DefaultRetryPolicy) retries, on its backoff; Zoom retries any failure.

The table below is written from go-retryablehttp's client.go (baseRetryPolicy, DefaultBackoff),
not from recmock's code.
"""

from __future__ import annotations

import email.utils
import json
import time
from typing import Any

import httpx
import pytest
from tests.webhooks.receiver import Receiver

from recmock.webhooks.delivery import MAX_RETRY_AFTER, POLICIES, retry_after

RETRIED_BY_RETRYABLEHTTP = {  # status (None: no answer) -> retried?
    None: True, 429: True, 500: True, 502: True, 503: True, 504: True, 599: True,
    501: False, 400: False, 401: False, 403: False, 404: False, 409: False, 302: False,
}  # fmt: skip


@pytest.mark.parametrize(("status", "retried"), RETRIED_BY_RETRYABLEHTTP.items())
def test_plugnmeet_retries_what_go_retryablehttp_retries(status: int | None, retried: bool) -> None:
    assert POLICIES["plugnmeet"].retry_on(status) is retried


@pytest.mark.parametrize("status", [None, 400, 404, 429, 500, 501])
def test_zoom_retries_every_failure(status: int | None) -> None:
    assert POLICIES["zoom"].retry_on(status) is True


def test_retry_after_is_seconds_or_an_http_date_and_bounded() -> None:
    now = 1_764_000_000.0
    assert retry_after("3", now) == 3
    assert retry_after("0", now) == 0
    assert retry_after(str(MAX_RETRY_AFTER * 10), now) == MAX_RETRY_AFTER
    assert retry_after(email.utils.formatdate(now + 7, usegmt=True), now) == 7
    assert retry_after(email.utils.formatdate(now - 60, usegmt=True), now) == 0  # past: now
    for bad in (None, "", "-1", "soon", "1.5"):
        assert retry_after(bad, now) is None, bad


@pytest.mark.slow
def test_plugnmeet_gives_up_on_4xx_and_501_and_retries_5xx_after_1_then_2_s(
    start_server: Any,
) -> None:
    answers = {"start_recording": 400, "end_recording": 501, "recording_proceeded": 500}
    receiver = Receiver(status_for=lambda body: answers[body["event"]])
    try:
        server = start_server("--now", "fixed", "--webhook", f"plugnmeet={receiver.url}")
        admin = server.url + "/__recmock"
        body = {"provider": "plugnmeet", "duration": 60}
        assert httpx.post(admin + "/recordings", json=body, timeout=5).status_code == 201
        httpx.post(admin + "/clock", json={"advance": "10m"}, timeout=5)
        receiver.wait_for(5, timeout=15)  # 1 + 1 + (1 + 2 retries)
        time.sleep(0.5)
        rows = {
            r["event"]: r for r in httpx.get(admin + "/deliveries", timeout=5).json()["deliveries"]
        }
    finally:
        receiver.stop()
    events = [json.loads(b)["event"] for _, _, b in receiver.requests]
    assert events.count("start_recording") == 1 and events.count("end_recording") == 1
    assert events.count("recording_proceeded") == 3
    for event in ("start_recording", "end_recording"):
        assert rows[event]["state"] == "failed" and len(rows[event]["attempts"]) == 1
    proceeded = rows["recording_proceeded"]
    assert proceeded["state"] == "failed"
    sent = [a["sent_at"] for a in proceeded["attempts"]]
    assert [a["status"] for a in proceeded["attempts"]] == [500, 500, 500]
    assert sent[1] - sent[0] >= 0.9 and sent[2] - sent[1] >= 1.9  # backoff 1 s, then 2 s
