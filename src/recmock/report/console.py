"""Terminal output through rich: a live progress line on a terminal, plain lines in CI or a
pipe (no colour, no cursor movement), then the summary.

Everything a target sent (messages, bodies in reproducers) is printed with its control
characters escaped, so a hostile server cannot drive the user's terminal.
"""

from __future__ import annotations

import re
from typing import Any, TextIO

from rich.console import Console
from rich.progress import Progress as ProgressDisplay
from rich.progress import SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from recmock.verify.events import (
    Note,
    OperationFinished,
    PhaseStarted,
    Progress,
    RunFinished,
    RunStarted,
    Summary,
    Violation,
    ViolationFound,
)

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STYLES = {  # the start of a line -> its style on a colour terminal
    "FAILED": "bold red", "PASSED": "bold green", "INCONCLUSIVE": "bold yellow",
    "  VIOLATION": "red", "  allowed": "yellow", "  note:": "cyan", "note:": "cyan",
    "Summary:": "bold", "Violations (": "bold",
}  # fmt: skip


def printable(text: str) -> str:
    """`text` with control characters (ESC, CSI, BEL...) written as escapes, never sent raw."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


class ConsoleReporter:
    """Writes to `stream`; `live` shows one updating progress line instead of phase lines."""

    def __init__(self, stream: TextIO, *, live: bool = False) -> None:
        self.live = live
        self.console = Console(
            file=stream, force_terminal=live, color_system="auto" if live else None,
            highlight=False, markup=False, emoji=False, soft_wrap=True,
        )  # fmt: skip
        self._display: ProgressDisplay | None = None
        self._task: TaskID | None = None

    def _line(self, text: str = "") -> None:
        line = Text(printable(text))
        if self.live:
            style = next((s for start, s in STYLES.items() if text.startswith(start)), "")
            line.stylize(style)
        self.console.print(line)

    def _status(self, text: str) -> None:
        if self._display is None:
            self._display = ProgressDisplay(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=self.console, transient=True, refresh_per_second=8,
            )  # fmt: skip
            self._task = self._display.add_task("", total=None)
            self._display.start()
        assert self._task is not None
        self._display.update(self._task, description=printable(text))

    def close(self) -> None:
        """Stop the live line (also after an interrupted run, so the cursor comes back)."""
        if self._display is not None:
            self._display.stop()
            self._display = None

    def handle(self, event: Any) -> None:
        """Print what this event means for a person watching."""
        if isinstance(event, RunStarted):
            self._line(f"recmock verify: {event.title} ({event.spec})")
            self._line(f"  target  {event.base_url}")
            self._line(f"  auth    {event.auth}")
            self._line(f"  known   {', '.join(event.known) or 'none (give ids with --param)'}")
            self._line(
                f"  seed {event.seed} | {event.max_examples} examples per mode | time "
                f"limit {event.time_limit:g} s | {event.workers} workers"
            )
        elif isinstance(event, PhaseStarted):
            if self.live:
                self._status(f"{event.operation}  {event.phase} ...")
            else:
                self._line(f"  {event.operation}: {event.phase}")
        elif isinstance(event, Progress):
            if self.live:
                self._status(
                    f"{event.operation}  {event.phase}  {event.requests} requests  "
                    f"{event.failed} failed checks"
                )
        elif isinstance(event, Note):
            self._line(f"  note: {event.message}")
        elif isinstance(event, ViolationFound):
            v = event.violation
            mark = "allowed" if v.allowed else "VIOLATION"
            self._line(f"  {mark} [{v.check}] {v.message}")
        elif isinstance(event, OperationFinished):
            failed = sum(s.violations - s.allowed for s in event.stats.values())
            self._line(f"  {event.operation}: done, {failed} violation(s)")
        elif isinstance(event, RunFinished):
            self.close()
            self._line()
            for line in summary_lines(event.summary):
                self._line(line)


def summary_lines(summary: Summary) -> list[str]:
    """The end-of-run text: tables per operation and per check, then every violation."""
    lines = [
        f"Summary: {summary.spec} at {summary.base_url}: {summary.requests} requests in "
        f"{summary.duration:.1f} s (seed {summary.seed})"
    ]
    header = f"  {'check':<13}{'category':<10}{'ran on':>8}{'failed':>8}{'violations':>12}"
    for operation, stats in summary.stats.items():
        lines += ["", f"{operation}", header]
        for check, s in stats.items():
            if not s.applicable:
                what = f"{'0':>8}  never ran: {s.skipped}" if s.skipped else f"{'n/a':>8}"
                lines.append(f"  {check:<13}{summary.checks.get(check, ''):<10}{what}")
                continue
            extra = f"  ({s.allowed} allowed)" if s.allowed else ""
            extra += f"  ({s.flaky} did not fail again on re-check)" if s.flaky else ""
            lines.append(
                f"  {check:<13}{summary.checks.get(check, ''):<10}{s.runs:>8}"
                f"{s.failed:>8}{s.violations:>12}{extra}"
            )
    totals: dict[str, list[int]] = {}
    for stats in summary.stats.values():
        for check, s in stats.items():
            row = totals.setdefault(check, [0, 0, 0])
            row[0] += s.runs
            row[1] += s.failed
            row[2] += s.violations - s.allowed
    if len(summary.stats) > 1:
        lines += ["", "Per check (all operations)", header]
        for check, (runs, failed, violations) in totals.items():
            lines.append(
                f"  {check:<13}{summary.checks.get(check, ''):<10}{runs:>8}"
                f"{failed:>8}{violations:>12}"
            )
    if summary.violations:
        lines += [
            "",
            f"Violations ({len(summary.failures)} failing, "
            f"{len(summary.violations) - len(summary.failures)} allowed)",
        ]
        for number, v in enumerate(summary.violations, 1):
            lines += ["", *violation_lines(number, v)]
    for note in summary.notes:
        lines.append(f"note: {note}")
    if summary.timed_out:
        lines.append("note: the time limit cut the run short; raise --time-limit to test more")
    if summary.inconclusive and not summary.failures:
        lines += ["", "Not tested (so this run proves nothing about it):"]
        lines += [f"  - {reason}" for reason in summary.inconclusive]
    verdict = {1: "FAILED", 3: "INCONCLUSIVE"}.get(summary.exit_code, "PASSED")
    lines += [
        "",
        f"{verdict}: {len(summary.failures)} violation(s); reproduce this run with "
        f"--seed {summary.seed}",
    ]
    return lines


def violation_lines(number: int, v: Violation) -> list[str]:
    """One violation: the check, a one-line explanation, facts, and the curl reproducer."""
    head = f"{number}. [{v.check}] {v.operation}"
    if v.allowed:
        head += f"  (allowed: {v.allowed})"
    facts = [f"status {v.status}" if v.status is not None else "no response"]
    facts.append(f"found by {v.origin or 'probe'}")
    if v.occurrences > 1:
        facts.append(f"seen {v.occurrences} times")
    if v.shrunk:
        facts.append("shrunk")
    failed, attempts = v.repeated
    if attempts > 1:
        facts.append(f"failed {failed} of {attempts} attempts")
    out = [head, f"   {v.message}", f"   {', '.join(facts)}"]
    if v.curl:
        out.append("   reproduce:")
        out += [f"     {line}" for line in v.curl.splitlines()]
    return out
