"""The command line: the only place errors become exit codes and text for a terminal."""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from recmock import cli_values as values
from recmock.drift.options import add_drift_parser
from recmock.errors import ConfigError, RecmockError
from recmock.record.options import add_record_parser
from recmock.verify.options import add_verify_parser

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 70  # 70: EX_SOFTWARE
MAX_SERVE_WORKERS = 64

DESCRIPTION = """\
recmock: an OpenAPI-first mock server and contract tester for video-conferencing recording
APIs (plugNmeet v1/v2, SignalWire, Zoom Video SDK, Cloudflare RealtimeKit)."""

EPILOG = """\
start here:
  recmock serve                    serve all four APIs on http://127.0.0.1:8000 (keeps running)
  recmock verify signalwire --base-url http://127.0.0.1:8000/api/video \\
      --basic demo-project:demo-token
  recmock scenarios list           the scenarios a server offers

Each serve option can also come from its RECMOCK_* environment variable (see
'recmock serve --help'); an option on the command line wins.
exit status: 0 success, 1 violations or invalid scenarios, 2 usage error, 3 inconclusive
verify run, 70 internal error (a bug: RECMOCK_DEBUG=1 shows its traceback), 130 interrupted."""

_ARGUMENT = re.compile(r"^argument (?P<flag>[^:]+): (?:(?P<env>RECMOCK_\w+): )?(?P<rest>.*)$", re.S)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line naming the flag (or the RECMOCK_* variable)."""

    def error(self, message: str) -> NoReturn:
        """Raise instead of printing usage: `main` prints one line and exits 2."""
        raise ConfigError(f"{one_line(message)} (see '{self.prog} --help')")


def one_line(message: str) -> str:
    """argparse's 'argument --port: expected ...' as '--port: expected ...' on one line."""
    text = " ".join(message.split())
    found = _ARGUMENT.match(text)
    if not found:
        return text
    if found["env"]:
        return f"{found['env']} (for {found['flag']}): {found['rest']}"
    return f"{found['flag']}: {found['rest']}"


def _formatter(prog: str) -> argparse.HelpFormatter:
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=32)


def _option(parser: argparse.ArgumentParser, flag: str, env: str, fallback: str, help: str,
            shown: str = "%(default)s", **kwargs: Any) -> None:  # fmt: skip
    """A flag whose default comes from RECMOCK_<env>, checked by the same `type=` as the flag."""
    parser.add_argument(flag, default=values.env_default(env, fallback),
                        help=f"{help} (default: {shown}; env RECMOCK_{env})", **kwargs)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; defaults come from RECMOCK_* environment variables where they exist."""
    parser = Parser(prog="recmock", description=DESCRIPTION, epilog=EPILOG,
                    formatter_class=_formatter)  # fmt: skip
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_serve_parser(sub)
    add_verify_parser(sub)
    add_drift_parser(sub)
    add_record_parser(sub)
    scenarios = sub.add_parser("scenarios", help="list or check fixture scenarios",
                               formatter_class=_formatter,
                               description="List the scenarios a server offers, or validate "
                               "scenario files before committing them.")  # fmt: skip
    actions = scenarios.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="the scenarios a server would offer")
    check = actions.add_parser("check", help="validate scenario files (default: all of fixtures/)")
    check.add_argument("files", nargs="*", type=values.readable_file, metavar="FILE",
                       help="scenario files to check (default: every *.yaml of the "
                       "--fixtures DIR, else the shipped fixtures)")  # fmt: skip
    for action in (listing, check):
        _add_specs_flag(action)
        _add_fixture_flags(action)
    return parser


def _add_serve_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    serve = sub.add_parser(
        "serve", help="serve every spec on one port", formatter_class=_formatter,
        description="Serve the mock of every spec on one port until Ctrl-C: realistic, seeded\n"
        "recordings, the providers' auth and errors, Swagger UI at <prefix>/ui/.",
    )  # fmt: skip
    _option(serve, "--host", "HOST", "127.0.0.1", "address to listen on (0.0.0.0: every "
            "interface, which exposes the admin API unless --no-admin)", type=values.host,
            metavar="ADDR")  # fmt: skip
    _option(serve, "--port", "PORT", "8000", "TCP port to listen on (1-65535)",
            type=values.port, metavar="N")  # fmt: skip
    _option(serve, "--seed", "SEED", "0", "seed of the generated world: the same seed serves "
            "the same bytes", type=values.seed, metavar="N")  # fmt: skip
    _option(serve, "--now", "NOW", "today", f"world clock: {values.NOW_FORMS}; today = UTC "
            "midnight (stable all day), fixed = 2025-11-24T16:00:00Z, wall = the time at start",
            type=values.now, metavar="TIME")  # fmt: skip
    _option(serve, "--plugnmeet-version", "PLUGNMEET_VERSION", "v2", "plugNmeet API served "
            "at /auth: v1 or v2", type=values.one_of("v1", "v2"), metavar="{v1,v2}")  # fmt: skip
    _option(serve, "--workers", "WORKERS", "1", f"worker processes (1-{MAX_SERVE_WORKERS}; "
            "--watch needs 1)", type=values.integer(1, MAX_SERVE_WORKERS),
            metavar="N")  # fmt: skip
    _option(serve, "--scenario", "SCENARIO", "default", "scenario for requests without "
            "X-Recmock-Scenario (see 'recmock scenarios list')", metavar="NAME")  # fmt: skip
    _add_specs_flag(serve)
    _add_fixture_flags(serve)
    serve.add_argument("--watch", action="store_true", help="reload specs and fixtures on change")
    serve.add_argument("--no-cors", action="store_true", help="send no CORS headers")
    serve.add_argument("--cors-origin", action="append", default=None, type=values.origin,
                       metavar="ORIGIN", help="allowed browser origin, e.g. "
                       "http://localhost:3000 (repeatable; default: any)")  # fmt: skip
    serve.add_argument("--no-admin", action="store_true", help="disable the /__recmock/ admin API")
    _option(serve, "--state", "STATE", "", "where the mutable state lives: memory (one worker), "
            "local (shared by --workers on this machine), redis://HOST:PORT/DB (replicas)",
            shown="memory, or local with --workers", metavar="URL")  # fmt: skip
    _option(serve, "--admin-token", "ADMIN_TOKEN", "", "admin API for any client sending "
            "Authorization: Bearer TOKEN (else loopback only)", shown="none",
            metavar="TOKEN")  # fmt: skip
    serve.add_argument("--clock-speed", default=0.0, type=clock_speed, metavar="N",
                       help="world seconds per real second from start-up (default: 0, the "
                       "clock moves only through POST /__recmock/clock)")  # fmt: skip
    serve.add_argument("--webhook", action="append", default=None, type=webhook_target,
                       metavar="PROVIDER=URL", help="POST PROVIDER's recording webhooks "
                       "(zoom, plugnmeet, cloudflare) to URL (repeatable)")  # fmt: skip
    _option(serve, "--log-level", "LOG_LEVEL", "info", "uvicorn's log level: "
            + ", ".join(values.LOG_LEVELS), type=values.log_level, metavar="LEVEL")  # fmt: skip
    creds = serve.add_argument_group("credentials the mock accepts (env values are never shown)")
    creds.add_argument(
        "--zoom-webhook-secret", metavar="VALUE", type=values.non_empty,
        default=values.env_default("ZOOM_WEBHOOK_SECRET", "demo-webhook-secret"),
        help="Zoom's webhook secret token, signs x-zm-signature (default: demo-webhook-secret, "
        "env RECMOCK_ZOOM_WEBHOOK_SECRET)",
    )  # fmt: skip
    creds.add_argument(
        "--cloudflare-webhook-key", metavar="FILE.pem", type=values.rsa_key_file,
        default=values.env_default("CLOUDFLARE_WEBHOOK_KEY", ""),
        help="RSA private key (PEM) that signs rtk-signature; give every replica the same one "
        "(default: one made at start-up and shared by --workers; env "
        "RECMOCK_CLOUDFLARE_WEBHOOK_KEY)",
    )  # fmt: skip
    for flag, env, default in CREDENTIAL_FLAGS:
        # The help names the variable but never its value: it may hold a real secret.
        creds.add_argument(
            flag, default=values.env_default(env, default), metavar="VALUE",
            type=values.non_empty, help=f"default: {default} (env RECMOCK_{env})",
        )  # fmt: skip


def clock_speed(value: str) -> float:
    """--clock-speed N: 0 (frozen) to 1e6 world seconds per real second."""
    try:
        speed = float(value)
    except ValueError:
        speed = -1.0
    if not 0 <= speed <= 1_000_000:
        raise argparse.ArgumentTypeError(f"expected 0 to 1000000 world seconds per real second, "
                                         f"got {value[:40]!r}")  # fmt: skip
    return speed


def webhook_target(value: str) -> tuple[str, str]:
    """--webhook PROVIDER=URL: a provider that sends recording webhooks and an http(s) URL."""
    from recmock.webhooks.live import target_problem

    provider, sep, url = value.partition("=")
    problem = target_problem(provider, url if sep else None)
    if problem:
        raise argparse.ArgumentTypeError(f"PROVIDER=URL: {problem}")
    return provider, url


def _add_specs_flag(parser: argparse.ArgumentParser) -> None:
    _option(parser, "--specs", "SPECS", "", "directory of <provider>/<name>.yaml specs",
            shown="the shipped specs", type=values.directory, metavar="DIR")  # fmt: skip


def _add_fixture_flags(parser: argparse.ArgumentParser) -> None:
    _option(parser, "--fixtures", "FIXTURES", "", "also offer DIR's *.yaml scenarios (one "
            "named like a shipped scenario wins)", shown="none", type=values.directory,
            metavar="DIR")  # fmt: skip
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
    try:
        args = build_parser().parse_args(argv)
        if args.command == "serve":
            from recmock.server.run import serve

            return serve(args)
        if args.command == "scenarios":
            from recmock.server.scenario_command import run_scenarios

            return run_scenarios(args)
        if args.command == "verify":
            from recmock.verify.command import run_verify

            return run_verify(args)
        if args.command == "drift":
            from recmock.drift.command import run_drift

            return run_drift(args)
        if args.command == "record":
            from recmock.record.command import run_record

            return run_record(args)
    except RecmockError as exc:
        print(f"recmock: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130  # interrupted: never report an unfinished run as a pass
    except Exception as exc:  # a bug of ours: one line that says so, the traceback on request
        if os.environ.get("RECMOCK_DEBUG"):
            raise
        detail = " ".join(str(exc).split())[:200]
        print(f"recmock: internal error (a bug in recmock, please report it): "
              f"{type(exc).__name__}: {detail} (RECMOCK_DEBUG=1 shows the traceback)",
              file=sys.stderr)  # fmt: skip
        return EXIT_INTERNAL
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
