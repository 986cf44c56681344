"""The README's webhook walk-through, line by line, with the shipped example receiver.

`examples/zoom_webhook_receiver.py` is what a user runs: standard-library HMAC written from
Zoom's docs, sharing no code with the mock's signer. It must print `ok` for the challenge and
every transition, and never `BAD SIGNATURE`.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from live_server import ROOT, free_port

pytestmark = pytest.mark.slow
README = (ROOT / "README.md").read_text()
EVENTS = ["endpoint.url_validation", "session.recording_started", "session.recording_paused",
          "session.recording_resumed", "session.recording_stopped",
          "session.recording_completed"]  # fmt: skip


def walkthrough() -> list[str]:
    """The commands of the README block that starts the example receiver."""
    block = README.split("python examples/zoom_webhook_receiver.py", 1)[1].split("```", 1)[0]
    text = "python examples/zoom_webhook_receiver.py" + block
    joined = text.replace("\\\n", " ")
    return [line.split("   #")[0].strip() for line in joined.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]  # fmt: skip


def _wait(url: str, process: subprocess.Popen[str]) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer")


def test_the_example_receiver_accepts_every_zoom_event_the_mock_signs(tmp_path: Path) -> None:
    """Run each README line; the receiver's own output says every signature checked out."""
    ports = {"9000": str(free_port()), "8000": str(free_port())}
    running: list[subprocess.Popen[str]] = []
    receiver_log = tmp_path / "receiver.log"
    try:
        for line in walkthrough():
            for old, new in ports.items():
                line = line.replace(f":{old}", f":{new}").replace(f" {old} ", f" {new} ")
            args = shlex.split(line.rstrip("&").strip())
            if args[0] == "python":
                out = receiver_log.open("w")
                running.append(subprocess.Popen([sys.executable, *args[1:]], cwd=ROOT,
                                                stdout=out, stderr=subprocess.STDOUT, text=True))  # fmt: skip
                time.sleep(0.5)
            elif args[0] == "recmock":
                server = subprocess.Popen(
                    [sys.executable, "-m", "recmock", *args[1:], "--port", ports["8000"],
                     "--log-level", "warning"],
                    cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                )  # fmt: skip
                running.append(server)
                _wait(f"http://127.0.0.1:{ports['8000']}/__recmock/health", server)
            else:
                assert args[0] == "curl", line
                body = args[args.index("-d") + 1]
                url = "http://" + args[args.index("POST") + 1].replace("localhost", "127.0.0.1")
                answer = httpx.post(url, content=body, headers={"content-type": "application/json"})
                assert answer.status_code in (200, 201), answer.text
        end = time.monotonic() + 10
        while time.monotonic() < end and receiver_log.read_text().count("\n") < len(EVENTS):
            time.sleep(0.1)
    finally:
        for process in running:
            process.terminate()
            process.wait(timeout=15)
    printed = receiver_log.read_text().splitlines()
    assert "BAD SIGNATURE" not in "\n".join(printed)
    assert printed == [f"ok {event}" for event in EVENTS]
