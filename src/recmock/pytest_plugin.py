"""pytest entry point: run recmock's contract checks as pytest tests in a team's own CI.

Registered through the `pytest11` entry point, so installing recmock is enough. It must stay
cheap to import (every pytest run loads it): the engine is imported only when a test runs.

    # test_contract.py, in your repository
    import os
    from recmock.pytest_plugin import contract_tests

    test_signalwire = contract_tests(
        "signalwire",
        base_url=os.environ["SIGNALWIRE_BASE_URL"],  # e.g. https://SPACE.signalwire.com/api/video
        basic=os.environ["SIGNALWIRE_BASIC"],  # project_id:api_token, from the CI secret store
    )

That module then holds one test per operation and check (`test_signalwire[getRecording-auth]`);
the whole verification runs once, on the first of them, and each test fails with its own
violations and their curl reproducers. `recmock_verify` is the same as a fixture returning a
`Summary`, and `recmock_server` starts the mock itself for tests that need one.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from recmock.verify.events import Summary

_RUNS: dict[tuple[str, ...], Summary] = {}


def verify_args(
    provider: str = "",
    *,
    base_url: str,
    spec: str = "",
    headers: Sequence[str] = (),
    basic: str = "",
    bearer: str = "",
    plugnmeet: tuple[str, str] | None = None,
    zoom: tuple[str, str] | None = None,
    max_examples: int = 50,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 4,
    allow: str = "",
    params: Sequence[str] = (),
) -> list[str]:
    """The `recmock verify` command line for these options (the same validation applies)."""
    args = ["verify", *([provider] if provider else []), "--base-url", base_url]
    args += ["--spec", spec] if spec else []
    for header in headers:
        args += ["-H", header]
    args += ["--basic", basic] if basic else []
    args += ["--bearer", bearer] if bearer else []
    if plugnmeet:
        args += ["--plugnmeet-key", plugnmeet[0], "--plugnmeet-secret", plugnmeet[1]]
    if zoom:
        args += ["--zoom-key", zoom[0], "--zoom-secret", zoom[1]]
    args += ["--max-examples", str(max_examples), "--time-limit", str(time_limit)]
    args += ["--seed", str(seed), "--workers", str(workers)]
    for param in params:
        args += ["--param", param]
    return args + (["--allow", allow] if allow else [])


def run_contract(args: Sequence[str]) -> Summary:
    """Run one verification (cached per command line within this pytest session)."""
    key = tuple(args)
    if key not in _RUNS:
        from recmock.cli import build_parser
        from recmock.errors import RecmockError
        from recmock.verify.config import config_from_args
        from recmock.verify.engine import verify
        from recmock.verify.events import RunFinished

        try:
            config = config_from_args(build_parser().parse_args(list(args)))
            for event in verify(config):
                if isinstance(event, RunFinished):
                    _RUNS[key] = event.summary
        except RecmockError as exc:
            pytest.fail(f"recmock verify: {exc}", pytrace=False)
    return _RUNS[key]


def contract_tests(provider: str = "", **options: Any) -> Callable[..., None]:
    """A test function parametrized by operation and check; options as for `verify_args`."""
    from recmock.specs import load_spec
    from recmock.verify.checks import CHECKS
    from recmock.verify.config import provider_spec

    args = verify_args(provider, **options)
    spec = load_spec(Path(options["spec"]) if options.get("spec") else provider_spec(provider))
    cases = [
        pytest.param(op.operation_id, check, id=f"{op.operation_id}-{check}")
        for op in spec.operations
        for check in CHECKS
    ]

    @pytest.mark.parametrize(("operation_id", "check"), cases)
    def test_contract(operation_id: str, check: str) -> None:
        summary = run_contract(args)
        assert_check(summary, operation_id, check)

    return test_contract


def assert_check(summary: Summary, operation_id: str, check: str) -> None:
    """Fail with every unaccepted violation of `check` on the operation; skip if n/a."""
    from recmock.report.console import violation_lines

    label = next((name for name in summary.stats if name.endswith(f"({operation_id})")), "")
    stats = summary.stats.get(label, {}).get(check)
    found = [v for v in summary.failures if v.operation == label and v.check == check]
    if found:
        text = "\n\n".join("\n".join(violation_lines(i, v)) for i, v in enumerate(found, 1))
        pytest.fail(f"{len(found)} {check} violation(s) on {label}:\n\n{text}", pytrace=False)
    if stats is not None and stats.skipped:
        # A check that applies but never ran tested nothing: not a pass (verify's exit 3).
        method_path = label.rsplit(" (", 1)[0]
        why = [r for r in summary.inconclusive if r.startswith(f"{method_path}:")]
        text = "\n".join(f"  - {r}" for r in why)
        pytest.fail(f"{check} never ran on {label}: {stats.skipped}\n{text}", pytrace=False)
    if stats is None or not stats.applicable:
        pytest.skip(f"{check} does not apply to {operation_id}")


@pytest.fixture
def recmock_verify() -> Callable[..., Summary]:
    """`recmock_verify(provider, base_url=..., **options)` -> the run's Summary."""

    def run(provider: str = "", **options: Any) -> Summary:
        return run_contract(verify_args(provider, **options))

    return run


class _ThreadedMock:
    """The mock served by uvicorn in a daemon thread on 127.0.0.1:<free port>."""

    def __init__(self) -> None:
        import uvicorn

        from recmock.server.run import ServeConfig, build_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            build_app(ServeConfig()),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the recmock server did not start within 30 s")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def recmock_server() -> Iterator[str]:
    """The mock with default settings and demo credentials; yields its root URL."""
    mock = _ThreadedMock()
    yield mock.url
    mock.stop()
