"""Fixtures for record/drift: the independent staging double, and a recording of it made by
the real `recmock record` process (SIGTERM ends it, as Ctrl-C would)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "verify"))

from staging import StagingApp, ThreadedServer  # noqa: E402
from staging import data as d  # noqa: E402
from staging.targets import CHOICES  # noqa: E402

AUTH = (d.SW_PROJECT, d.SW_TOKEN)
PREFIX = "/api/video"


def free_port() -> int:
    """A port nothing listens on right now, on 127.0.0.1."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recording:
    """What one `recmock record` run left behind."""

    fixtures: Path  # the directory holding the scenario file
    scenario: Path
    exit_code: int
    log: str
    violations_header: str  # X-Recmock-Violations of the one non-conforming answer


@pytest.fixture(scope="session")
def double() -> Iterator[tuple[StagingApp, str]]:
    """The double on a free loopback port; choices and variants switch in place."""
    app = StagingApp(choices=CHOICES)
    server = ThreadedServer(app)
    yield app, server.url
    server.stop()


def wait_for_port(port: int, process: subprocess.Popen[str], seconds: float = 30) -> None:
    """Until something accepts on 127.0.0.1:port (or the process died)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            raise RuntimeError("recmock record exited early")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"recmock record did not listen on {port}")


@pytest.fixture(scope="session")
def recording(
    double: tuple[StagingApp, str], tmp_path_factory: pytest.TempPathFactory
) -> Recording:
    """Record the double's two SignalWire sessions through the proxy, then stop it."""
    app, url = double
    folder = tmp_path_factory.mktemp("fixtures")
    out = folder / "staging-week.yaml"
    port = free_port()
    log = folder.parent / "record.log"
    with log.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "recmock", "record", "signalwire", "--target", url + PREFIX,
             "--port", str(port), "--out", str(out)],
            cwd=ROOT, stdout=sink, stderr=subprocess.STDOUT, text=True, env=dict(os.environ),
        )  # fmt: skip
        try:
            wait_for_port(port, process)
            proxy = f"http://127.0.0.1:{port}{PREFIX}"
            with httpx.Client(timeout=10) as client:
                app.variant = "sw-naive-datetime"  # one answer that breaks the spec
                try:
                    bad = client.get(
                        f"{proxy}/room_sessions/{d.SW_SESSION_B}/recordings", auth=AUTH
                    )
                finally:
                    app.variant = None
                header = bad.headers.get("x-recmock-violations", "")
                for session in d.SW_SESSIONS:
                    page = client.get(
                        f"{proxy}/room_sessions/{session}/recordings",
                        params={"page_size": 1000, "media_ttl": 120},
                        auth=AUTH,
                    )
                    assert page.status_code == 200, page.text
                    assert "x-recmock-violations" not in page.headers
                assert (
                    client.get(f"{proxy}/room_sessions/{d.SW_SESSION_A}/recordings").status_code
                    == 401
                )
        finally:
            process.send_signal(signal.SIGTERM)
            code = process.wait(timeout=30)
    return Recording(folder, out, code, log.read_text(), header)
