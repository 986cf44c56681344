"""A deliberately broken deployment: each defect is caught by the check made for it, only that
check, and the same server without defects passes with no violation at all."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from broken_server import AUTH, CREDENTIALS, DEFECTS, SECRETS, Broken
from verify_runs import KNOWN_MOCK_BUGS, Outcome

from recmock.auth import basic

pytestmark = pytest.mark.slow
Verify = Callable[..., Outcome]


def _run(verify_cli: Verify, url: str, provider: str, *extra: str) -> Outcome:
    prefix, auth = AUTH[provider]
    return verify_cli(
        provider,
        "--base-url",
        url + prefix,
        *auth,
        "--seed",
        "11",
        "--max-examples",
        "30",
        "--allow",
        str(KNOWN_MOCK_BUGS),
        *extra,
    )


@pytest.mark.parametrize("provider", sorted(AUTH))
def test_the_correct_variant_passes(
    provider: str, broken: tuple[Broken, str], verify_cli: Verify
) -> None:
    """Without defects: exit 0, no failing check."""
    app, url = broken
    app.defects = set()
    outcome = _run(verify_cli, url, provider)
    assert (outcome.code, outcome.failing_checks()) == (0, set()), outcome.out


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_each_defect_is_caught_by_its_check(
    defect: str, broken: tuple[Broken, str], verify_cli: Verify
) -> None:
    """One defect on: exit 1 and exactly the check responsible for it fails."""
    app, url = broken
    provider, check = DEFECTS[defect]
    app.defects = {defect}
    try:
        outcome = _run(verify_cli, url, provider)
    finally:
        app.defects = set()
    assert outcome.code == 1, outcome.out
    assert outcome.failing_checks() == {check}, outcome.out


def test_reports_of_a_failing_run_never_show_a_secret(
    broken: tuple[Broken, str], verify_cli: Verify, tmp_path: Path
) -> None:
    """Every defect on, every provider: reproducers everywhere, no secret in any output."""
    app, url = broken
    app.defects = set(DEFECTS)
    texts = []
    try:
        for provider in sorted(AUTH):
            html = tmp_path / f"{provider}.html"
            outcome = _run(verify_cli, url, provider, "--report", str(html))
            assert outcome.code == 1
            ET.parse(outcome.junit)  # parses
            texts += [outcome.out, outcome.err, outcome.junit.read_text(), html.read_text()]
    finally:
        app.defects = set()
    everything = "\n".join(texts)
    assert "reproduce:" in everything and "curl -sS" in everything
    derived = [basic("sw-project", CREDENTIALS.signalwire_token)["Authorization"].split()[1]]
    for secret in (*SECRETS, *derived):
        assert secret not in everything
    for token in re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", everything):  # no JWT we signed
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(
                token, CREDENTIALS.zoom_secret, algorithms=["HS256"], options={"verify_exp": False}
            )
    assert not re.search(r"HASH-SIGNATURE: [0-9a-f]{64}", everything)
