"""The README's record -> serve -> drift walk-through, run line by line against the double.

Each `recmock` line runs as the real console command (`python -m recmock`) in a scratch
directory, with the double's URL, credentials and session for the variables and free ports for
8100/8000; `curl` is sent with httpx; the "Ctrl-C" comment is a SIGINT to the recorder.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from drift_support import ROOT, free_port, wait_for_port
from staging import StagingApp
from staging import data as d

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
README = (ROOT / "README.md").read_text()


def walkthrough() -> list[str]:
    """The command lines of the block after the walk-through heading (comments dropped)."""
    block = README.split("### Walk-through: record → serve → drift")[1].split("```sh\n")[1]
    lines = block.split("```")[0].splitlines()
    return [line for line in lines if line.strip()]


def test_the_walkthrough_records_serves_and_scores_one(
    double: tuple[StagingApp, str], tmp_path: Path
) -> None:
    _, url = double
    ports = {"8100": str(free_port()), "8000": str(free_port())}
    env = {**os.environ, "STAGING": url, "SW_PROJECT": d.SW_PROJECT, "SW_TOKEN": d.SW_TOKEN,
           "SESSION": d.SW_SESSION_A}  # fmt: skip
    running: list[subprocess.Popen[str]] = []
    recorder: subprocess.Popen[str] | None = None
    outputs: list[str] = []
    try:
        for line in walkthrough():
            if line.startswith("# Ctrl-C"):
                assert recorder is not None
                recorder.send_signal(signal.SIGINT)
                out, _ = recorder.communicate(timeout=30)
                assert "recorded 7 recordings of 1 sessions to recorded/staging-week.yaml" in out, (
                    out
                )
                outputs.append(out)
                continue
            if line.startswith("#"):
                continue
            for old, new in ports.items():
                line = line.replace(f":{old}", f":{new}").replace(f"--port {old}", f"--port {new}")
            args = [_expand(a, env) for a in shlex.split(line)]
            if args[0] == "curl":
                user, password = args[args.index("-u") + 1].split(":", 1)
                answer = httpx.get(args[-1], auth=(user, password), timeout=10)
                assert answer.status_code == 200 and "x-recmock-violations" not in answer.headers
                continue
            command = [sys.executable, "-m", "recmock", *args[1:]]
            (tmp_path / "recorded").mkdir(exist_ok=True)
            if args[1] in ("record", "serve"):
                process = subprocess.Popen(command, cwd=tmp_path, env=env, text=True,
                                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)  # fmt: skip
                port = int(args[args.index("--port") + 1])
                wait_for_port(port, process)
                if args[1] == "record":
                    recorder = process
                else:
                    running.append(process)
                    _wait_healthy(port)
                continue
            done = subprocess.run(command, cwd=tmp_path, env=env, text=True, capture_output=True,
                                  timeout=120)  # fmt: skip
            assert done.returncode == 0, done.stdout + done.stderr
            outputs.append(done.stdout)
    finally:
        for process in [*running, *([recorder] if recorder else [])]:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
    assert "fidelity 1.000" in outputs[-1], outputs[-1]
    assert d.SW_TOKEN not in "".join(outputs)


def _expand(arg: str, env: dict[str, str]) -> str:
    for name in ("STAGING", "SW_PROJECT", "SW_TOKEN", "SESSION"):
        arg = arg.replace(f"${name}", env[name])
    return arg


def _wait_healthy(port: int) -> None:
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            httpx.get(f"http://127.0.0.1:{port}/__recmock/health", timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("recmock serve did not answer")
