"""The pytest entry point: a team runs recmock's contract checks as ordinary pytest tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "verify"))
from verify_runs import KNOWN_MOCK_BUGS, drain

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow


def test_contract_tests_become_one_pytest_test_per_check(
    pytester: pytest.Pytester,
    live_server,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """Passing checks pass, checks that cannot apply are skipped, one verification runs."""
    drain(live_server)
    monkeypatch.setenv("RM_URL", live_server.url)
    monkeypatch.setenv("RM_ALLOW", str(KNOWN_MOCK_BUGS))
    pytester.makepyfile(
        test_contract="""
import os
from recmock.pytest_plugin import contract_tests

test_cloudflare = contract_tests(
    "cloudflare", base_url=os.environ["RM_URL"] + "/client/v4", bearer="demo-token",
    max_examples=15, allow=os.environ["RM_ALLOW"],
)
"""
    )
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=7, skipped=4)  # paging, links, limit, ordering: one record
    result.stdout.fnmatch_lines(["*7 passed, 4 skipped*"])


def test_a_failing_check_shows_its_reproducer_without_the_secret(
    pytester: pytest.Pytester,
    live_server,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    """Wrong credentials: the auth test fails saying nothing was tested and why; no secret shown."""
    drain(live_server)
    monkeypatch.setenv("RM_URL", live_server.url)
    pytester.makepyfile(
        test_contract="""
import os
from recmock.pytest_plugin import contract_tests

test_zoom = contract_tests(
    "zoom", base_url=os.environ["RM_URL"] + "/v2", zoom=("demo-key", "not-the-SECRET-42"),
    max_examples=5,
)
"""
    )
    result = pytester.runpytest("-q", "-p", "no:cacheprovider", "-k", "auth")
    result.assert_outcomes(failed=1, deselected=10)
    result.stdout.fnmatch_lines(
        ["*auth never ran*", "*the given credentials were refused on*check the auth options*"]
    )
    assert "not-the-SECRET-42" not in result.stdout.str()


def test_fixtures_serve_the_mock_and_verify_it(pytester: pytest.Pytester) -> None:
    """recmock_server starts the mock in-process; recmock_verify returns the run's Summary."""
    pytester.makepyfile(
        test_fixtures=f"""
def test_zoom(recmock_server, recmock_verify):
    summary = recmock_verify("zoom", base_url=recmock_server + "/v2",
                             zoom=("demo-key", "demo-secret"), max_examples=10,
                             allow={str(KNOWN_MOCK_BUGS)!r})
    assert summary.requests > 10
    assert summary.exit_code == 0, [v.message for v in summary.failures]
"""
    )
    result = pytester.runpytest("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
