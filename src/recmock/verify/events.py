"""What a verify run reports, as plain data. The engine yields these; reporters consume them.

Every text field is already redacted: a reporter may print any of it as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

EXIT_OK, EXIT_VIOLATIONS, EXIT_INCONCLUSIVE = 0, 1, 3


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
    repeated: tuple[int, int] = (1, 1)  # (attempts that failed, attempts): 5xx are re-sent

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
    skipped: str = ""  # why a check that applies to the operation never ran

    @property
    def runs(self) -> int:
        """Verdicts given: responses (or probe walks) the check actually looked at."""
        return self.passed + self.failed

    @property
    def applicable(self) -> bool:
        """False when the check never ran (no rules for it, or nothing to look at)."""
        return bool(self.runs)


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
    inconclusive: tuple[str, ...] = ()  # what never got tested, and what to supply

    @property
    def failures(self) -> tuple[Violation, ...]:
        """Violations the allow-list did not accept."""
        return tuple(v for v in self.violations if v.is_failure)

    @property
    def exit_code(self) -> int:
        """1 violations; 3 none, but something went untested; 0 conforms and all was tested."""
        if self.failures:
            return EXIT_VIOLATIONS
        return EXIT_INCONCLUSIVE if self.inconclusive else EXIT_OK

    def ran(self, check: str) -> int:
        """How many verdicts `check` gave over every operation."""
        return sum(ops[check].runs for ops in self.stats.values() if check in ops)


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
    known: tuple[str, ...] = ()  # the known inputs (--param), by name and count, never values


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
    inconclusive: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunFinished:
    """The last event: everything a summary needs."""

    summary: Summary


Event = (
    RunStarted | PhaseStarted | Progress | Note | ViolationFound | OperationFinished | RunFinished
)
