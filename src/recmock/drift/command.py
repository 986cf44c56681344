"""`recmock drift`: flags -> verify's config + a mock URL -> results -> reports -> exit code."""

from __future__ import annotations

import argparse
import sys
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO

from recmock.cli_values import write_problem
from recmock.drift.report import console_lines, html_page, junit_xml
from recmock.drift.run import DriftConfig, drift
from recmock.errors import ConfigError, TargetError
from recmock.verify.config import check_base_url, config_from_args
from recmock.verify.credentials import Redactor


def _mock(args: argparse.Namespace) -> AbstractContextManager[str]:
    """The mock's root URL: --mock as given, or an in-process `recmock serve` on loopback."""
    if args.mock:
        return nullcontext(args.mock.rstrip("/"))
    from recmock.drift.mock import InProcessMock, mock_credentials
    from recmock.server.run import ServeConfig

    verify = config_from_args(args)
    variant = "v1" if args.provider == "plugnmeet-v1" else "v2"
    return InProcessMock(
        ServeConfig(
            credentials=mock_credentials(verify.credentials, verify.known),
            variants={"plugnmeet": variant},
            fixtures_dir=args.fixtures,
            scenario=args.scenario,
            admin=False,
        )
    )


def run_drift(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    """One drift run; 0 all operations >= --min-score, 1 some below (usage errors raise)."""
    out = stream or sys.stdout
    args.base_url = args.target
    try:  # the target URL, auth and --param, checked like verify's
        verify = config_from_args(args)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("--base-url", "--target")) from None
    for flag, value in (("--junit-xml", args.junit_xml), ("--report", args.report)):
        problem = write_problem(Path(value)) if value else ""
        if problem:
            raise ConfigError(f"{flag}: cannot write {value!r}: {problem}")
    if args.scenario != "default" and args.mock:
        raise ConfigError("--scenario: only for the in-process mock; start yours with it instead")
    redact = Redactor(verify.credentials)
    with _mock(args) as root:
        mock_url = root if args.mock else root + verify.spec.prefix
        try:
            mock_url = check_base_url(mock_url, verify.spec)
        except ConfigError as exc:
            raise ConfigError(str(exc).replace("--base-url", "--mock")) from None
        config = DriftConfig(verify=verify, mock_url=mock_url, min_score=args.min_score)
        results = list(drift(config))
    for result in results:
        if result.requests and result.unanswered == result.requests:
            side, error = next(iter(result.silent.items()))
            url = verify.base_url if side == "--target" else mock_url
            raise TargetError(
                f"{side} {url}: no answer for {result.operation} ({redact(error)[:160]}); "
                "is the server running and the URL right?"
            )
    for line in console_lines(results, args.min_score, redact):
        print(line, file=out)
    if args.junit_xml:
        Path(args.junit_xml).write_bytes(junit_xml(results, args.min_score, redact))
    if args.report:
        Path(args.report).write_text(html_page(results, args.min_score, redact), encoding="utf-8")
    return 1 if any(r.score < args.min_score for r in results) else 0
