"""What a verify run reports, as plain data. The engine yields these; reporters consume them.

Every text field is already redacted: a reporter may print any of it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EXIT_OK, EXIT_VIOLATIONS = 0, 1


@dataclass(frozen=True)
class Violation:
    """A confirmed (re-checked) violation of one check, with a reproducer."""

    check: str
    category: str
    operation: str
    message: str
    curl: str
    status: int | None = None
    response: str = ""  # start of the response body
    origin: str = ""  # which phase found it: example, coverage, fuzz, probe:..., link
    occurrences: int = 1  # how many exchanges showed the same defect
    shrunk: bool = False
    allowed: str = ""  # the allow-list reason when a known deviation was accepted

    @property
    def is_failure(self) -> bool:
        """True unless the allow-list accepted it."""
        return not self.allowed


@dataclass
class CheckStats:
    """How often one check passed and failed on one operation."""

    passed: int = 0
    failed: int = 0
    violations: int = 0  # distinct confirmed defects
    allowed: int = 0
    flaky: int = 0  # failed once, passed when re-checked

    @property
    def applicable(self) -> bool:
        """False when the check never applied (e.g. no paging rules)."""
        return bool(self.passed or self.failed)


@dataclass(frozen=True)
class Summary:
    """The outcome of a whole run."""

    spec: str
    base_url: str
    seed: int
    requests: int
    duration: float
    violations: tuple[Violation, ...]
    stats: Mapping[str, Mapping[str, CheckStats]]  # operation -> check -> stats
    checks: Mapping[str, str]  # check -> category
    timed_out: bool = False
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> tuple[Violation, ...]:
        """Violations the allow-list did not accept."""
        return tuple(v for v in self.violations if v.is_failure)

    @property
    def exit_code(self) -> int:
        """0 when nothing failed, 1 otherwise (usage errors never get this far)."""
        return EXIT_VIOLATIONS if self.failures else EXIT_OK


@dataclass(frozen=True)
class RunStarted:
    """Before the first request."""

    spec: str
    title: str
    base_url: str
    operations: tuple[str, ...]
    checks: tuple[str, ...]
    seed: int
    max_examples: int
    time_limit: float
    workers: int
    auth: str  # a redacted description


@dataclass(frozen=True)
class PhaseStarted:
    """A phase of one operation begins: examples, coverage, probes, fuzz or confirm."""

    operation: str
    phase: str


@dataclass(frozen=True)
class Progress:
    """Requests sent so far and failed check evaluations, after each batch."""

    operation: str
    phase: str
    requests: int
    failed: int


@dataclass(frozen=True)
class Note:
    """Something the user should know that is not a violation."""

    message: str
    operation: str = ""


@dataclass(frozen=True)
class ViolationFound:
    """A violation was confirmed."""

    violation: Violation


@dataclass(frozen=True)
class OperationFinished:
    """All phases of an operation are done."""

    operation: str
    stats: Mapping[str, CheckStats] = field(default_factory=dict)


@dataclass(frozen=True)
class RunFinished:
    """The last event: everything a summary needs."""

    summary: Summary


Event = (
    RunStarted | PhaseStarted | Progress | Note | ViolationFound | OperationFinished | RunFinished
)
