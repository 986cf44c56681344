"""Consumers of verify events: console progress and summary, JUnit XML, self-contained HTML.

A reporter is anything with `handle(event)`; the engine never prints, reporters never decide.
"""

from __future__ import annotations

from typing import Any, Protocol


class Reporter(Protocol):
    """Receives every event of a run, in order; the last one is RunFinished."""

    def handle(self, event: Any) -> None:
        """Consume one event."""


__all__ = ["Reporter"]
