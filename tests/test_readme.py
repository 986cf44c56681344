"""The README's worked paging example stays true (it promises exact bytes with --now fixed)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from recmock.auth import basic

README = (Path(__file__).parents[1] / "README.md").read_text()
SESSION = "/api/video/room_sessions/5ee8b016-0818-4425-9a59-cac9fc5e1f92/recordings"


def test_worked_paging_example_matches_the_mock(client: httpx.Client) -> None:
    example = README.split("Worked example:")[1].split("```\n\n")[0]
    promised = re.findall(r'"id":"([0-9a-f-]{36})"', example)
    auth = basic("demo-project", "demo-token")
    first = client.get(SESSION, params={"page_size": 4}, headers=auth).json()
    second = client.get(first["links"]["next"], headers=auth).json()
    served = [r["id"] for r in first["data"]][:2] + [r["id"] for r in second["data"]]
    assert promised == served
    assert '"duration":797' in example and first["data"][0]["duration"] == 797
    assert "next" not in second["links"] and len(first["data"]) + len(second["data"]) == 6
