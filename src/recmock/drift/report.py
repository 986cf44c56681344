"""Drift results as text: console lines, JUnit XML, one self-contained HTML page.

Every string passes through `redact` before it is written: a target may echo a credential.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

from recmock.drift.run import OperationDrift

Redact = Callable[[str], str]
SHOWN = 20  # differences listed per operation on the console


def _status(result: OperationDrift, min_score: float) -> str:
    return "ok" if result.score >= min_score else "DRIFT"


def console_lines(results: Sequence[OperationDrift], min_score: float, redact: Redact) -> list[str]:
    """The summary a terminal shows: one line per operation, then its ranked differences."""
    out = []
    for r in results:
        out.append(
            f"{_status(r, min_score):5} {r.operation}: fidelity {r.score:.3f} "
            f"({r.requests} requests, {len(r.differences)} differences, {r.unanswered} unanswered)"
        )
        for d in r.differences[:SHOWN]:
            out.append(f"      {redact(d.describe())}")
        if len(r.differences) > SHOWN:
            out.append(f"      ... {len(r.differences) - SHOWN} more (see --report)")
    worst = min((r.score for r in results), default=1.0)
    out.append(f"lowest fidelity {worst:.3f} (--min-score {min_score:g})")
    return out


def junit_xml(results: Sequence[OperationDrift], min_score: float, redact: Redact) -> bytes:
    """One test case per operation; below `min_score` it fails with the differences as text."""
    root = ET.Element("testsuites", name="recmock drift")
    suite = ET.SubElement(root, "testsuite", name="recmock drift", tests=str(len(results)))
    failures = 0
    for r in results:
        case = ET.SubElement(suite, "testcase", classname="drift", name=r.operation)
        if r.score < min_score:
            failures += 1
            failure = ET.SubElement(
                case, "failure", message=f"fidelity {r.score:.3f} below {min_score:g}", type="drift"
            )
            failure.text = redact("\n".join(d.describe() for d in r.differences))
    suite.set("failures", str(failures))
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def html_page(results: Sequence[OperationDrift], min_score: float, redact: Redact) -> str:
    """A page with a table per operation: score, then each difference and its side."""
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>recmock drift</title>",
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:left}"
        ".DRIFT{color:#b00}.ok{color:#070}</style></head><body><h1>recmock drift</h1>",
    ]
    for r in results:
        verdict = _status(r, min_score)
        parts.append(
            f"<h2 class='{verdict}'>{html.escape(r.operation)}: fidelity {r.score:.3f} "
            f"({verdict})</h2><p>{r.requests} requests, {r.unanswered} unanswered</p>"
        )
        parts.append("<table><tr><th>only on</th><th>kind</th><th>weight</th><th>fact</th></tr>")
        for d in r.differences:
            parts.append(
                f"<tr><td>{d.only_on}</td><td>{d.fact.kind}</td><td>{d.fact.weight:g}</td>"
                f"<td>{html.escape(redact(d.fact.describe()))}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)
