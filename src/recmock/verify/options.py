"""The `recmock verify` command line. Light imports only: `recmock serve` loads this module too."""

from __future__ import annotations

import argparse


def add_verify_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register `recmock verify` (owned by the verify package)."""
    verify = sub.add_parser("verify", help="contract-test a deployment against the specs")
    verify.add_argument("provider", help="plugnmeet, plugnmeet-v1, signalwire, zoom or cloudflare")
    verify.add_argument("--base-url", required=True)
