"""Zoom's official Node SDK (`@zoom/rivet` on npm) against a real `recmock serve`, unmodified.

Its VideoSdkClient encodes the whole request path twice (`/v2/%252Fvideosdk%252Fsessions...`),
slashes included; the mock routes that form (issue 10). Installed like the other Node SDKs:
`npm ci --prefix tests/sdk/node`; skipped without Node.js, failing in CI if not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

NODE_DIR = Path(__file__).parent / "node"


def rivet_list(server_url: str, secret: str, session_id: str) -> dict[str, Any]:
    """listSessionsRecordings through the SDK in a node process; its one-line JSON report."""
    binary = shutil.which("node")
    if not binary or not shutil.which("npm"):
        pytest.skip("node/npm are not installed; the Node SDK test needs Node.js >= 18")
    if not (NODE_DIR / "node_modules" / "@zoom" / "rivet" / "package.json").is_file():
        message = f"@zoom/rivet is not installed: run `npm ci --prefix {NODE_DIR}`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so .ci/run should have done it)")
        pytest.skip(message)
    done = subprocess.run(
        [binary, "zoom_rivet_recordings.mjs", f"{server_url}/v2", "demo-key", secret, session_id],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "session_id", ["KkMHZ4y8QhSUWAHi5sWvfg==", "ab/cd+efghijklmnopqrst=="], ids=["plain", "slash"]
)
def test_rivet_videosdk_client_lists_a_sessions_recordings(
    live_server: Any, session_id: str
) -> None:
    report = rivet_list(live_server.url, "demo-secret", session_id)
    assert report["ok"] and report["status"] == 200, report
    assert report["data"]["session_id"] == session_id
    assert report["data"]["recording_files"]
    assert all(f["session_id"] == session_id for f in report["data"]["recording_files"])


def test_rivet_reports_a_wrong_secret_as_zoom_does(live_server: Any) -> None:
    report = rivet_list(live_server.url, "not-the-secret", "KkMHZ4y8QhSUWAHi5sWvfg==")
    assert not report["ok"] and report["message"].startswith("[401/124]"), report
