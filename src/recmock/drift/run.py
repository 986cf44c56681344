"""One drift run: the same requests to the target and to the mock, facts per operation.

The requests are verify's (the spec's examples, then positive Hypothesis draws, with `--param`
known values filled in), so a drift run and a verify run look at the same inputs. Both sides
get the same credentials; the run is bounded by a request count per operation and a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from recmock.drift.shapes import Difference, Fact, differences, enum_paths, response_facts, score
from recmock.specs import Operation
from recmock.verify.config import VerifyConfig
from recmock.verify.generation import Generator, unique
from recmock.verify.known import KnownData, apply
from recmock.verify.wire import Exchange, Transport, WireRequest


@dataclass
class OperationDrift:
    """What one operation showed on each side, and how alike that was."""

    operation: str  # provider/operationId
    requests: int = 0
    unanswered: int = 0  # requests one side did not answer (transport error, time limit)
    silent: dict[str, str] = field(default_factory=dict)  # side -> its last transport error
    target: set[Fact] = field(default_factory=set)
    mock: set[Fact] = field(default_factory=set)

    @property
    def score(self) -> float:
        """Weighted Jaccard similarity of the two fact sets (README "Drift")."""
        return score(self.target, self.mock)

    @property
    def differences(self) -> list[Difference]:
        """The facts only one side showed, heaviest first."""
        return differences(self.target, self.mock)


@dataclass(frozen=True)
class DriftConfig:
    """A verify config (spec, target, credentials, known data, limits) plus the mock's URL."""

    verify: VerifyConfig
    mock_url: str
    min_score: float = 0.9


def requests_for(
    gen: Generator, op: Operation, config: VerifyConfig, until: float
) -> list[WireRequest]:
    """Examples, then positive draws, known values applied, at most `max_examples` distinct."""
    known = KnownData(given=config.known).given_for(op)
    drawn = gen.examples(op, config.seed) + gen.fuzz(
        op, negative=False, count=config.max_examples, seed=config.seed, until=until
    )
    filled = [apply(r, op, known, i) for i, r in enumerate(drawn)]
    return list(unique(filled))[: config.max_examples]


def _facts(exchange: Exchange, enums: set[str]) -> set[Fact] | None:
    if exchange.status is None:
        return None
    return response_facts(exchange.status, exchange.headers, exchange.body, enums)


def drift(config: DriftConfig) -> Iterator[OperationDrift]:
    """Each operation's drift, in spec order; nothing is printed."""
    from recmock.verify.contract import contract_for

    verify = config.verify
    end = time.monotonic() + verify.time_limit
    gen = Generator(verify.spec)
    headers_for = verify.credentials.headers_for
    target = Transport(
        verify.base_url, headers_for, workers=verify.workers, timeout=verify.timeout, deadline=end
    )
    mock = Transport(
        config.mock_url, headers_for, workers=verify.workers, timeout=verify.timeout, deadline=end
    )
    try:
        for op in verify.spec.operations:
            result = OperationDrift(f"{verify.spec.provider}/{op.operation_id}")
            contract = contract_for(verify.spec, op)
            enums: set[str] = set()
            for documented in contract.responses.values():
                enums |= enum_paths(documented.schema)
            batch = requests_for(gen, op, verify, end)
            for left, right in zip(target.send_all(batch), mock.send_all(batch), strict=True):
                result.requests += 1
                seen_target, seen_mock = _facts(left, enums), _facts(right, enums)
                if seen_target is None or seen_mock is None:
                    result.unanswered += 1  # one side cannot be compared: count neither
                    for side, exchange in (("--target", left), ("--mock", right)):
                        if exchange.status is None:
                            result.silent[side] = exchange.error
                    continue
                result.target |= seen_target
                result.mock |= seen_mock
            yield result
    finally:
        target.close()
        mock.close()
