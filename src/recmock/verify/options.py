"""The `recmock verify` command line. Light imports only: `recmock serve` loads this module too."""

from __future__ import annotations

import argparse

from recmock import cli_values as values

# Defaults sized so a whole provider takes seconds against a local mock and stays far inside
# two minutes against a remote staging deployment; --time-limit is the hard cap.
DEFAULT_MAX_EXAMPLES = 250
DEFAULT_TIME_LIMIT = 90.0
DEFAULT_WORKERS = 4
MAX_EXAMPLES = 1_000_000
MAX_WORKERS = 64
DEFAULT_TIMEOUT = 10.0

EPILOG = """\
exit status: 0 conforms and every operation returned records, 1 violations found,
2 usage error, unreadable spec or unreachable target, 3 inconclusive (no violations, but some
operation never returned records or a check could not run: give known ids with --param).

examples:
  recmock verify signalwire --base-url https://SPACE.signalwire.com/api/video \\
      --basic "$SW_PROJECT:$SW_TOKEN" --param id=5ee8b016-0818-4425-9a59-cac9fc5e1f92
  recmock verify zoom --config contract/verify.yaml
  recmock verify plugnmeet --base-url https://meet.example.com/auth \\
      --plugnmeet-key "$PNM_KEY" --plugnmeet-secret "$PNM_SECRET" --junit-xml verify.xml
"""


def add_verify_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register `recmock verify` (owned by the verify package)."""
    verify = sub.add_parser(
        "verify",
        help="contract-test a deployment against the specs",
        description="Contract-test a deployment: schema, auth, negative and semantic checks.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    verify.add_argument(
        "provider",
        nargs="?",
        default="",
        help="plugnmeet (v2 doc), plugnmeet-v1, signalwire, zoom or cloudflare",
    )
    verify.add_argument(
        "--spec",
        default="",
        type=values.readable_file,
        metavar="FILE",
        help="verify any OpenAPI 3.1 file",
    )
    verify.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="API root including the spec's path prefix, e.g. http://127.0.0.1:8000/client/v4 "
        "(required unless --config gives it)",
    )
    verify.add_argument(
        "--config",
        default="",
        type=values.readable_file,
        metavar="FILE.yaml",
        help="per-provider settings: base_url, auth (values may be ${ENV_VAR}), params, allow, "
        "limits; flags given on the command line win",
    )
    verify.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a value that exists on the target (repeatable; repeat a name for several values; "
        "optional path./query./body. prefix; VALUE may be ${ENV_VAR}), e.g. --param id=UUID",
    )
    add_auth_options(
        verify.add_argument_group("authentication (secrets are redacted in every output)")
    )
    run = verify.add_argument_group("run")
    run.add_argument(
        "--max-examples",
        type=values.integer(1, MAX_EXAMPLES),
        default=DEFAULT_MAX_EXAMPLES,
        metavar="N",
        help=f"generated requests per operation and mode (default {DEFAULT_MAX_EXAMPLES})",
    )
    run.add_argument(
        "--time-limit",
        type=values.positive_seconds,
        default=DEFAULT_TIME_LIMIT,
        metavar="SECONDS",
        help=f"stop sending new requests after this long (default {DEFAULT_TIME_LIMIT:g})",
    )
    run.add_argument(
        "--seed",
        type=values.seed,
        default=None,
        metavar="N",
        help="reproduce a run (default: random, printed)",
    )
    run.add_argument(
        "--workers",
        type=values.integer(1, MAX_WORKERS),
        default=DEFAULT_WORKERS,
        metavar="N",
        help=f"concurrent requests (default {DEFAULT_WORKERS})",
    )
    run.add_argument(
        "--timeout",
        type=values.positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="per-request timeout (default 10)",
    )
    run.add_argument(
        "--allow",
        default="",
        type=values.readable_file,
        metavar="FILE.yaml",
        help="accepted deviations: [{check, operation, reason, match}]",
    )
    out = verify.add_argument_group("reports")
    out.add_argument(
        "--junit-xml",
        default="",
        type=values.writable_file,
        metavar="FILE",
        help="JUnit XML for CI (checked writable before the run starts)",
    )
    out.add_argument(
        "--report",
        default="",
        type=values.writable_file,
        metavar="FILE.html",
        help="self-contained HTML report (checked writable before the run starts)",
    )
    out.add_argument(
        "--quiet-progress",
        action="store_true",
        help="plain lines instead of a live display (automatic when CI=true)",
    )
    # Unset run limits stay None so a --config file can fill them; config_from_args applies
    # the defaults (the help texts above name them).
    verify.set_defaults(max_examples=None, time_limit=None, workers=None, timeout=None)


def add_auth_options(auth: argparse._ArgumentGroup) -> None:
    """The credential flags verify and drift share (drift sends them to both sides)."""
    auth.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="send this header with every request (repeatable)",
    )
    auth.add_argument("--basic", default="", metavar="USER:PASS", help="HTTP Basic credentials")
    auth.add_argument("--bearer", default="", metavar="TOKEN", help="Authorization: Bearer TOKEN")
    auth.add_argument(
        "--plugnmeet-key",
        default="",
        metavar="KEY",
        help="plugNmeet API key (with --plugnmeet-secret)",
    )
    auth.add_argument(
        "--plugnmeet-secret",
        default="",
        metavar="SECRET",
        help="sign every body (HMAC-SHA256) like plugNmeet",
    )
    auth.add_argument(
        "--zoom-key", default="", metavar="KEY", help="Zoom Video SDK key (with --zoom-secret)"
    )
    auth.add_argument(
        "--zoom-secret",
        default="",
        metavar="SECRET",
        help="mint HS256 JWTs (iss = key) like the Zoom Video SDK",
    )
