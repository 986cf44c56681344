"""Fixtures for record/drift: the independent staging double, and a recording of it made by
the real `recmock record` process (SIGTERM ends it, as Ctrl-C would)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator

import httpx
import pytest
from drift_support import AUTH, PREFIX, ROOT, Recording, free_port, wait_for_port
from staging import StagingApp, ThreadedServer
from staging import data as d
from staging.targets import CHOICES


@pytest.fixture(scope="session")
def double() -> Iterator[tuple[StagingApp, str]]:
    """The double on a free loopback port; choices and variants switch in place."""
    app = StagingApp(choices=CHOICES)
    server = ThreadedServer(app)
    yield app, server.url
    server.stop()


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
