"""Helpers shared by the record/drift tests (a module of its own: `conftest` is ambiguous when
pytest collects tests/verify too)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "verify"))

from staging import data as d  # noqa: E402

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


def wait_for_port(port: int, process: subprocess.Popen[str], seconds: float = 30) -> None:
    """Until something accepts on 127.0.0.1:port (or the process died)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise RuntimeError(f"{' '.join(map(str, process.args))} exited early:\n{output}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise RuntimeError(f"recmock record did not listen on {port}")
