"""One operation's run: send, classify, check, count, harvest. What probes and confirmation use.

Every exchange of the operation goes through `observe`, so the response checks apply to every
request whoever made it (examples, fuzzing, probes, links). Exchanges the run's own limits cut
short (the time limit) or that the target rate-limited to the end carry no verdict: they are
neither passes nor failures. Values harvested from successful responses feed later requests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from recmock.rules import get_path
from recmock.verify import checks as _checks  # noqa: F401  (a run needs every check registered)
from recmock.verify import probes as _probes  # noqa: F401  (and every probe)
from recmock.verify.events import CheckStats
from recmock.verify.known import KnownData, Slot
from recmock.verify.registry import CHECKS, REGISTRY, Observed, OperationContext, Probe, Problem
from recmock.verify.wire import Exchange, WireRequest

Json = Any


@dataclass
class Candidate:
    """A failure seen once, waiting for confirmation."""

    check: str
    problem: Problem
    seen: Observed | None
    probe: Probe | None = None
    count: int = 1


@dataclass
class Coverage:
    """What the operation's valid requests (with the given credentials) got back."""

    valid: int = 0  # valid requests that got an HTTP answer
    statuses: Counter[int] = field(default_factory=Counter)
    empty_success: int = 0  # 2xx without records
    with_records: int = 0  # 2xx carrying records


class OperationRun:
    """One operation's requests, check statistics and candidate failures."""

    def __init__(
        self,
        ctx: OperationContext,
        send: Callable[[Sequence[WireRequest]], list[Exchange]],
        known: KnownData,
        wrong_variants: Sequence[str],
    ) -> None:
        self.ctx = ctx
        self._send = send
        self.known = known
        self._wrong = list(wrong_variants)
        self.stats: dict[str, CheckStats] = {name: CheckStats() for name in CHECKS}
        self.candidates: dict[tuple[str, str], Candidate] = {}
        self.history: list[Observed] = []
        self.coverage = Coverage()
        self.counting = True
        self.phase = ""

    @property
    def secured(self) -> bool:
        """The operation needs credentials."""
        return self.ctx.secured

    # -- sending --------------------------------------------------------------------------

    def observe(self, requests: Sequence[WireRequest], *, trusted: bool = False) -> list[Observed]:
        """Send, classify and check `requests`; the result keeps their order."""
        out = []
        for exchange in self._send(requests):
            classified = self.ctx.classifier.classify(
                exchange.request, trusted=trusted or exchange.request.origin == "link"
            )
            seen = Observed(exchange, classified, self.ctx.rules)
            out.append(seen)
            if exchange.time_limited or exchange.throttled:
                continue  # the run's limits or the target's rate limit: no verdict either way
            if self.counting:
                self.history.append(seen)
                self._account(seen)
                for name, problems in REGISTRY.run(self.ctx, seen).items():
                    self.count(name, problems, seen)
        return out

    def _account(self, seen: Observed) -> None:
        if not seen.valid or seen.exchange.status is None:
            return
        cover = self.coverage
        cover.valid += 1
        cover.statuses[seen.exchange.status] += 1
        if seen.ok:
            if seen.records:
                cover.with_records += 1
                self.known.harvest(self.ctx.op, seen.records)
            else:
                cover.empty_success += 1

    def count(
        self,
        name: str,
        problems: list[Problem] | None,
        seen: Observed | None,
        probe: Probe | None = None,
    ) -> None:
        """Add one verdict of check `name` (None: it did not apply) to the statistics."""
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
        """Valid requests sent with valid credentials that got a 2xx, examples first."""
        return [
            s
            for s in sorted(self.history, key=lambda s: s.exchange.request.origin != "example")
            if s.valid and s.ok
        ]

    def best_base(self) -> Observed | None:
        """The successful request listing the most records (by reported total when there is one).

        Probes start from it, so it must be a plain request: probes' own requests are skipped.
        """
        paging = self.ctx.rules.paging
        best, best_size = None, 0
        for seen in self.successes():
            if seen.exchange.request.origin.startswith("probe:") or not seen.records:
                continue
            total = get_path(seen.body, paging.total) if paging and paging.total else None
            total = int(total) if isinstance(total, str) and total.isdigit() else total
            size = total if isinstance(total, int) else len(seen.records)
            if size > best_size:
                best, best_size = seen, size
        return best

    def wrong_credentials(self) -> list[str]:
        """Names of the wrong-credential variants the auth probe sends."""
        return list(self._wrong)

    def known_values(self, name: str) -> list[Json]:
        """Known values (given, then harvested) of one input of this operation."""
        for slot, values in self.known.known_for(self.ctx.op).items():
            if slot.name == name:
                return values
        return []

    def known_slots(self) -> dict[Slot, list[Json]]:
        """Every known input of the operation."""
        return self.known.known_for(self.ctx.op)
