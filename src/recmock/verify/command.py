"""`recmock verify`: flags -> config -> engine events -> reporters -> exit code."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO

from recmock.cli_values import write_problem
from recmock.errors import ConfigError
from recmock.report import Reporter
from recmock.report.console import ConsoleReporter
from recmock.report.html import HtmlReporter
from recmock.report.junit import JUnitReporter
from recmock.verify.config import config_from_args
from recmock.verify.engine import verify
from recmock.verify.events import RunFinished


def reporters_for(args: argparse.Namespace, stream: TextIO) -> list[Reporter]:
    """The console always; JUnit XML and HTML when asked for, each checked writable now: a report
    that cannot be written must fail before the run, not after it."""
    live = stream.isatty() and not os.environ.get("CI") and not args.quiet_progress
    out: list[Reporter] = [ConsoleReporter(stream, live=live)]
    for flag, value, cls in (
        ("--junit-xml", args.junit_xml, JUnitReporter),
        ("--report", args.report, HtmlReporter),
    ):
        if value:
            path = Path(value)
            problem = write_problem(path)
            if problem:
                raise ConfigError(f"{flag}: cannot write {value!r}: {problem}")
            out.append(cls(path))
    return out


def run_verify(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    """Run one verification; 0 clean, 1 violations (usage errors raise, the CLI makes them 2)."""
    out = stream or sys.stdout
    config = config_from_args(args)
    reporters = reporters_for(args, out)
    exit_code = 0
    try:
        for event in verify(config):
            for reporter in reporters:
                reporter.handle(event)
            if isinstance(event, RunFinished):
                exit_code = event.summary.exit_code
    except KeyboardInterrupt:
        _close(reporters)
        # An interrupted run proved nothing: never let it look like a pass (exit 0).
        print("recmock: error: interrupted before the run finished", file=sys.stderr)
        return 2
    finally:
        _close(reporters)
    return exit_code


def _close(reporters: list[Reporter]) -> None:
    """Stop live displays (idempotent): the terminal must get its cursor back however we end."""
    for reporter in reporters:
        close = getattr(reporter, "close", None)
        if close is not None:
            close()
