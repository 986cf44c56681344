"""The `recmock record` command line. Light imports only: every `recmock` command loads it."""

from __future__ import annotations

import argparse

from recmock import cli_values as values


def add_record_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    """Register `recmock record` (owned by the record package)."""
    record = sub.add_parser(
        "record",
        help="proxy a real API, validate every answer, write the records as a scenario",
        description="Forward every request on 127.0.0.1:PORT to --target unchanged (your own "
        "credentials pass through), print spec violations live, and on Ctrl-C/SIGTERM write "
        "a closed-world scenario that `recmock serve --fixtures DIR --scenario NAME` serves. "
        "Secrets are never written; names and emails become seeded fakes.",
    )
    record.add_argument("provider", help="plugnmeet, plugnmeet-v1, signalwire, zoom or cloudflare")
    record.add_argument("--target", required=True, metavar="URL", help="the real API root")
    record.add_argument("--port", required=True, type=values.port, metavar="N",
                        help="listen on 127.0.0.1:N; point your client here")  # fmt: skip
    record.add_argument("--out", required=True, type=values.writable_file, metavar="FILE.yaml",
                        help="the scenario file written on exit")  # fmt: skip
    record.add_argument("--max-requests", type=values.integer(1, 1_000_000), default=0, metavar="N",
                        help="stop after N proxied requests (default: until Ctrl-C)")  # fmt: skip
    record.add_argument("--seed", type=values.seed, default=0, metavar="N",
                        help="seed of the fakes for names and emails (default 0)")  # fmt: skip
    record.add_argument("--timeout", type=values.positive_seconds, default=30.0, metavar="SECONDS",
                        help="per forwarded request (default 30)")  # fmt: skip
