"""One registry for every check and probe, with applicability declared instead of repeated.

Schemathesis' design: a check is a plain function registered once under its name; what it needs
(an HTTP answer, a 2xx, a JSON body, records in it, a request the spec calls valid, rules of the
operation) is declared at registration, and the runner evaluates those guards once per exchange.
Probes (checks that send requests of their own) register the check names they report under, so
reports, allow-lists and coverage accounting know every check, whoever runs it. Registering a
name twice is an error: two checks must never share a verdict by accident.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from recmock.errors import RecmockError
from recmock.rules import Rules, records_of
from recmock.specs import Operation, Spec
from recmock.verify.classify import Classified, Classifier, Verdict
from recmock.verify.contract import Contract
from recmock.verify.wire import Exchange, WireRequest

Json = Any


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a response; `key` groups repeats of the same defect."""

    message: str
    key: str


@dataclass
class OperationContext:
    """What every check needs to know about the operation under test."""

    spec: Spec
    op: Operation
    contract: Contract
    classifier: Classifier
    base_url: str

    @property
    def rules(self) -> Rules:
        """What the provider promises for this operation: the only rules verify asserts.

        The mock's own world choices (tidy lifecycles, positive sizes) are never asserted.
        """
        promises = getattr(self.op, "promises", None)
        return promises if isinstance(promises, Rules) else self.op.rules

    @property
    def secured(self) -> bool:
        """The operation needs credentials (its own `security`, even `[]`, overrides the global)."""
        document = self.spec.document
        operation = document["paths"][self.op.path][self.op.method.lower()]
        return bool(operation.get("security", document.get("security")))

    @property
    def label(self) -> str:
        """How reports name the operation."""
        return f"{self.op.method} {self.op.path} ({self.op.operation_id})"


@dataclass(frozen=True)
class Observed:
    """An exchange with the verdict on its request; the body is parsed once, on first use."""

    exchange: Exchange
    classified: Classified
    rules: Rules = field(default_factory=Rules)

    @property
    def answered(self) -> bool:
        """An HTTP answer below 500 (5xx and transport failures are server_error's)."""
        status = self.exchange.status
        return status is not None and status < 500

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        status = self.exchange.status
        return status is not None and 200 <= status < 300

    @cached_property
    def parsed(self) -> tuple[bool, Json]:
        """(True, body) when the body is JSON."""
        return self.exchange.json()

    @property
    def body(self) -> Json:
        """The JSON body, or None."""
        return self.parsed[1]

    @cached_property
    def records(self) -> list[Mapping[str, Any]]:
        """The records a 2xx JSON body carries, by the operation's rules."""
        ok, body = self.parsed
        return records_of(self.rules, body) if ok and self.ok else []

    @property
    def valid(self) -> bool:
        """The request is valid by the spec, sent with the given credentials."""
        return self.classified.verdict is Verdict.VALID and self.exchange.request.auth == "valid"


# Problems found ([] = passed), or None when the exchange turned out to hold nothing to judge.
ResponseCheck = Callable[[OperationContext, Observed], Iterable[Problem] | None]


@dataclass(frozen=True)
class Applies:
    """When a check has something to look at; evaluated by the runner, never by the check."""

    answered: bool = False  # an HTTP answer below 500
    success: bool = False  # a 2xx
    json: bool = False  # a body that parses as JSON
    records: bool = False  # records in the body (implies success and json)
    valid: bool = False  # a request the spec calls valid, with the given credentials
    judged: bool = False  # a request with a verdict (valid or invalid, not ambiguous)
    needs: Callable[[OperationContext], bool] | None = None  # the operation has what it needs

    def to_operation(self, ctx: OperationContext) -> bool:
        """Static applicability: can this check ever run on the operation?"""
        return self.needs is None or bool(self.needs(ctx))

    def to(self, seen: Observed) -> bool:
        """Dynamic applicability: does this exchange give the check something to judge?"""
        if (self.answered or self.success or self.json or self.records) and not seen.answered:
            return False
        if (self.success or self.records) and not seen.ok:
            return False
        if (self.json or self.records) and not seen.parsed[0]:
            return False
        if self.records and not seen.records:
            return False
        if self.valid and not seen.valid:
            return False
        return not (self.judged and seen.classified.verdict is Verdict.AMBIGUOUS)


@dataclass(frozen=True)
class Check:
    """A registered check: name, report category, what it asks, and when it applies."""

    name: str
    category: str
    description: str
    applies: Applies
    function: ResponseCheck | None = None  # None: a probe reports under this name


class ProbeRun(Protocol):
    """What a probe may use of an operation's run (the engine implements it)."""

    ctx: OperationContext

    def observe(
        self, requests: Sequence[WireRequest], *, trusted: bool = False
    ) -> list[Observed]: ...

    def successes(self) -> list[Observed]: ...

    def best_base(self) -> Observed | None: ...

    def wrong_credentials(self) -> list[str]: ...

    def known_values(self, name: str) -> list[Json]: ...


@dataclass
class ProbeResult:
    """Which checks a probe exercised, and what it found (check, problem, evidence)."""

    applied: set[str] = field(default_factory=set)
    findings: list[tuple[str, Problem, Observed | None]] = field(default_factory=list)

    def add(self, check: str, message: str, key: str, seen: Observed | None) -> None:
        """Record one finding (and that the check applied)."""
        self.applied.add(check)
        self.findings.append((check, Problem(message, key), seen))


ProbeFn = Callable[[ProbeRun], ProbeResult]


@dataclass(frozen=True)
class Probe:
    """A registered probe: the checks it reports under, and the function that sends."""

    name: str
    checks: tuple[str, ...]
    function: ProbeFn


class Registry:
    """Checks and probes by name; a second registration under one name is an error."""

    def __init__(self) -> None:
        self.checks: dict[str, Check] = {}
        self.probes: dict[str, Probe] = {}

    def add_check(self, entry: Check) -> None:
        """Register a check (response or probe-reported)."""
        if entry.name in self.checks:
            raise RecmockError(f"check {entry.name!r} is already registered")
        self.checks[entry.name] = entry

    def add_probe(self, entry: Probe) -> None:
        """Register a probe; the checks it reports under must exist already."""
        if entry.name in self.probes:
            raise RecmockError(f"probe {entry.name!r} is already registered")
        unknown = [c for c in entry.checks if c not in self.checks]
        if unknown:
            raise RecmockError(f"probe {entry.name!r} reports unknown checks {unknown}")
        self.probes[entry.name] = entry

    def check(
        self, *, category: str, applies: Applies = Applies()
    ) -> Callable[[ResponseCheck], ResponseCheck]:
        """Register a response check under its function name, its docstring as description."""

        def register(function: ResponseCheck) -> ResponseCheck:
            name = function.__name__.rstrip("_")
            doc = (inspect.getdoc(function) or "").splitlines()
            self.add_check(Check(name, category, doc[0] if doc else "", applies, function))
            return function

        return register

    def reported(
        self, name: str, *, category: str, description: str, applies: Applies = Applies()
    ) -> None:
        """Register a check whose verdicts only probes produce."""
        self.add_check(Check(name, category, description, applies))

    def probe(self, *checks: str) -> Callable[[ProbeFn], ProbeFn]:
        """Register a probe reporting under `checks`."""

        def register(function: ProbeFn) -> ProbeFn:
            self.add_probe(Probe(function.__name__, checks, function))
            return function

        return register

    def run(self, ctx: OperationContext, seen: Observed) -> dict[str, list[Problem] | None]:
        """Every response check on one exchange: name -> problems, None when it did not apply."""
        out: dict[str, list[Problem] | None] = {}
        for entry in self.checks.values():
            if entry.function is None:
                continue
            found = None
            if entry.applies.to_operation(ctx) and entry.applies.to(seen):
                found = entry.function(ctx, seen)
            out[entry.name] = None if found is None else list(found)
        return out


REGISTRY = Registry()
CHECKS = REGISTRY.checks
