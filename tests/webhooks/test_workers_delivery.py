"""`recmock serve --workers 2` sends every webhook once and keeps one delivery log.

Before, each worker fired the transitions its own clock handling crossed, so with a running clock
a receiver got every event twice, the Zoom challenge came once per worker, and each worker listed
(and could redeliver) only its own deliveries. The oracle here is the providers' documented event
sequence per recording and a receiver that counts each event by a key stable across duplicates;
one client per worker (told apart by the pid /__recmock/health answers with) addresses each.
"""

from __future__ import annotations

import base64
import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from tests.live_server import worker_clients
from tests.server.test_state import start_redis
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.slow
SECRET = "whsec-workers"
CHALLENGE = ("endpoint.url_validation",)
EVENTS = {  # what each provider sends for a recording that records, stops and uploads
    "zoom": ["session.recording_started", "session.recording_stopped",
             "session.recording_completed"],
    "plugnmeet": ["start_recording", "end_recording", "recording_proceeded"],
    "cloudflare": ["INVOKED", "RECORDING", "UPLOADING", "UPLOADED"],
}  # fmt: skip


def key(body: bytes) -> tuple[Any, ...]:
    """One event of one recording, the same for a duplicate (whatever its signing time)."""
    event = json.loads(body)
    name = event["event"]
    if name == "endpoint.url_validation":
        return CHALLENGE
    if name.startswith("session.recording_"):
        return (event["payload"]["object"]["session_id"], name)
    if name == "recording.statusUpdate":
        return (event["recording"]["id"], event["recording"]["status"])
    return (event["recording_info"]["record_id"], name)


def counts(receiver: Receiver) -> Counter[tuple[Any, ...]]:
    return Counter(key(body) for _, _, body in list(receiver.requests))


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(SECRET)
    yield found
    found.stop()


def workers(server: Any) -> list[httpx.Client]:
    """Two clients, each holding a connection to a different worker of `server`."""
    return worker_clients(server, "/__recmock")


def serve(start_server: Any, receiver: Receiver, *more: str) -> tuple[Any, list[httpx.Client]]:
    server = start_server(
        "--workers", "2", "--now", "fixed", "--zoom-webhook-secret", SECRET,
        *[f"--webhook={p}={receiver.url}" for p in EVENTS], *more,
    )  # fmt: skip
    return server, workers(server)


def start_recordings(clients: list[httpx.Client]) -> dict[str, str]:
    """Two recordings of each provider, started alternately on each worker: their keys' ids."""
    ids = {}
    for i, provider in enumerate([*EVENTS, *EVENTS]):
        body = {"provider": provider, "duration": "2m", "upload": "30s"}
        answer = clients[i % 2].post("/recordings", json=body)
        assert answer.status_code == 201, answer.text
        found = answer.json()
        if provider == "zoom":  # Zoom's events name the session id its read-back path has
            ids[found["read_back"]["path"].split("/")[4]] = provider
        else:
            ids[found["id"]] = provider
    return ids


def expected(ids: dict[str, str]) -> Counter[tuple[Any, ...]]:
    wanted = Counter({CHALLENGE: 1})
    for recording, provider in ids.items():
        for name in EVENTS[provider]:
            wanted[(recording, name)] = 1
    return wanted


def wait_for(receiver: Receiver, wanted: Counter[tuple[Any, ...]], timeout: float = 20) -> None:
    """Until every wanted event arrived, then a while longer for any duplicate to show."""
    deadline = time.monotonic() + timeout
    while len(receiver.requests) < sum(wanted.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # four running-clock ticks: a second worker's copy would be here by now


def settled(client: httpx.Client, count: int, timeout: float = 10) -> list[dict[str, Any]]:
    """The delivery log once it holds `count` deliveries, none of them queued."""
    deadline = time.monotonic() + timeout
    while True:
        rows = client.get("/deliveries").json()["deliveries"]
        done = len(rows) >= count and all(r["state"] != "queued" for r in rows)
        if done or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_an_advancing_clock_sends_each_event_once_and_the_log_is_one(
    start_server: Any, receiver: Receiver
) -> None:
    server, (one, two) = serve(start_server, receiver)
    ids = start_recordings([one, two])
    for i, step in enumerate(["1m", "1m", "30s", "10m"]):  # every worker moves the clock
        assert (one, two)[i % 2].post("/clock", json={"advance": step}).status_code == 200
    wanted = expected(ids)
    wait_for(receiver, wanted)
    assert counts(receiver) == wanted
    # Both workers sent Cloudflare events: each verifies with the key either worker publishes.
    signed = [(h, b) for _, h, b in receiver.requests if "rtk-signature" in h]
    assert len(signed) == 8
    for client in (one, two):
        document = client.get(server.url + "/.well-known/webhooks.json").json()
        key = serialization.load_pem_public_key(document["data"]["publicKey"].encode())
        assert isinstance(key, rsa.RSAPublicKey)
        for headers, body in signed:
            signature = base64.b64decode(headers["rtk-signature"])
            key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())

    rows = settled(one, len(receiver.requests))
    assert len(rows) == len(receiver.requests) and {r["state"] for r in rows} == {"delivered"}
    assert len({r["id"] for r in rows}) == len(rows)
    assert Counter(r["event"] for r in rows) == Counter(json.loads(b)["event"]
                                                        for _, _, b in receiver.requests)  # fmt: skip
    for r in rows:
        headers = r["attempts"][0]["headers"]
        for name in ("x-zm-signature", "authorization", "hash-token", "rtk-signature"):
            assert headers.get(name, "<redacted>") == "<redacted>", r
    # Many requests, on fresh connections (either worker) and on each worker's own: one log.
    for i in range(10):
        client = (one, two)[i % 2] if i < 4 else httpx.Client(base_url=one.base_url, timeout=10)
        assert client.get("/deliveries").json()["deliveries"] == rows
    assert SECRET not in server.output()


def test_redeliver_works_whichever_worker_answers(start_server: Any, receiver: Receiver) -> None:
    server, (one, two) = serve(start_server, receiver)
    start_recordings([one, two])
    one.post("/clock", json={"advance": "10m"})
    wanted = sum(len(v) for v in EVENTS.values()) * 2 + 1
    rows = settled(two, wanted)
    assert len(rows) == wanted, rows
    picked = [r for r in rows if r["event"] != "endpoint.url_validation"][:3]
    before = len(receiver.requests)
    for row in picked:
        for client in (one, two):  # one of them owns it, the other asks the owner
            again = client.post(f"/deliveries/{row['id']}/redeliver", json={})
            assert again.status_code == 202, again.text
            assert again.json()["id"] == row["id"] and again.json()["state"] == "queued"
    deadline = time.monotonic() + 10
    while len(receiver.requests) < before + 6 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    assert len(receiver.requests) == before + 6
    resent = Counter(key(body) for _, _, body in receiver.requests[before:])
    assert sorted(resent.values()) == [2, 2, 2]  # each picked delivery twice, nothing else
    names = Counter(json.loads(body)["event"] for _, _, body in receiver.requests[before:])
    assert names == Counter(row["event"] for row in picked for _ in (one, two))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        lists = [c.get("/deliveries").json()["deliveries"] for c in (one, two)]
        by_id = {r["id"]: r for r in lists[0]}
        if all(len(by_id[row["id"]]["attempts"]) == 3 for row in picked):
            break
        time.sleep(0.1)
    assert lists[0] == lists[1]
    for row in picked:
        assert [a["n"] for a in by_id[row["id"]]["attempts"]] == [1, 2, 3]
        assert by_id[row["id"]]["state"] == "delivered"
    for client in (one, two):
        missing = client.post("/deliveries/999999/redeliver", json={})
        assert missing.status_code == 404 and "no such delivery" in missing.json()["error"]
    assert server.process.poll() is None


@pytest.mark.parametrize("how", ["admin", "flag"])
def test_a_running_clock_on_two_workers_sends_each_event_once(
    start_server: Any, receiver: Receiver, how: str
) -> None:
    flag = ["--clock-speed", "240"] if how == "flag" else []
    server, (one, two) = serve(start_server, receiver, *flag)
    ids = start_recordings([one, two])
    for client in (one, two) if how == "admin" else ():  # both workers' tickers then run
        assert client.post("/clock", json={"speed": 240}).json()["speed"] == 240
    wanted = expected(ids)
    wait_for(receiver, wanted)
    one.post("/clock", json={"speed": 0})
    assert counts(receiver) == wanted  # the challenge too: the tickers do not send it again
    rows = settled(two, sum(wanted.values()))
    assert len(rows) == sum(wanted.values()) and {r["state"] for r in rows} == {"delivered"}
    assert one.get("/deliveries").json()["deliveries"] == rows
    assert server.process.poll() is None


@pytest.fixture
def redis_url(tmp_path: Any) -> Iterator[str]:
    process, url = start_redis(tmp_path)
    yield url + "/0"
    process.terminate()
    process.wait(timeout=10)


def test_two_redis_replicas_send_each_event_once_and_share_the_log(
    start_server: Any, receiver: Receiver, redis_url: str
) -> None:
    """Replicas on several machines, as two servers on one Redis: the same guarantees."""
    flags = ["--state", redis_url, "--now", "fixed", "--zoom-webhook-secret", SECRET,
             *[f"--webhook={p}={receiver.url}" for p in EVENTS]]  # fmt: skip
    servers = [start_server(*flags), start_server(*flags)]
    one, two = (httpx.Client(base_url=s.url + "/__recmock", timeout=10) for s in servers)
    ids = start_recordings([one, two])
    for i, step in enumerate(["1m", "1m", "30s", "10m"]):
        assert (one, two)[i % 2].post("/clock", json={"advance": step}).status_code == 200
    wanted = expected(ids)
    wait_for(receiver, wanted)
    assert counts(receiver) == wanted
    rows = settled(one, sum(wanted.values()))
    assert len(rows) == sum(wanted.values()) and {r["state"] for r in rows} == {"delivered"}
    assert two.get("/deliveries").json()["deliveries"] == rows
    picked = rows[-1]
    before = len(receiver.requests)
    for client in (one, two):  # one replica owns it, the other asks it through Redis
        assert client.post(f"/deliveries/{picked['id']}/redeliver", json={}).status_code == 202
    deadline = time.monotonic() + 10
    while len(receiver.requests) < before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(receiver.requests) == before + 2
    resent = {key(body) for _, _, body in receiver.requests[before:]}
    assert len(resent) == 1 and counts(receiver)[resent.pop()] == 3  # the one event, twice more
