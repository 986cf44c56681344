"""`--watch` reloads keep the state: before, touching any fixture reset the active scenario to
`default` and wiped the journal, because the state lived in the app that a reload replaces."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from recmock.auth import basic

BASIC = basic("demo-project", "demo-token")
SW = "/api/video/room_sessions/{}/recordings"


@pytest.mark.slow
def test_a_reload_keeps_the_active_scenario_and_the_journal(
    tmp_path: Path, start_server: Any
) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    server = start_server("--watch", "--fixtures", str(fixtures))
    admin = server.url + "/__recmock/"
    assert httpx.put(admin + "scenario", json={"name": "empty"}).status_code == 200
    httpx.put(admin + "scenario", json={"name": "in-progress"}, headers={"X-Recmock-Session": "qa"})
    page = server.url + SW.format(uuid.uuid4())
    assert httpx.get(page, headers=BASIC).headers["x-recmock-scenario"] == "empty"

    (fixtures / "fresh.yaml").write_text("name: fresh\ndescription: added while serving\n")
    deadline = time.monotonic() + 15
    while "reloaded" not in server.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "reloaded" in server.output(), server.output()
    names = {s["name"] for s in httpx.get(admin + "scenarios").json()["scenarios"]}
    assert "fresh" in names  # the new app is serving

    assert httpx.get(admin + "scenario").json() == {"active": "empty"}
    assert httpx.get(admin + "scenario", headers={"X-Recmock-Session": "qa"}).json() == {
        "active": "in-progress"
    }
    assert httpx.get(page, headers=BASIC).headers["x-recmock-scenario"] == "empty"
    entries = httpx.get(admin + "journal").json()["entries"]
    assert [e["path"] for e in entries] == [SW.format(page.rsplit("/", 2)[-2])] * 2
