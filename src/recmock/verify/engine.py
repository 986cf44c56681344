"""The verify engine: phases per operation, confirmation of every finding, events out.

Per operation: the spec's examples (with the known ids of `--param` put in) and Schemathesis'
coverage cases first (cheap, and they give the probes a request that works), then the probes
(auth, limits, ordering, filters, paging, links), then seeded fuzzing, positive and negative,
mixing known and harvested values into what Hypothesis draws. Findings are confirmed before
they are reported (`confirm`). A run whose operations never returned records, or whose checks
could not run, is inconclusive (exit 3), never a pass. The engine never prints: it yields events.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx

from recmock.errors import TargetError
from recmock.verify.classify import Classifier
from recmock.verify.config import VerifyConfig
from recmock.verify.confirm import Confirmed, confirm
from recmock.verify.contract import contract_for
from recmock.verify.coverage import inconclusive_reasons
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
from recmock.verify.known import KnownData, apply, pin_path
from recmock.verify.operation_run import OperationRun
from recmock.verify.registry import CHECKS, REGISTRY, OperationContext
from recmock.verify.reproducer import curl_command
from recmock.verify.wire import Exchange, Transport, WireRequest

BATCH = 25
MAX_TRANSPORT_ERRORS = 8  # in a row: the target went away, stop with exit 2
TRANSPORT_GRACE = 2.0  # seconds past the time limit a last confirmation may still use
CONFIRM_SHARE = 0.15  # of the time limit, kept for re-checking findings


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
        # Generation stops early enough that confirming what it found still fits in the limit.
        self.generation_deadline = self.deadline - config.time_limit * CONFIRM_SHARE
        self.transport.deadline = self.deadline + TRANSPORT_GRACE  # a hard wall-clock end
        self.timed_out = False
        self._errors_in_a_row = 0
        self.allow_used: set[str] = set()
        self.known = KnownData(given=config.known)

    def out_of_time(self, *, confirming: bool = False) -> bool:
        """True once generation's share (or, when confirming, the whole limit) has passed."""
        if time.monotonic() >= (self.deadline if confirming else self.generation_deadline):
            self.timed_out = True
            return True
        return False

    def send(self, requests: Sequence[WireRequest]) -> list[Exchange]:
        """Send a batch; too many transport failures in a row end the run (exit 2)."""
        exchanges = self.transport.send_all(requests)
        for exchange in exchanges:
            if exchange.status is None and not exchange.time_limited:
                self._errors_in_a_row += 1
                if self._errors_in_a_row >= MAX_TRANSPORT_ERRORS:
                    raise TargetError(
                        f"--base-url {self.config.base_url}: the target stopped answering "
                        f"({self.redact(exchange.error)})"
                    )
            elif exchange.status is not None:
                self._errors_in_a_row = 0
        return exchanges

    def violation(self, ctx: OperationContext, confirmed: Confirmed) -> Violation:
        """A confirmed candidate as a reportable (redacted) violation."""
        candidate = confirmed.candidate
        seen = confirmed.seen or candidate.seen
        exchange = seen.exchange if seen else None
        curl = ""
        if exchange is not None:
            repro = self.config.credentials.reproduction(exchange.request)
            curl = curl_command(exchange.request, self.config.base_url, repro)
        message = candidate.problem.message
        if confirmed.failed < confirmed.attempts:
            message += f" (failed {confirmed.failed} of {confirmed.attempts} attempts)"
        message = self.redact(message)
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
            shrunk=confirmed.shrunk,
            allowed=allowed,
            repeated=(confirmed.failed, confirmed.attempts),
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
            known=tuple(
                f"{location}.{name} ({len(values)} value(s))"
                for (location, name), values in sorted(config.known.items())
            ),
        )
        violations: list[Violation] = []
        stats: dict[str, dict[str, CheckStats]] = {}
        notes: list[str] = []
        inconclusive: list[str] = []
        try:
            for index, ctx in enumerate(contexts):
                run = OperationRun(ctx, self.send, self.known, config.credentials.wrong_variants())
                for event in self._operation(run, generator, len(contexts) - index):
                    if isinstance(event, ViolationFound):
                        violations.append(event.violation)
                    elif isinstance(event, Note):
                        notes.append(event.message)
                    yield event
                stats[ctx.label] = run.stats
                reasons = inconclusive_reasons(run, timed_out=self.timed_out)
                inconclusive += reasons
                yield OperationFinished(ctx.label, dict(run.stats), tuple(reasons))
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
                inconclusive=tuple(inconclusive),
            )
        )

    def _operation(self, run: OperationRun, generator: Generator, left: int) -> Iterator[Event]:
        ctx = run.ctx
        label = ctx.label
        # Each remaining operation gets an equal share of the remaining time for generation.
        share = (self.generation_deadline - time.monotonic()) / max(1, left)
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

        yield from batches("examples", self._first_requests(run, generator, stateful))
        run.phase = "probes"
        yield PhaseStarted(label, "probes")
        if run.best_base() is None and ctx.rules.paging is not None:
            yield Note(
                "no request listed any record: paging, ordering and filter probes "
                "had nothing to work with",
                label,
            )
        for probe in REGISTRY.probes.values():
            if self.out_of_time():
                break
            result = probe.function(run)
            by_check: dict[str, list[Any]] = {}
            for check, problem, seen in result.findings:
                by_check.setdefault(check, []).append((problem, seen))
            for check in result.applied | set(by_check):
                found = by_check.get(check, [])
                run.count(check, [p for p, _ in found], found[0][1] if found else None, probe)
            yield self._progress(run)
        yield from self._fuzz(run, generator, batches, op_deadline)
        run.phase = "confirm"
        yield PhaseStarted(label, "confirm")
        for confirmed in confirm(run, lambda: self.out_of_time(confirming=True)):
            violation = self.violation(ctx, confirmed)
            stats = run.stats[confirmed.candidate.check]
            stats.violations += 1
            if violation.allowed:
                stats.allowed += 1
            yield ViolationFound(violation)

    def _first_requests(
        self, run: OperationRun, generator: Generator, stateful: frozenset[str]
    ) -> list[WireRequest]:
        """The spec's examples and the coverage cases, with known values put in."""
        op, config = run.ctx.op, self.config
        given = self.known.given_for(op)
        examples = [without(r, stateful) for r in generator.examples(op, config.seed)]
        with_known = []
        variants = max((len(v) for v in given.values()), default=0)
        for request in examples:
            for index in range(variants):
                with_known.append(apply(request, op, given, index))
            if any(slot.is_array and len(v) > 1 for slot, v in given.items()):
                with_known.append(apply(request, op, given, 0, every=True))
        example_path = {p.name: str(p.example) for p in op.parameters if p.location == "path"}
        coverage = [
            pin_path(r, op, example_path, self.known.path_values(op, index))
            for index, r in enumerate(generator.coverage(op))
        ]
        return list(unique([*with_known, *examples, *coverage]))

    def _fuzz(
        self,
        run: OperationRun,
        generator: Generator,
        batches: Callable[..., Iterator[Event]],
        deadline: float,
    ) -> Iterator[Event]:
        ctx, config = run.ctx, self.config
        op = ctx.op
        if self.out_of_time():
            return
        deadline = min(deadline, self.generation_deadline)

        def until(fraction: float) -> float:
            # Generation gets a fraction of what is left, so sending still fits in the limit.
            return time.monotonic() + max(0.0, deadline - time.monotonic()) * fraction

        count = config.max_examples
        pins = self._path_pins(op)
        pinned = count // 2 if pins else 0
        positive: list[WireRequest] = []
        for index, pin in enumerate(pins):
            positive += generator.fuzz(
                op,
                negative=False,
                count=max(1, pinned // len(pins)),
                seed=config.seed + index,
                path_parameters=pin,
                until=until(0.2),
            )
        positive += generator.fuzz(
            op, negative=False, count=count - pinned, seed=config.seed, until=until(0.25)
        )
        known = run.known_slots()
        body_known = {s: v for s, v in known.items() if s.location != "path"}
        # Every other positive draw carries known (given or harvested) values: mixed, not all.
        positive = [
            apply(r, op, body_known, i // 2) if i % 2 and body_known else r
            for i, r in enumerate(positive)
        ]
        stateful = ctx.classifier.stateful
        sent = {s.exchange.request.key for s in run.history}
        fresh = [r for r in unique(without(r, stateful) for r in positive) if r.key not in sent]
        yield from batches("fuzz", fresh)
        if self.out_of_time():
            return
        negative: list[WireRequest] = []
        if pins:  # mutate the other inputs while the known ids stay valid
            negative += generator.fuzz(
                op,
                negative=True,
                count=count // 2,
                seed=config.seed + 1,
                path_parameters=pins[0],
                until=until(0.25),
            )
        negative += generator.fuzz(
            op, negative=True, count=count - len(negative), seed=config.seed + 1, until=until(0.5)
        )
        yield from batches("fuzz-negative", [r for r in unique(negative) if r.key not in sent])

    def _path_pins(self, op: Any) -> list[dict[str, str]]:
        """Path values to pin fuzzing to: each known combination, else the spec's examples."""
        path = [p for p in op.parameters if p.location == "path"]
        if not path:
            return []
        variants = self.known.variants(op)
        if any(p.name in self.known.path_values(op, 0) for p in path):
            pins = []
            for index in range(max(1, variants)):
                pin = {p.name: str(p.example) for p in path if p.example is not None}
                pin.update(self.known.path_values(op, index))
                pins.append(pin)
            return pins
        if all(p.example is not None for p in path):
            return [{p.name: str(p.example) for p in path}]
        return []

    def _progress(self, run: OperationRun) -> Progress:
        failed = sum(s.failed for s in run.stats.values())
        return Progress(run.ctx.label, run.phase, self.transport.sent, failed)


def verify(config: VerifyConfig, *, client: httpx.Client | None = None) -> Iterator[Event]:
    """Run every check of `config.spec` against `config.base_url`, yielding events."""
    return Engine(config, client=client).run()
