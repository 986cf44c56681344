"""The command line: the only place errors become exit codes and text for a terminal."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from recmock.errors import RecmockError
from recmock.verify.options import add_verify_parser

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2


def _env(name: str, default: str) -> str:
    return os.environ.get(f"RECMOCK_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; defaults come from RECMOCK_* environment variables where they exist."""
    parser = argparse.ArgumentParser(prog="recmock", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve every spec on one port")
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(_env("PORT", "8000")))
    serve.add_argument("--seed", type=int, default=int(_env("SEED", "0")))
    serve.add_argument(
        "--now", default=_env("NOW", ""), help="world clock: unix seconds, RFC 3339 or 'wall'"
    )
    serve.add_argument(
        "--plugnmeet-version", choices=["v1", "v2"], default=_env("PLUGNMEET_VERSION", "v2")
    )
    serve.add_argument("--workers", type=int, default=int(_env("WORKERS", "1")))
    serve.add_argument("--scenario", default=_env("SCENARIO", "default"), help="default scenario")
    serve.add_argument("--specs", default=_env("SPECS", ""), help="specs directory")
    _add_fixture_flags(serve)
    serve.add_argument("--watch", action="store_true", help="reload specs and fixtures on change")
    serve.add_argument("--no-cors", action="store_true", help="send no CORS headers")
    serve.add_argument("--cors-origin", action="append", default=None,
                       help="allowed browser origin (repeatable; default any)")  # fmt: skip
    serve.add_argument("--no-admin", action="store_true", help="disable the /__recmock/ admin API")
    serve.add_argument("--log-level", default=_env("LOG_LEVEL", "info"))
    for flag, env, default in CREDENTIAL_FLAGS:
        serve.add_argument(flag, default=_env(env, default), help=f"(env RECMOCK_{env})")
    add_verify_parser(sub)
    scenarios = sub.add_parser("scenarios", help="list or check fixture scenarios")
    actions = scenarios.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the scenarios a server would offer")
    check = actions.add_parser("check", help="validate scenario files (default: all of fixtures/)")
    check.add_argument("files", nargs="*", help="scenario files to check")
    for action in (listing, check):
        action.add_argument("--specs", default=_env("SPECS", ""), help="specs directory")
        _add_fixture_flags(action)
    return parser


def _add_fixture_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--fixtures", default=_env("FIXTURES", ""), metavar="DIR",
        help="also offer DIR's *.yaml scenarios (one named like a shipped scenario wins) "
        "(env RECMOCK_FIXTURES)",
    )  # fmt: skip
    parser.add_argument(
        "--only-fixtures", action="store_true",
        help="offer only --fixtures DIR's scenarios, not the shipped ones",
    )  # fmt: skip


def _version() -> str:
    """The installed distribution's version (a bare checkout on sys.path has none)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("recmock")
    except PackageNotFoundError:
        from recmock import __version__

        return __version__


CREDENTIAL_FLAGS = [
    ("--plugnmeet-key", "PLUGNMEET_KEY", "demo-key"),
    ("--plugnmeet-secret", "PLUGNMEET_SECRET", "demo-secret"),
    ("--signalwire-project", "SIGNALWIRE_PROJECT", "demo-project"),
    ("--signalwire-token", "SIGNALWIRE_TOKEN", "demo-token"),
    ("--zoom-key", "ZOOM_KEY", "demo-key"),
    ("--zoom-secret", "ZOOM_SECRET", "demo-secret"),
    ("--cloudflare-token", "CLOUDFLARE_TOKEN", "demo-token"),
    ("--cloudflare-account", "CLOUDFLARE_ACCOUNT", "023e105f4ecef8ad9ca31a8372d0c353"),
]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `recmock` console script."""
    args = build_parser().parse_args(argv)
    try:
        if args.command == "serve":
            from recmock.server.run import serve

            return serve(args)
        if args.command == "scenarios":
            from recmock.server.scenario_command import run_scenarios

            return run_scenarios(args)
        if args.command == "verify":
            from recmock.verify.command import run_verify

            return run_verify(args)
    except RecmockError as exc:
        print(f"recmock: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130  # interrupted: never report an unfinished run as a pass
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
