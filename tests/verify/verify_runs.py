"""What the verify tests share: demo auth flags per provider and one in-process CLI call."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

KNOWN_MOCK_BUGS = Path(__file__).with_name("known-mock-bugs.yaml")
DEMO_AUTH = {
    "plugnmeet": ("/auth", ["--plugnmeet-key", "demo-key", "--plugnmeet-secret", "demo-secret"]),
    "plugnmeet-v1": ("/auth", ["--plugnmeet-key", "demo-key", "--plugnmeet-secret", "demo-secret"]),
    "signalwire": ("/api/video", ["--basic", "demo-project:demo-token"]),
    "zoom": ("/v2", ["--zoom-key", "demo-key", "--zoom-secret", "demo-secret"]),
    "cloudflare": ("/client/v4", ["--bearer", "demo-token"]),
}


@dataclass
class Outcome:
    """What one `recmock verify` call produced."""

    code: int
    out: str
    err: str
    junit: Path

    def failing_checks(self) -> set[str]:
        """Checks with unaccepted violations, read back from the JUnit XML."""
        root = ET.parse(self.junit).getroot()
        return {c.get("name", "") for c in root.iter("testcase") if c.find("failure") is not None}

    def allowed_lines(self) -> list[str]:
        """The console lines of violations the allow-list accepted."""
        return [line for line in self.out.splitlines() if line.startswith("  allowed [")]


def drain(server: Any) -> deque[str]:
    """The last lines the LiveServer logged (its output goes to a file, so it never blocks)."""
    return deque(server.output().splitlines(), maxlen=200)
