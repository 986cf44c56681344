"""The `recmock drift` command line: verify's target, auth and known-data flags, plus the mock."""

from __future__ import annotations

import argparse

from recmock import cli_values as values
from recmock.verify.options import add_auth_options

DEFAULT_MAX_EXAMPLES = 25
DEFAULT_TIME_LIMIT = 60.0
DEFAULT_MIN_SCORE = 0.9

EPILOG = """\
fidelity: per operation, the weighted Jaccard similarity of the shape facts (statuses, field
types and nullability, formats, enum values, content type, paging links) both sides showed for
the same requests; 1.0 = indistinguishable (README "Drift").
exit status: 0 every operation >= --min-score, 1 some operation below it, 2 usage error or
unreachable target.

example:
  recmock drift signalwire --target https://SPACE.signalwire.com/api/video \\
      --basic "$SW_PROJECT:$SW_TOKEN" --param id=$SESSION --min-score 0.95 --report drift.html
"""


def min_score(value: str) -> float:
    """A score bound in [0, 1]."""
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {value!r}")
    return number


def add_drift_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register `recmock drift` (owned by the drift package)."""
    drift = sub.add_parser(
        "drift",
        help="measure how far the mock's answers are from a target's",
        description="Send the same requests to a target and to the mock; score each operation.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drift.add_argument("provider", help="plugnmeet, plugnmeet-v1, signalwire, zoom or cloudflare")
    drift.add_argument(
        "--target",
        required=True,
        metavar="URL",
        help="the real API root including the spec's prefix",
    )
    drift.add_argument(
        "--mock",
        default="",
        metavar="URL",
        help="a running `recmock serve` API root (default: start one in-process "
        "on a free loopback port)",
    )
    drift.add_argument(
        "--fixtures",
        default="",
        type=values.directory,
        metavar="DIR",
        help="for the in-process mock: also offer DIR's scenarios",
    )
    drift.add_argument(
        "--scenario",
        default="default",
        metavar="NAME",
        help="for the in-process mock: the scenario it serves (default: default)",
    )
    drift.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value that exists on the target, as for verify (repeatable)",
    )
    add_auth_options(drift.add_argument_group("authentication (sent to both sides; redacted)"))
    run = drift.add_argument_group("run")
    run.add_argument(
        "--max-examples",
        type=values.integer(1, 10_000),
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"requests per operation (default {DEFAULT_MAX_EXAMPLES})",
    )
    run.add_argument(
        "--time-limit",
        type=values.positive_seconds,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help=f"hard end of the run (default {DEFAULT_TIME_LIMIT:g})",
    )
    run.add_argument(
        "--seed",
        type=values.seed,
        default=0,
        metavar="N",
        help="the generator's seed (default 0: the same requests every night)",
    )
    run.add_argument(
        "--workers",
        type=values.integer(1, 64),
        default=4,
        metavar="N",
        help="concurrent requests per side (default 4)",
    )
    run.add_argument(
        "--timeout",
        type=values.positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default 10)",
    )
    run.add_argument(
        "--min-score",
        type=min_score,
        default=DEFAULT_MIN_SCORE,
        metavar="X",
        help=f"exit 1 when an operation scores below X (default {DEFAULT_MIN_SCORE:g})",
    )
    out = drift.add_argument_group("reports")
    out.add_argument(
        "--junit-xml",
        default="",
        type=values.writable_file,
        metavar="FILE",
        help="JUnit XML, one case per operation (default: none)",
    )
    out.add_argument(
        "--report",
        default="",
        type=values.writable_file,
        metavar="FILE.html",
        help="self-contained HTML report (default: none)",
    )
    # What verify's config reader expects and drift does not offer.
    drift.set_defaults(spec="", config="", allow="")
