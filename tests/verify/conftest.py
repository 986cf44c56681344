"""Fixtures for the verify tests: an in-process `recmock verify`, and the broken server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from broken_server import Broken, ThreadedServer, broken_app
from verify_runs import Outcome

from recmock.cli import main


@pytest.fixture
def verify_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Callable[..., Outcome]:
    """Run `recmock verify ARGS` in-process; the JUnit XML is always written."""
    counter = iter(range(1_000_000))

    def run(*args: str) -> Outcome:
        junit = tmp_path / f"verify-{next(counter)}.xml"
        code = main(["verify", *args, "--junit-xml", str(junit)])
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err, junit)

    return run


@pytest.fixture(scope="session")
def broken() -> Iterator[tuple[Broken, str]]:
    """The broken deployment on a free loopback port: (wrapper to switch defects, root URL)."""
    app = broken_app()
    server = ThreadedServer(app)
    yield app, server.url
    server.stop()
