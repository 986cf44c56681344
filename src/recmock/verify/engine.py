"""The verify engine: phases per operation, confirmation of every finding, events out.

Per operation: the spec's examples and Schemathesis' coverage cases first (cheap, and they give
the probes a request that works), then the probes (auth, limits, ordering, filters, paging,
links), then seeded fuzzing, positive and negative. A failure is only reported after it was
re-sent and failed again; generated failures are first shrunk (optional inputs dropped one by
one while the same defect persists). The engine never prints: it yields `events`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import httpx

from recmock.errors import TargetError
from recmock.rules import get_path, records_of
from recmock.verify.checks import CHECKS, Observed, OperationContext, Problem, run_response_checks
from recmock.verify.classify import Classifier, Verdict
from recmock.verify.config import VerifyConfig
from recmock.verify.contract import contract_for
from recmock.verify.credentials import Redactor
from recmock.verify.events import (
    CheckStats,
    Event,
    Note,
    OperationFinished,
    PhaseStarted,
    Progress,
    RunFinished,
    RunStarted,
    Summary,
    Violation,
    ViolationFound,
)
from recmock.verify.generation import Generator, unique, without
from recmock.verify.probes import PROBES, Probe
from recmock.verify.wire import Exchange, Transport, WireRequest, curl_command

BATCH = 25
MAX_CONFIRM = 40  # distinct candidate defects re-checked per operation
MAX_SHRINK_STEPS = 24
MAX_TRANSPORT_ERRORS = 8  # in a row: the target went away, stop with exit 2


@dataclass
class Candidate:
    """A failure seen once, waiting for confirmation."""

    check: str
    problem: Problem
    seen: Observed | None
    probe: Probe | None = None
    count: int = 1


class OperationRun:
    """One operation's requests, check statistics and candidate failures."""

    def __init__(self, engine: Engine, ctx: OperationContext) -> None:
        self.engine = engine
        self.ctx = ctx
        self.stats: dict[str, CheckStats] = {name: CheckStats() for name in CHECKS}
        self.candidates: dict[tuple[str, str], Candidate] = {}
        self.history: list[Observed] = []
        self.counting = True
        self.phase = ""
        document = engine.config.spec.document
        operation = document["paths"][ctx.op.path][ctx.op.method.lower()]
        # An operation's own `security` (even `[]`, meaning none) overrides the global one.
        self.secured = bool(operation.get("security", document.get("security")))

    # -- sending --------------------------------------------------------------------------

    def observe(self, requests: Sequence[WireRequest], *, trusted: bool = False) -> list[Observed]:
        """Send, classify and check `requests`; the result keeps their order."""
        exchanges = self.engine.send(requests)
        out = []
        for exchange in exchanges:
            classified = self.ctx.classifier.classify(
                exchange.request, trusted=trusted or exchange.request.origin == "link"
            )
            seen = Observed(exchange, classified)
            out.append(seen)
            if self.counting:
                self.history.append(seen)
                for name, problems in run_response_checks(self.ctx, seen).items():
                    self._count(name, problems, seen)
        return out

    def _count(
        self,
        name: str,
        problems: list[Problem] | None,
        seen: Observed | None,
        probe: Probe | None = None,
    ) -> None:
        if problems is None:
            return
        stats = self.stats.setdefault(name, CheckStats())
        if not problems:
            stats.passed += 1
            return
        stats.failed += 1
        for problem in problems:
            key = (name, problem.key)
            if key in self.candidates:
                self.candidates[key].count += 1
            else:
                self.candidates[key] = Candidate(name, problem, seen, probe)

    # -- what probes read -----------------------------------------------------------------

    def successes(self) -> list[Observed]:
        """VALID requests sent with valid credentials that got a 2xx, examples first."""
        return [
            s
            for s in sorted(self.history, key=lambda s: s.exchange.request.origin != "example")
            if s.classified.verdict is Verdict.VALID
            and s.exchange.request.auth == "valid"
            and s.exchange.status is not None
            and 200 <= s.exchange.status < 300
        ]

    def valid_answers(self) -> list[Observed]:
        """VALID requests with valid credentials that got any HTTP answer."""
        return [
            s
            for s in self.history
            if s.classified.verdict is Verdict.VALID
            and s.exchange.request.auth == "valid"
            and s.exchange.status is not None
        ]

    def best_base(self) -> Observed | None:
        """The successful request listing the most records (by reported total when there is one)."""
        paging = self.ctx.rules.paging
        best, best_size = None, 0
        for seen in self.successes():
            if seen.exchange.request.origin.startswith("probe:"):
                continue
            ok, body = seen.exchange.json()
            records = records_of(self.ctx.rules, body) if ok else []
            total = get_path(body, paging.total) if ok and paging and paging.total else None
            size = total if isinstance(total, int) else len(records)
            if records and size > best_size:
                best, best_size = seen, size
        return best

    # -- phases ---------------------------------------------------------------------------

    def run_probe(self, probe: Probe) -> None:
        """Run one probe and count its findings."""
        result = probe(self)
        by_check: dict[str, list[tuple[Problem, Observed | None]]] = {}
        for check, problem, seen in result.findings:
            by_check.setdefault(check, []).append((problem, seen))
        for check in result.applied | set(by_check):
            found = by_check.get(check, [])
            self._count(check, [p for p, _ in found], found[0][1] if found else None, probe)

    def confirm(self) -> Iterator[Violation]:
        """Re-check (and shrink) every candidate; yield the ones that still fail."""
        self.counting = False
        try:
            for candidate in list(self.candidates.values())[:MAX_CONFIRM]:
                confirmed = self._recheck(candidate)
                stats = self.stats[candidate.check]
                if confirmed is None:
                    stats.flaky += 1
                    continue
                violation = self.engine.violation(self.ctx, candidate, confirmed)
                stats.violations += 1
                if violation.allowed:
                    stats.allowed += 1
                yield violation
        finally:
            self.counting = True

    def _recheck(self, candidate: Candidate) -> tuple[Observed | None, bool] | None:
        """(evidence, shrunk) when the failure happens again, else None."""
        if candidate.probe is not None:
            result = candidate.probe(self)
            for check, problem, seen in result.findings:
                if (check, problem.key) == (candidate.check, candidate.problem.key):
                    return seen, False
            return None
        assert candidate.seen is not None
        again = self._fails(candidate, candidate.seen.exchange.request)
        if again is None:
            return None
        if not candidate.seen.exchange.request.origin.startswith(("fuzz", "coverage")):
            return again, False
        shrunk = self._shrink(candidate, again)
        return shrunk, shrunk is not again

    def _fails(self, candidate: Candidate, request: WireRequest) -> Observed | None:
        info = CHECKS[candidate.check]
        if info.function is None:
            return None
        (seen,) = self.observe([request])
        problems = info.function(self.ctx, seen) or []
        return seen if any(p.key == candidate.problem.key for p in problems) else None

    def _shrink(self, candidate: Candidate, seen: Observed) -> Observed:
        """Drop optional query parameters and body fields while the same defect persists."""
        steps = 0
        current = seen
        changed = True
        while changed and steps < MAX_SHRINK_STEPS and not self.engine.out_of_time(grace=10):
            changed = False
            for smaller in _smaller(current.exchange.request, self.ctx):
                steps += 1
                again = self._fails(candidate, smaller)
                if again is not None:
                    current, changed = again, True
                    break
                if steps >= MAX_SHRINK_STEPS:
                    break
        return current


def _smaller(request: WireRequest, ctx: OperationContext) -> Iterator[WireRequest]:
    """Requests one optional input smaller than `request`."""
    from recmock.verify.wire import json_bytes

    required = {p.name for p in ctx.op.parameters if p.required}
    for index, (name, _) in enumerate(request.query):
        if name not in required:
            yield replace(request, query=request.query[:index] + request.query[index + 1 :])
    ok, body = request.json_body()
    if ok and isinstance(body, dict):
        needed = set((ctx.op.request_body or {}).get("required") or [])
        for name in list(body):
            if name not in needed:
                rest = {k: v for k, v in body.items() if k != name}
                yield replace(request, body=json_bytes(rest))


TRANSPORT_GRACE = 2.0  # seconds past the time limit a last confirmation may still use


class Engine:
    """Runs every check of one spec against one deployment."""

    def __init__(self, config: VerifyConfig, *, client: httpx.Client | None = None) -> None:
        self.config = config
        self.redact = Redactor(config.credentials)
        self.transport = Transport(
            config.base_url,
            config.credentials.headers_for,
            client=client,
            workers=config.workers,
            timeout=config.timeout,
        )
        self.started = time.monotonic()
        self.deadline = self.started + config.time_limit
        self.transport.deadline = self.deadline + TRANSPORT_GRACE  # a hard wall-clock end
        self.timed_out = False
        self._errors_in_a_row = 0
        self.allow_used: set[str] = set()

    def out_of_time(self, grace: float = 0.0) -> bool:
        """True once the time limit (plus `grace` seconds for confirming) has passed."""
        if time.monotonic() >= self.deadline + grace:
            self.timed_out = True
            return True
        return False

    def send(self, requests: Sequence[WireRequest]) -> list[Exchange]:
        """Send a batch; too many transport failures in a row end the run (exit 2)."""
        exchanges = self.transport.send_all(requests)
        for exchange in exchanges:
            if exchange.status is None:
                self._errors_in_a_row += 1
                if self._errors_in_a_row >= MAX_TRANSPORT_ERRORS:
                    raise TargetError(
                        f"--base-url {self.config.base_url}: the target stopped answering "
                        f"({self.redact(exchange.error)})"
                    )
            else:
                self._errors_in_a_row = 0
        return exchanges

    def violation(
        self, ctx: OperationContext, candidate: Candidate, confirmed: tuple[Observed | None, bool]
    ) -> Violation:
        """A confirmed candidate as a reportable (redacted) violation."""
        seen, shrunk = confirmed
        seen = seen or candidate.seen
        exchange = seen.exchange if seen else None
        curl = ""
        if exchange is not None:
            repro = self.config.credentials.reproduction(exchange.request)
            curl = curl_command(exchange.request, self.config.base_url, repro)
        message = self.redact(candidate.problem.message)
        curl = self.redact(curl)
        ids = (ctx.op.operation_id, f"{ctx.op.method} {ctx.op.path}")
        allowed = ""
        for entry in self.config.allow:
            if entry.accepts(candidate.check, ids, message, curl):
                allowed = entry.reason
                self.allow_used.add(entry.where)
                break
        return Violation(
            check=candidate.check,
            category=CHECKS[candidate.check].category,
            operation=ctx.label,
            message=message,
            curl=curl,
            status=exchange.status if exchange else None,
            response=self.redact(exchange.excerpt()) if exchange else "",
            origin=exchange.request.origin if exchange else "",
            occurrences=candidate.count,
            shrunk=shrunk,
            allowed=allowed,
        )

    def run(self) -> Iterator[Event]:
        """Every event of the run, ending with RunFinished."""
        config = self.config
        spec = config.spec
        generator = Generator(spec)
        contexts = [
            OperationContext(spec, op, contract_for(spec, op), Classifier(op), config.base_url)
            for op in spec.operations
        ]
        first = contexts[0]
        probe = (generator.examples(first.op, config.seed) or generator.coverage(first.op))[:1]
        self.transport.preflight(probe[0] if probe else WireRequest(first.op.method, "/"))
        yield RunStarted(
            spec=spec.name,
            title=str(spec.document.get("info", {}).get("title", spec.name)),
            base_url=config.base_url,
            operations=tuple(c.label for c in contexts),
            checks=tuple(CHECKS),
            seed=config.seed,
            max_examples=config.max_examples,
            time_limit=config.time_limit,
            workers=config.workers,
            auth=config.credentials.describe(),
        )
        violations: list[Violation] = []
        stats: dict[str, dict[str, CheckStats]] = {}
        notes: list[str] = []
        try:
            for index, ctx in enumerate(contexts):
                run = OperationRun(self, ctx)
                for event in self._operation(run, generator, len(contexts) - index):
                    if isinstance(event, ViolationFound):
                        violations.append(event.violation)
                    elif isinstance(event, Note):
                        notes.append(event.message)
                    yield event
                stats[ctx.label] = run.stats
                yield OperationFinished(ctx.label, dict(run.stats))
        finally:
            self.transport.close()
        unused = [e.where for e in config.allow if e.where not in self.allow_used]
        for where in unused:
            note = f"allow-list entry {where} matched nothing: remove it once the fix shipped"
            notes.append(note)
            yield Note(note)
        yield RunFinished(
            Summary(
                spec=spec.name,
                base_url=config.base_url,
                seed=config.seed,
                requests=self.transport.sent,
                duration=time.monotonic() - self.started,
                violations=tuple(violations),
                stats=stats,
                checks={name: info.category for name, info in CHECKS.items()},
                timed_out=self.timed_out,
                notes=tuple(notes),
            )
        )

    def _operation(self, run: OperationRun, generator: Generator, left: int) -> Iterator[Event]:
        ctx, config = run.ctx, self.config
        label = ctx.label
        # Each remaining operation gets an equal share of the remaining time for generation.
        share = (self.deadline - time.monotonic()) / max(1, left)
        op_deadline = time.monotonic() + share
        stateful = ctx.classifier.stateful

        def batches(phase: str, requests: list[WireRequest], **kwargs: Any) -> Iterator[Event]:
            run.phase = phase
            yield PhaseStarted(label, phase)
            for start in range(0, len(requests), BATCH):
                if self.out_of_time() or time.monotonic() > op_deadline:
                    yield Note(f"time limit reached during {phase}; later requests not sent", label)
                    return
                run.observe(requests[start : start + BATCH], **kwargs)
                yield self._progress(run)

        examples = [without(r, stateful) for r in generator.examples(ctx.op, config.seed)]
        coverage = generator.coverage(ctx.op)
        first = list(unique([*examples, *coverage]))
        yield from batches("examples", first)
        run.phase = "probes"
        yield PhaseStarted(label, "probes")
        if run.best_base() is None and ctx.rules.paging is not None:
            yield Note(
                "no request listed any record: paging, ordering and filter probes "
                "had nothing to work with",
                label,
            )
        for probe in PROBES:
            if self.out_of_time():
                break
            run.run_probe(probe)
            yield self._progress(run)
        yield from self._fuzz(run, generator, batches, op_deadline)
        run.phase = "confirm"
        yield PhaseStarted(label, "confirm")
        for violation in run.confirm():
            yield ViolationFound(violation)

    def _fuzz(
        self,
        run: OperationRun,
        generator: Generator,
        batches: Callable[..., Iterator[Event]],
        deadline: float,
    ) -> Iterator[Event]:
        ctx, config = run.ctx, self.config
        if self.out_of_time():
            return
        deadline = min(deadline, self.deadline)

        def until(fraction: float) -> float:
            # Generation gets a fraction of what is left, so sending still fits in the limit.
            return time.monotonic() + max(0.0, deadline - time.monotonic()) * fraction

        count = config.max_examples
        has_examples = all(p.example is not None for p in ctx.op.parameters if p.location == "path")
        pinned = (
            count // 2
            if has_examples and any(p.location == "path" for p in ctx.op.parameters)
            else 0
        )
        positive = (
            generator.fuzz(
                ctx.op,
                negative=False,
                count=pinned,
                seed=config.seed,
                pin_path=True,
                until=until(0.2),
            )
            if pinned
            else []
        )
        positive += generator.fuzz(
            ctx.op, negative=False, count=count - pinned, seed=config.seed, until=until(0.25)
        )
        stateful = ctx.classifier.stateful
        sent = {s.exchange.request.key for s in run.history}
        fresh = [r for r in unique(without(r, stateful) for r in positive) if r.key not in sent]
        yield from batches("fuzz", fresh)
        if self.out_of_time():
            return
        negative = generator.fuzz(
            ctx.op, negative=True, count=count, seed=config.seed + 1, until=until(0.5)
        )
        yield from batches("fuzz-negative", [r for r in unique(negative) if r.key not in sent])

    def _progress(self, run: OperationRun) -> Progress:
        failed = sum(s.failed for s in run.stats.values())
        return Progress(run.ctx.label, run.phase, self.transport.sent, failed)


def verify(config: VerifyConfig, *, client: httpx.Client | None = None) -> Iterator[Event]:
    """Run every check of `config.spec` against `config.base_url`, yielding events."""
    return Engine(config, client=client).run()
