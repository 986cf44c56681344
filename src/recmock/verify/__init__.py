"""Contract testing of any deployment: Schemathesis + Hypothesis plus recmock's own checks.

    from recmock.verify import VerifyConfig, verify
    for event in verify(config): ...   # events from recmock.verify.events; nothing is printed

Kept import-light (names resolve on first use): `recmock serve` imports `verify.options`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["CHECKS", "VerifyConfig", "verify"]


def __getattr__(name: str) -> Any:
    if name == "verify":
        from recmock.verify.engine import verify

        return verify
    if name == "VerifyConfig":
        from recmock.verify.config import VerifyConfig

        return VerifyConfig
    if name == "CHECKS":
        from recmock.verify.checks import CHECKS

        return CHECKS
    raise AttributeError(f"module 'recmock.verify' has no attribute {name!r}")
