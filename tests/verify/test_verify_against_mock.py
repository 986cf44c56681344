"""`recmock verify` passes against the real mock, for every provider, over real sockets."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from verify_runs import DEMO_AUTH, KNOWN_MOCK_BUGS, Outcome, drain

pytestmark = pytest.mark.slow


def _verify(verify_cli: Callable[..., Outcome], provider: str, root: str) -> Outcome:
    prefix, auth = DEMO_AUTH[provider]
    return verify_cli(
        provider,
        "--base-url",
        root + prefix,
        *auth,
        "--seed",
        "7",
        "--max-examples",
        "60",
        "--allow",
        str(KNOWN_MOCK_BUGS),
    )


@pytest.mark.parametrize("provider", ["plugnmeet", "signalwire", "zoom", "cloudflare"])
def test_verify_exits_0_against_the_mock(provider, live_server, verify_cli) -> None:  # type: ignore[no-untyped-def]
    """No unaccepted violation; every check that can apply to the provider did apply."""
    drain(live_server)
    outcome = _verify(verify_cli, provider, live_server.url)
    assert outcome.code == 0, outcome.out
    assert "PASSED: 0 violation(s)" in outcome.out
    assert outcome.failing_checks() == set()
    for line in outcome.out.splitlines():  # anything accepted must be a known mock bug
        if line.startswith("  allowed ["):
            assert line.startswith("  allowed [server_error] answered 500"), line


def test_verify_exits_0_against_the_v1_plugnmeet_doc(start_server, verify_cli) -> None:  # type: ignore[no-untyped-def]
    """The older plugNmeet doc, served with --plugnmeet-version v1, verifies too."""
    server = start_server("--plugnmeet-version", "v1")
    drain(server)
    outcome = _verify(verify_cli, "plugnmeet-v1", server.url)
    assert outcome.code == 0, outcome.out


def test_time_limit_caps_a_large_run(live_server, verify_cli) -> None:  # type: ignore[no-untyped-def]
    """Thousands of examples asked for, one second allowed: the run stops and says so."""
    import time

    drain(live_server)
    prefix, auth = DEMO_AUTH["signalwire"]
    started = time.monotonic()
    outcome = verify_cli(
        "signalwire",
        "--base-url",
        live_server.url + prefix,
        *auth,
        "--max-examples",
        "5000",
        "--time-limit",
        "1",
        "--seed",
        "3",
        "--allow",
        str(KNOWN_MOCK_BUGS),
    )
    assert time.monotonic() - started < 20
    assert "time limit" in outcome.out
    assert outcome.code in (0, 1, 3)  # 3: one second is too little to run every check


def test_any_spec_file_can_be_verified(live_server, verify_cli, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--spec FILE: a spec without x-recmock rules still gets the schema/auth/negative checks."""
    import yaml

    from recmock.specs import SPECS_DIR

    drain(live_server)
    document = yaml.safe_load((SPECS_DIR / "zoom/session-recordings.yaml").read_text())
    for item in document["paths"].values():
        for operation in item.values():
            operation.pop("x-recmock", None)
    spec = tmp_path / "zoom-without-rules.yaml"
    spec.write_text(yaml.safe_dump(document))
    _, auth = DEMO_AUTH["zoom"]
    outcome = verify_cli(
        "--spec",
        str(spec),
        "--base-url",
        live_server.url + "/v2",
        *auth,
        "--max-examples",
        "20",
        "--seed",
        "5",
        "--allow",
        str(KNOWN_MOCK_BUGS),
    )
    assert outcome.code == 0, outcome.out
    assert "zoom-without-rules" in outcome.out
    assert "invariants   semantic       n/a" in outcome.out
