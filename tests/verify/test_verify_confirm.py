"""Confirmation: a 5xx always counts (with how often it repeated); other findings must repeat."""

from __future__ import annotations

from collections.abc import Sequence

from recmock.specs import SPECS_DIR, load_spec
from recmock.verify.classify import Classifier
from recmock.verify.confirm import confirm
from recmock.verify.contract import contract_for
from recmock.verify.events import Violation
from recmock.verify.known import KnownData
from recmock.verify.operation_run import OperationRun
from recmock.verify.registry import OperationContext
from recmock.verify.wire import Exchange, WireRequest

SPEC = load_spec(SPECS_DIR / "cloudflare/recording-details.yaml")
OP = SPEC.operations[0]
PATH = (
    "/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
    "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
)
REQUEST = WireRequest("GET", PATH, origin="example")
NOT_FOUND = b'{"success":false,"errors":[{"code":10404,"message":"not found"}],"messages":[]}'


def _run(statuses: list[int]) -> OperationRun:
    """A run whose target answers `statuses` in turn (then the last one forever)."""
    answers = iter(statuses)
    last = statuses[-1]

    def send(requests: Sequence[WireRequest]) -> list[Exchange]:
        out = []
        for request in requests:
            status = next(answers, last)
            body = b"internal error" if status >= 500 else NOT_FOUND
            headers = {"content-type": "text/plain" if status >= 500 else "application/json"}
            out.append(Exchange(request, status, headers, body, 0.01))
        return out

    ctx = OperationContext(SPEC, OP, contract_for(SPEC, OP), Classifier(OP), "http://h/client/v4")
    return OperationRun(ctx, send, KnownData(), [])


def test_a_5xx_that_does_not_repeat_is_still_reported_with_its_count() -> None:
    """One 500, then 404s: reported as 'failed 1 of 4 attempts', never 'flaky, not reported'."""
    run = _run([500, 404])
    run.observe([REQUEST])
    (found,) = list(confirm(run, lambda: False))
    assert found.candidate.check == "server_error"
    assert (found.failed, found.attempts) == (1, 4)
    assert run.stats["server_error"].flaky == 0


def test_a_5xx_that_always_repeats_counts_every_attempt() -> None:
    """A steady 500: failed 4 of 4."""
    run = _run([500])
    run.observe([REQUEST])
    (found,) = list(confirm(run, lambda: False))
    assert (found.failed, found.attempts) == (4, 4)


def test_a_schema_failure_that_does_not_repeat_is_not_reported() -> None:
    """Non-5xx findings must fail again: a 418 once, then documented 404s, is not reported."""
    run = _run([418, 404])
    run.observe([REQUEST])
    assert run.stats["schema"].failed == 1
    assert list(confirm(run, lambda: False)) == []
    assert run.stats["schema"].flaky == 1


def test_the_report_says_how_often_a_5xx_repeated() -> None:
    """Console, JUnit and HTML print the violation's message, which carries the count."""
    from recmock.verify.config import VerifyConfig
    from recmock.verify.engine import Engine

    run = _run([500, 404])
    run.observe([REQUEST])
    (found,) = list(confirm(run, lambda: False))
    engine = Engine(VerifyConfig(spec=SPEC, base_url="http://127.0.0.1:9/client/v4"))
    violation: Violation = engine.violation(run.ctx, found)
    engine.transport.close()
    assert violation.is_failure
    assert violation.message.endswith("(failed 1 of 4 attempts)")
    assert violation.repeated == (1, 4)
