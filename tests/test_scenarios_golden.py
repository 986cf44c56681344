"""Golden files: what each shipped scenario serves on every endpoint, byte for byte.

Regenerate after an intended change with `RECMOCK_UPDATE_GOLDEN=1 python -m pytest
tests/test_scenarios_golden.py` and review the diff like code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt
from recmock.scenarios import FIXTURES_DIR
from recmock.server.run import ServeConfig, build_app

GOLDEN = Path(__file__).parent / "golden"
SCENARIOS = sorted(p.stem for p in FIXTURES_DIR.glob("*.yaml"))
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
APP = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
IDS = {  # ids each scenario pins, so the golden shows its explicit records
    "in-progress": ("room01", "6f1c2a9e-3b4d-4c5e-8f60-718293a4b5e1"),
    "errored": ("room-errored", "9a3e5c71-2b8d-4f06-a1e9-3d5c7b9f01c7"),
    "seed-docs": ("room01", "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"),
    "review-week": ("room-review", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"),
}
DEFAULT_IDS = ("room01", "5ee8b016-0818-4425-9a59-cac9fc5e1f92")


def requests(name: str) -> list[tuple[str, str, dict[str, str], bytes]]:
    room, session = IDS.get(name, DEFAULT_IDS)
    zoom_session = "KkMHZ4y8QhSUWAHi5sWvfg==" if name == "seed-docs" else session
    recording = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    body = json.dumps({"room_ids": [room], "limit": 3}).encode()
    jwt = zoom_jwt("demo-key", "demo-secret", ttl=10**9, now=1_700_000_000)
    return [
        ("plugnmeet", "/auth/recording/fetch", plugnmeet_headers(body, "demo-key", "demo-secret"), body),
        ("signalwire", f"/api/video/room_sessions/{session}/recordings?page_size=3",
         basic("demo-project", "demo-token"), b""),
        ("zoom", f"/v2/videosdk/sessions/{zoom_session}/recordings?include_fields=download_access_token",
         bearer(jwt), b""),
        ("cloudflare", f"/client/v4/accounts/{ACCOUNT}/realtime/kit/{APP}/recordings/{recording}",
         bearer("demo-token"), b""),
    ]  # fmt: skip


def serve_all(client: TestClient, name: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for provider, url, headers, body in requests(name):
        sent = {**headers, "X-Recmock-Scenario": name}
        if body:
            response = client.post(url, content=body, headers=sent)
        else:
            response = client.get(url, headers=sent)
        entry: dict[str, Any] = {"status": response.status_code, "body": response.json()}
        if "retry-after" in response.headers:
            entry["retry_after"] = response.headers["retry-after"]
        out[provider] = entry
    return out


def test_every_shipped_scenario_has_a_golden_file() -> None:
    assert SCENARIOS, "fixtures/ is empty"
    missing = [n for n in SCENARIOS if not (GOLDEN / f"{n}.json").exists()]
    assert not missing or os.environ.get("RECMOCK_UPDATE_GOLDEN"), f"no golden for {missing}"


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_serves_its_golden(name: str) -> None:
    # A fixed clock: the served clock defaults to today's midnight, which would move goldens.
    app = build_app(ServeConfig(now=1_764_000_000))
    loopback = ("127.0.0.1", 50000)  # the admin API answers loopback addresses only
    with TestClient(app, base_url="http://127.0.0.1:8000", client=loopback) as client:
        client.post("/__recmock/reset", json={})
        served = serve_all(client, name)
    path = GOLDEN / f"{name}.json"
    text = json.dumps(served, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if os.environ.get("RECMOCK_UPDATE_GOLDEN"):
        path.write_text(text)
    assert path.read_text() == text, f"{name}: served output differs from {path}"
