"""JUnit XML for CI systems: one test case per operation and check.

A case fails when the check has violations the allow-list did not accept; it is skipped when the
check never ran on the operation (no paging rules; or nothing to look at, with the reason), and
an inconclusive run (exit 3) adds a failing `coverage` case, so dashboards stay honest.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from recmock.report.console import violation_lines
from recmock.verify.events import RunFinished, Summary


class JUnitReporter:
    """Writes the file when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def handle(self, event: Any) -> None:
        """Only the final summary matters here."""
        if isinstance(event, RunFinished):
            self.path.write_bytes(render(event.summary))


def render(summary: Summary) -> bytes:
    """The whole document as UTF-8 bytes."""
    root = ET.Element("testsuites", name=f"recmock verify {summary.spec}")
    total_tests = total_failures = total_skipped = 0
    for operation, stats in summary.stats.items():
        suite = ET.SubElement(root, "testsuite", name=operation)
        tests = failures = skipped = 0
        for check, s in stats.items():
            tests += 1
            case = ET.SubElement(suite, "testcase", classname=operation, name=check)
            found = [v for v in summary.violations if v.operation == operation and v.check == check]
            failing = [v for v in found if v.is_failure]
            if failing:
                failures += 1
                text = "\n\n".join("\n".join(violation_lines(i, v)) for i, v in enumerate(found, 1))
                ET.SubElement(
                    case,
                    "failure",
                    message=clean(failing[0].message),
                    type=summary.checks.get(check, check),
                ).text = clean(text)
            elif not s.applicable:
                skipped += 1
                why = f"never ran: {s.skipped}" if s.skipped else "not applicable to this operation"
                ET.SubElement(case, "skipped", message=clean(why))
            elif found:
                ET.SubElement(case, "system-out").text = clean(
                    "\n".join(f"allowed: {v.message} ({v.allowed})" for v in found)
                )
            else:
                ET.SubElement(case, "system-out").text = f"ran on {s.runs}, {s.passed} passed"
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        suite.set("time", f"{summary.duration:.3f}")
        total_tests, total_failures = total_tests + tests, total_failures + failures
        total_skipped += skipped
    if summary.inconclusive and not summary.failures:
        # A run that tested nothing must not read as green: one failing case says what to add.
        suite = ET.SubElement(root, "testsuite", name="coverage", tests="1", failures="1")
        case = ET.SubElement(suite, "testcase", classname="coverage", name="inconclusive")
        ET.SubElement(
            case,
            "failure",
            message="inconclusive: some operations were never tested",
            type="inconclusive",
        ).text = clean("\n".join(summary.inconclusive))
        total_tests, total_failures = total_tests + 1, total_failures + 1
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    root.set("time", f"{summary.duration:.3f}")
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry (a server may send any byte)."""
    return _NOT_XML.sub("\ufffd", text)
