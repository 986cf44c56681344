"""The official Node SDK (`cloudflare` on npm, v7) against a real `recmock serve`.

The SDK lives in tests/sdk/node (package.json + package-lock.json; node_modules is never
committed). Install it with `npm ci --prefix tests/sdk/node`. Without node/npm the test skips;
with node but without the installed SDK it skips locally and fails in CI, where `.ci/run`
installs it.
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
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
APP = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
RECORDING = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"


def node() -> str:
    """The node binary, once the SDK is installed; otherwise skip (or fail in CI) saying why."""
    binary, npm = shutil.which("node"), shutil.which("npm")
    if not binary or not npm:
        pytest.skip("node/npm are not installed; the Node SDK test needs Node.js >= 18")
    if not (NODE_DIR / "node_modules" / "cloudflare" / "package.json").is_file():
        message = f"the npm SDK is not installed: run `npm ci --prefix {NODE_DIR}`"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so .ci/run should have done it)")
        pytest.skip(message)
    return binary


def cloudflare_get(server_url: str, token: str, account: str, recording: str) -> dict[str, Any]:
    """Run the npm SDK's getOneRecording in a node process; its one-line JSON report."""
    done = subprocess.run(
        [node(), "cloudflare_recording.mjs", f"{server_url}/client/v4", token, account, APP,
         recording],
        cwd=NODE_DIR, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_npm_cloudflare_get_one_recording(live_server) -> None:
    report = cloudflare_get(live_server.url, "demo-token", ACCOUNT, RECORDING)
    assert report["ok"], report
    response = report["response"]
    assert response["success"] is True
    assert response["data"]["id"] == RECORDING
    assert response["data"]["status"] in {
        "INVOKED", "RECORDING", "UPLOADING", "UPLOADED", "ERRORED", "PAUSED",
    }  # fmt: skip
    assert response["data"]["invoked_time"]


@pytest.mark.parametrize(
    ("token", "account", "error", "status"),
    [
        ("not-the-token", ACCOUNT, "AuthenticationError", 401),
        ("demo-token", "0" * 32, "PermissionDeniedError", 403),
    ],
    ids=["wrong-token", "foreign-account"],
)
def test_npm_cloudflare_errors_map_to_sdk_classes(live_server, token, account, error, status):
    report = cloudflare_get(live_server.url, token, account, RECORDING)
    assert not report["ok"], report
    assert (report["error"], report["status"]) == (error, status), report
    assert report["body"]["success"] is False
