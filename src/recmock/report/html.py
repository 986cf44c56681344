"""A self-contained HTML report: one file, inline CSS, no scripts, fonts or remote assets."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from recmock.report.junit import clean
from recmock.verify.events import RunFinished, RunStarted, Summary, Violation

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#1d2329;
padding:0 1rem}
h1{font-size:1.4rem;margin-bottom:.2rem}h2{font-size:1.1rem;margin-top:2rem}
.meta{color:#555}.pass{color:#116b2e}.fail{color:#b3261e}.allowed{color:#8a5a00}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.25rem .6rem;border-bottom:1px solid #e3e6e8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:.7rem;font-weight:600;color:#fff}
.badge.pass{background:#116b2e}.badge.fail{background:#b3261e}.badge.allowed{background:#8a5a00}.badge.inconclusive{background:#8a5a00}.inconclusive{color:#8a5a00}
details{border:1px solid #e3e6e8;border-radius:.4rem;margin:.6rem 0;padding:.4rem .8rem}
summary{cursor:pointer;font-weight:600}
pre{background:#f4f6f8;padding:.6rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
"""


class HtmlReporter:
    """Writes the report when the run finishes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started: RunStarted | None = None

    def handle(self, event: Any) -> None:
        """Remember the run's header; write everything at the end."""
        if isinstance(event, RunStarted):
            self.started = event
        elif isinstance(event, RunFinished):
            self.path.write_text(render(event.summary, self.started), encoding="utf-8")


def _e(value: object) -> str:
    return html.escape(clean(str(value)), quote=True)


def render(summary: Summary, started: RunStarted | None = None) -> str:
    """The whole report as one HTML document."""
    verdict = {1: "fail", 3: "inconclusive"}.get(summary.exit_code, "pass")
    title = started.title if started else summary.spec
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>recmock verify: {_e(title)}</title><style>{STYLE}</style></head><body>",
        f"<h1>recmock verify: {_e(title)} "
        f'<span class="badge {verdict}">{verdict.replace("fail", "failed").upper()}</span></h1>',
        f'<p class="meta">{_e(summary.spec)} at <code>{_e(summary.base_url)}</code> · '
        f"{summary.requests} requests in {summary.duration:.1f} s · seed {summary.seed} · "
        f"{datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}</p>",
    ]
    if started is not None:
        parts.append(
            f'<p class="meta">auth: {_e(started.auth)} · {started.max_examples} '
            f"examples per mode · {started.workers} workers</p>"
        )
    for operation, stats in summary.stats.items():
        parts.append(
            f"<h2>{_e(operation)}</h2><table><tr><th>check</th><th>category</th>"
            "<th>ran on</th><th>failed</th><th>violations</th><th>allowed</th></tr>"
        )
        for check, s in stats.items():
            if not s.applicable:
                parts.append(
                    f"<tr><td>{_e(check)}</td><td>{_e(summary.checks.get(check, ''))}"
                    f'</td><td class="n" colspan="4">'
                    f"{_e('never ran: ' + s.skipped) if s.skipped else 'not applicable'}</td></tr>"
                )
                continue
            css = "fail" if s.violations - s.allowed else "pass"
            parts.append(
                f'<tr><td class="{css}">{_e(check)}</td><td>{_e(summary.checks.get(check, ""))}'
                f'</td><td class="n">{s.runs}</td><td class="n">{s.failed}</td>'
                f'<td class="n">{s.violations}</td><td class="n">{s.allowed}</td></tr>'
            )
        parts.append("</table>")
    parts.append(
        f"<h2>Violations ({len(summary.failures)} failing, "
        f"{len(summary.violations) - len(summary.failures)} allowed)</h2>"
    )
    if not summary.violations:
        parts.append('<p class="pass">No violations.</p>')
    if summary.inconclusive and not summary.failures:
        parts.append('<h2 class="inconclusive">Not tested: this run proves nothing about</h2><ul>')
        parts += [f"<li>{_e(reason)}</li>" for reason in summary.inconclusive]
        parts.append("</ul>")
    parts += [_violation(n, v) for n, v in enumerate(summary.violations, 1)]
    if summary.notes or summary.timed_out:
        parts.append("<h2>Notes</h2><ul>")
        parts += [f"<li>{_e(note)}</li>" for note in summary.notes]
        if summary.timed_out:
            parts.append("<li>The time limit cut the run short.</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _violation(number: int, v: Violation) -> str:
    css = "allowed" if v.allowed else "fail"
    facts = [
        f"status {v.status}" if v.status is not None else "no response",
        f"found by {v.origin or 'probe'}",
        f"seen {v.occurrences} times",
    ]
    if v.shrunk:
        facts.append("shrunk")
    allowed = f'<p class="allowed">Allowed: {_e(v.allowed)}</p>' if v.allowed else ""
    response = f"<p>Response:</p><pre>{_e(v.response)}</pre>" if v.response else ""
    curl = f"<p>Reproduce:</p><pre>{_e(v.curl)}</pre>" if v.curl else ""
    return (
        f'<details open><summary><span class="badge {css}">{_e(v.check)}</span> '
        f"{number}. {_e(v.message)}</summary><p>{_e(v.operation)} · {_e(', '.join(facts))}</p>"
        f"{allowed}{curl}{response}</details>"
    )
