"""Starting and stopping `recmock serve`: graceful shutdown, a taken port, exposure warnings."""

from __future__ import annotations

import base64
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from live_server import ROOT, LiveServer, free_port
from recmock import cli
from recmock.server import run

SESSION_PAGE = "/api/video/room_sessions/5ee8b016-0818-4425-9a59-cac9fc5e1f92/recordings"
BASIC = "Basic " + base64.b64encode(b"demo-project:demo-token").decode()
HOLD = """\
name: hold
description: Every reply waits 1.5 s, so a request is surely in flight when the signal comes.
overrides:
  - operation: "*"
    latency_ms: 1500
"""


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped fixtures plus `hold`, a scenario with a fixed 1.5 s latency."""
    folder = tmp_path_factory.mktemp("fixtures")
    for path in (ROOT / "fixtures").glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    (folder / "hold.yaml").write_text(HOLD)
    return folder


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_lets_the_in_flight_request_finish_then_the_server_exits(
    fixtures: Path, sig: signal.Signals
) -> None:
    server = LiveServer("--fixtures", str(fixtures), "--scenario", "hold")
    try:
        # The request is on the wire before the signal: a raw socket sends it synchronously.
        client = socket.create_connection(("127.0.0.1", server.port), timeout=15)
        client.sendall(f"GET {SESSION_PAGE} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       f"Authorization: {BASIC}\r\nConnection: close\r\n\r\n".encode())  # fmt: skip
        time.sleep(0.3)  # read and routed; now sleeping out its 1.5 s inside the server
        signalled = time.monotonic()
        server.process.send_signal(sig)
        reply = b""
        while chunk := client.recv(65536):
            reply += chunk
        client.close()
        code = server.process.wait(timeout=15)
    finally:
        log = server.stop()
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), reply[:300]
    assert json.loads(body)["data"]
    assert time.monotonic() - signalled < 10  # then it really stops
    # uvicorn re-raises the signal once it has drained: SIGTERM then ends the process "by
    # SIGTERM", SIGINT may surface as the CLI's 130 for an interrupted run
    assert code in ((0, -signal.SIGTERM) if sig == signal.SIGTERM else (0, 130))
    assert "Traceback" not in log
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/__recmock/health", timeout=2)


def test_a_taken_port_is_one_clear_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "recmock", "serve", "--port", str(port)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith(f"recmock: error: --port {port}: ")
    assert "already in use" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def no_listen(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Run `serve` in-process without binding anything: uvicorn.run only records its call.

    The exposure warning is about a public bind, but no test should open a public port to
    check a message printed before it; the port probe is skipped for the same reason.
    """
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(run, "port_is_free", lambda host, port: True)
    return calls


def test_a_public_host_warns_that_the_admin_api_is_reachable(
    no_listen: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", str(free_port())]) == 0
    err = capsys.readouterr().err
    assert no_listen and no_listen[0]["host"] == "0.0.0.0"
    warning = next(line for line in err.splitlines() if "warning" in line)
    assert "0.0.0.0" in warning and "/__recmock/" in warning and "--no-admin" in warning


@pytest.mark.parametrize(
    "flags",
    [["--host", "0.0.0.0", "--no-admin"], ["--host", "127.0.0.1"], ["--host", "::1"]],
    ids=["public-without-admin", "loopback", "loopback-v6"],
)
def test_no_warning_without_exposure(
    no_listen: list[dict[str, Any]], capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    assert cli.main(["serve", *flags, "--port", str(free_port())]) == 0
    assert no_listen
    assert "warning" not in capsys.readouterr().err


def test_no_admin_turns_the_admin_api_off_but_keeps_health(start_server: Any) -> None:
    server = start_server("--no-admin")
    for method, path in [("GET", "journal"), ("DELETE", "journal"), ("GET", "scenarios"),
                         ("PUT", "scenario"), ("POST", "reset")]:  # fmt: skip
        response = httpx.request(method, f"{server.url}/__recmock/{path}", content=b"large")
        assert response.status_code == 404, (method, path)
        assert "disabled" in response.json()["error"]
    assert httpx.get(server.url + "/__recmock/health").json()["status"] == "ok"
    page = httpx.get(server.url + SESSION_PAGE, auth=("demo-project", "demo-token"))
    assert page.status_code == 200  # the mocked APIs themselves are untouched
    assert page.headers["x-recmock-scenario"] == "default"  # PUT scenario did not switch it
