"""Reporters turn one Summary into console text, JUnit XML and a self-contained HTML page."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from recmock.report.console import ConsoleReporter, summary_lines
from recmock.report.html import HtmlReporter
from recmock.report.junit import JUnitReporter
from recmock.verify.events import (
    CheckStats,
    Note,
    PhaseStarted,
    Progress,
    RunFinished,
    RunStarted,
    Summary,
    Violation,
    ViolationFound,
)

OP = "GET /things/{id} (getThing)"
NASTY = 'answered 200 with <script>alert("x")</script> and \x00\x1b[31m bytes'


def summary() -> Summary:
    failing = Violation(
        "schema",
        "schema",
        OP,
        NASTY,
        "curl -sS -X GET 'http://h/things/1'",
        status=200,
        response="<b>\x07</b>",
        origin="fuzz",
        occurrences=3,
        shrunk=True,
    )
    allowed = Violation(
        "negative",
        "negative",
        OP,
        "invalid input accepted with 200",
        "curl -sS http://h/things/2",
        status=200,
        allowed="fix pending (T-9)",
    )
    stats = {
        "schema": CheckStats(passed=10, failed=3, violations=1),
        "negative": CheckStats(passed=5, failed=1, violations=1, allowed=1),
        "paging": CheckStats(),
    }
    return Summary(
        spec="things/api",
        base_url="http://h",
        seed=5,
        requests=42,
        duration=1.5,
        violations=(failing, allowed),
        stats={OP: stats},
        checks={"schema": "schema", "negative": "negative", "paging": "semantic"},
        notes=("a note",),
    )


def test_junit_xml_parses_and_counts() -> None:
    """One case per check: failing, passing-with-allowed, skipped when not applicable."""
    root = ET.fromstring(_junit(summary()))
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("3", "1", "1")
    cases = {c.get("name"): c for c in root.iter("testcase")}
    failure = cases["schema"].find("failure")
    assert failure is not None and "<script>" in (failure.get("message") or "")
    assert "curl -sS" in (failure.text or "")
    assert cases["negative"].find("failure") is None
    assert cases["paging"].find("skipped") is not None


def _junit(s: Summary) -> bytes:
    from recmock.report.junit import render

    return render(s)


def test_reporters_write_files_on_run_finished(tmp_path: Path) -> None:
    """Both file reporters wait for the last event, then write parseable files."""
    junit, page = tmp_path / "r.xml", tmp_path / "r.html"
    reporters = [JUnitReporter(junit), HtmlReporter(page)]
    for event in (_started(), RunFinished(summary())):
        for reporter in reporters:
            reporter.handle(event)
    ET.parse(junit)
    assert page.read_text().startswith("<!DOCTYPE html>")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    """No script, no stylesheet link, no remote URL in any attribute; content is escaped."""
    from recmock.report.html import render

    page = render(summary(), _started())
    collector = _Collector()
    collector.feed(page)
    tags = {tag for tag, _ in collector.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    for _, attrs in collector.tags:
        for value in attrs.values():
            assert not re.match(r"(https?:)?//", value or "")
    assert "&lt;script&gt;" in page and "\x00" not in page
    assert "fix pending (T-9)" in page and "FAILED" in page


def test_console_summary_has_tables_violations_and_reproducers() -> None:
    """Per-check counts, every violation with its explanation and curl, then the verdict."""
    lines = summary_lines(summary())
    text = "\n".join(lines)
    assert re.search(r"schema\s+schema\s+13\s+3\s+1", text)  # ran on = passed + failed
    assert re.search(r"paging\s+semantic\s+n/a", text)
    assert (
        "1. [schema] " + OP in text and "2. [negative]" in text and "allowed: fix pending" in text
    )
    assert "reproduce:" in text and "     curl -sS -X GET 'http://h/things/1'" in text
    assert "found by fuzz, seen 3 times, shrunk" in text
    assert lines[-1].startswith("FAILED: 1 violation(s)") and "--seed 5" in lines[-1]


def test_console_progress_is_live_on_a_tty_and_plain_in_ci() -> None:
    """Live mode (rich) redraws a progress line and colours the verdict; plain mode prints
    phases with no escape sequence at all, and neither passes a target's control bytes on."""
    events = [
        _started(),
        PhaseStarted(OP, "fuzz"),
        Progress(OP, "fuzz", 10, 0),
        Note("slow target", OP),
        ViolationFound(summary().violations[0]),
        RunFinished(summary()),
    ]
    plain, live = io.StringIO(), io.StringIO()
    plain_reporter, live_reporter = (
        ConsoleReporter(plain, live=False),
        ConsoleReporter(live, live=True),
    )
    for event in events:
        plain_reporter.handle(event)
        live_reporter.handle(event)
    text = plain.getvalue()
    assert "\r" not in text and "\x1b" not in text and f"  {OP}: fuzz" in text
    assert "VIOLATION [schema]" in text and "note: slow target" in text
    assert "\\x1b[31m" in text and "\\x00" in text  # the target's bytes, shown escaped
    assert text.splitlines()[-1].startswith("FAILED: 1 violation(s)")
    drawn = live.getvalue()
    assert "10 requests" in drawn and "\x1b[2K" in drawn  # the progress line, redrawn
    assert "\x1b[1;31mFAILED" in drawn  # the verdict in bold red
    assert "\x1b[31m bytes" not in drawn  # never the target's own escape sequence


def _started() -> RunStarted:
    return RunStarted(
        spec="things/api",
        title="Things",
        base_url="http://h",
        operations=(OP,),
        checks=("schema",),
        seed=5,
        max_examples=10,
        time_limit=30.0,
        workers=2,
        auth="bearer ***",
    )
