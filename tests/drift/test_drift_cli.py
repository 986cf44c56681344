"""Unreachable sides and busy ports are one line naming the flag, exit 2, never a traceback."""

from __future__ import annotations

import socket

import pytest

from recmock.cli import main

SIGNALWIRE = ["signalwire", "--basic", "u:TOPSECRET", "--max-examples", "2", "--time-limit", "10"]


@pytest.mark.parametrize("side", ["--target", "--mock"])
def test_a_side_that_does_not_answer_is_named(
    side: str,
    capsys: pytest.CaptureFixture[str],
    start_server,  # type: ignore[no-untyped-def]
) -> None:
    live = start_server("--signalwire-project", "u", "--signalwire-token", "TOPSECRET").url
    dead = "http://127.0.0.1:9/api/video"
    target, mock = (
        (dead, live + "/api/video") if side == "--target" else (live + "/api/video", dead)
    )
    code = main(["drift", *SIGNALWIRE, "--target", target, "--mock", mock])
    err = capsys.readouterr().err
    assert code == 2 and len(err.splitlines()) == 1, err
    assert err.startswith(f"recmock: error: {side} {dead}: no answer") and "TOPSECRET" not in err


def test_record_on_a_busy_port_says_so(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = main(["record", "signalwire", "--target", "http://127.0.0.1:9/api/video",
                     "--port", str(port), "--out", str(tmp_path / "x.yaml")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and f"--port {port}" in err and "already in use" in err
    assert not (tmp_path / "x.yaml").exists()
