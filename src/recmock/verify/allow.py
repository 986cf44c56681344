"""The allow-list: known deviations a run accepts, each with a reason.

`match` patterns are compiled with RE2 (the `google-re2` package): its matching time is linear
in the text, so a pattern such as `(a+)+$` cannot hang a run on a long server message the way
Python's backtracking `re` does. RE2 has no backreferences or lookaround; a pattern using them
is refused when the file is loaded, naming the entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import re2

from recmock.errors import ConfigError
from recmock.specs import read_yaml

# Messages and reproducers are short; a bound keeps even a linear scan cheap on a huge one.
MAX_MATCHED_TEXT = 256 * 1024


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own error line on stderr
    return options


def compile_match(pattern: str, where: str) -> Any:
    """An RE2 pattern, or a one-line ConfigError naming `where`."""
    try:
        return re2.compile(pattern, options=_options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise ConfigError(
            f"{where}: match: not a regular expression RE2 accepts (expected linear-time "
            f"syntax: no backreferences or lookaround), got {pattern!r}: {text}"
        ) from None


@dataclass(frozen=True)
class AllowEntry:
    """A known deviation: failures of `check` on `operation` (matching `match`) are accepted."""

    check: str
    operation: str  # operationId, "METHOD /path", or "*"
    reason: str
    match: str = ""  # an RE2 regular expression searched in the message and the curl reproducer
    where: str = ""  # file:entry, for messages
    _compiled: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.match:
            compiled = compile_match(self.match, self.where or "allow-list entry")
            object.__setattr__(self, "_compiled", compiled)

    def accepts(self, check: str, operation_ids: Sequence[str], message: str, curl: str) -> bool:
        """True when this entry covers a violation."""
        if self.check not in ("*", check):
            return False
        if self.operation != "*" and self.operation not in operation_ids:
            return False
        if self._compiled is None:
            return True
        return self._compiled.search(f"{message}\n{curl}"[:MAX_MATCHED_TEXT]) is not None


def load_allow_list(path: Path, known_checks: Sequence[str]) -> tuple[AllowEntry, ...]:
    """Read an allow-list YAML: a list (or `allow:` list) of {check, operation, reason, match}."""
    raw: Any = read_yaml(path)
    if isinstance(raw, Mapping) and set(raw) == {"allow"}:
        raw = raw["allow"]
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: expected a list of allow entries, got {type(raw).__name__}")
    entries = []
    for index, item in enumerate(raw):
        where = f"{path}: entry {index}"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {item!r}")
        unknown = set(item) - {"check", "operation", "reason", "match"}
        if unknown:
            raise ConfigError(
                f"{where}: unknown keys {sorted(unknown)}; expected check, "
                "operation, reason and optionally match"
            )
        check = str(item.get("check", ""))
        if check != "*" and check not in known_checks:
            raise ConfigError(
                f"{where}: check: expected one of {sorted(known_checks)}, got {check!r}"
            )
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise ConfigError(f"{where}: reason: every accepted deviation needs a reason")
        match = str(item.get("match") or "")
        compile_match(match, where)
        entries.append(
            AllowEntry(
                check, str(item.get("operation") or "*"), reason, match, f"{path.name}#{index}"
            )
        )
    return tuple(entries)
