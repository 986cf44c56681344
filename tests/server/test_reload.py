"""`recmock serve --watch`: new fixtures appear without a restart; a broken file changes
nothing and the server says why."""

from __future__ import annotations

import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from recmock.errors import ScenarioError
from recmock.scenarios import FIXTURES_DIR
from recmock.server.reload import Reloadable, try_rebuild


async def _app_a(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover - never called
    pass


def test_try_rebuild_swaps_on_success_and_keeps_the_old_app_on_error() -> None:
    target = Reloadable(_app_a)

    def broken() -> Any:
        raise ScenarioError("fixtures/x.yaml:3: world: expected an object")

    message = try_rebuild(target, broken)
    assert target.app is _app_a
    assert "still serving the last good version" in message and "fixtures/x.yaml:3" in message
    assert try_rebuild(target, lambda: _app_b) == "recmock: reloaded specs and fixtures"
    assert target.app is _app_b


async def _app_b(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
    pass


def scenarios(url: str) -> set[str]:
    return {
        s["name"] for s in httpx.get(url + "/__recmock/scenarios", timeout=5).json()["scenarios"]
    }


def wait_for(predicate: Any, seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.slow
def test_watch_reloads_fixtures_and_keeps_the_last_good_version(
    tmp_path: Path, start_server: Any
) -> None:
    fixtures = tmp_path / "fixtures"
    shutil.copytree(FIXTURES_DIR, fixtures)
    server = start_server("--watch", "--fixtures", str(fixtures))
    assert "fresh" not in scenarios(server.url)

    (fixtures / "fresh.yaml").write_text("name: fresh\ndescription: added while serving\n")
    assert wait_for(lambda: "fresh" in scenarios(server.url)), server.output()

    (fixtures / "broken.yaml").write_text("name: broken\nworld: {closed: maybe}\n")
    assert wait_for(lambda: "reload failed" in server.output()), server.output()
    assert "broken.yaml:2" in server.output() and "world.closed" in server.output()
    assert "fresh" in scenarios(server.url)  # the last good version still serves
    assert "broken" not in scenarios(server.url)
