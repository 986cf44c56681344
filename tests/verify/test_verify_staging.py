"""`recmock verify` against a deployment that is not our mock: the independent staging double.

The double (tests/verify/staging/) shares no code or data with recmock. Correct, with its known
ids given by `--param`, every spec conforms (exit 0); without them verify must say it could not
look at any data (exit 3); with one seeded defect switched on, the check made for that defect
fails (exit 1) and no secret appears in any output.
"""

from __future__ import annotations

import ast
import base64
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st
from staging import SECRETS, VARIANTS, StagingApp, ThreadedServer
from staging import data as d
from staging.plugnmeet import float32_text
from staging.targets import CHOICES, SPECS, choices_for, verify_args
from verify_runs import Outcome

pytestmark = pytest.mark.slow
Verify = Callable[..., Outcome]
STAGING = Path(__file__).with_name("staging")
SETTINGS = ("--seed", "7", "--max-examples", "40", "--time-limit", "20", "--workers", "4")
# What verify gets wrong today against this double: verify bugs, kept as strict xfails so each
# one turns into a failure (to delete here) the day verify is fixed.
VERIFY_MISSES: dict[str, str] = {}  # variant -> why verify cannot find it
VERIFY_FALSE_ALARMS: dict[str, str] = {}  # spec -> what verify wrongly reports without --param
SPEC_FOR = {
    "plugnmeet": "plugnmeet",
    "signalwire": "signalwire",
    "zoom": "zoom",
    "cloudflare": "cloudflare",
}
CHECK_NAMES = {"schema", "server_error", "auth", "negative", "limit", "ordering", "filter", "paging", "links", "invariants", "write_only"}  # fmt: skip
NO_CALLS = {"__import__", "import_module", "open", "read_text", "read_bytes", "load_specs"}
ALLOWED_IMPORTS = {*sys.stdlib_module_names, "__future__", "uvicorn", "jwt", "starlette"}


@pytest.fixture(scope="module")
def double() -> Iterator[tuple[StagingApp, str]]:
    """The double on a free loopback port for the whole module; variants switch in place."""
    app = StagingApp(choices=CHOICES)
    server = ThreadedServer(app)
    yield app, server.url
    server.stop()


def _run(
    verify_cli: Verify, app: StagingApp, url: str, spec: str, *, known: bool = True
) -> Outcome:
    app.choices = choices_for(spec)
    try:
        return verify_cli(*verify_args(spec, url, known=known), *SETTINGS)
    finally:
        app.choices = CHOICES


def _secret_forms() -> list[str]:
    basic = base64.b64encode(f"{d.SW_PROJECT}:{d.SW_TOKEN}".encode()).decode()
    return [*SECRETS, basic]


def _assert_no_secret(outcome: Outcome) -> None:
    text = "\n".join([outcome.out, outcome.err, outcome.junit.read_text()])
    for secret in _secret_forms():
        assert secret not in text
    for token in re.findall(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text):  # no JWT signed with our secret
        with pytest.raises(jwt.InvalidSignatureError):
            jwt.decode(token, d.ZOOM_SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert not re.search(r"HASH-SIGNATURE: [0-9a-f]{64}", text)


def test_the_double_imports_nothing_from_recmock() -> None:
    """Every import of the double, parsed: stdlib, uvicorn, PyJWT, starlette or its own modules.

    Never recmock (nor anything else): a double built from the mock's code would only prove the
    mock agrees with itself."""
    files = sorted(STAGING.glob("*.py"))
    assert len(files) >= 7
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            called = node.func if isinstance(node, ast.Call) else None
            name = getattr(called, "id", getattr(called, "attr", ""))
            assert name not in NO_CALLS, f"{path.name} calls {name}(): no data from elsewhere"
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [] if node.level else [node.module or ""]
            else:
                continue
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"


@given(st.integers(min_value=0, max_value=2**53))
def test_protojson_float_text_reads_back_as_the_same_number(value: int) -> None:
    """The double's exponent form of plugNmeet's float32 file_size is still exactly the size."""
    text = float32_text(value).removeprefix("@number:")
    assert float(text) == value
    assert ("e+" in text) == (value >= 1_000_000)
    assert re.fullmatch(r"[0-9]+|[1-9](\.[0-9]*[1-9])?e\+[0-9]{2,}", text)


def test_the_variant_table_covers_every_provider_and_check() -> None:
    """At least 30 defects; each provider has semantic ones; each names a real check."""
    assert len(VARIANTS) >= 30
    assert {v.check for v in VARIANTS.values()} <= CHECK_NAMES
    for provider in SPEC_FOR:
        checks = {v.check for v in VARIANTS.values() if v.provider == provider}
        assert {"schema", "auth", "negative", "server_error"} <= checks, provider
        assert checks & {"limit", "ordering", "filter", "paging", "links", "invariants"}, provider
        source = (STAGING / f"{provider}.py").read_text()
        for name, variant in VARIANTS.items():
            if variant.provider == provider:
                assert f'bug("{name}")' in source, f"{name} is never switched in {provider}.py"


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_the_correct_double_conforms_given_known_ids(
    spec: str, double: tuple[StagingApp, str], verify_cli: Verify
) -> None:
    """Correct double plus its ids via --param: exit 0 and not one failing check."""
    app, url = double
    app.variant = None
    outcome = _run(verify_cli, app, url, spec)
    assert (outcome.code, outcome.failing_checks()) == (0, set()), outcome.out


def _xfail(reasons: dict[str, str], names: list[str]) -> list[object]:
    return [
        pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=reasons[n]))
        if n in reasons
        else n
        for n in names
    ]


@pytest.mark.parametrize("spec", _xfail(VERIFY_FALSE_ALARMS, sorted(SPECS)))
def test_without_known_ids_the_run_is_inconclusive(
    spec: str, double: tuple[StagingApp, str], verify_cli: Verify
) -> None:
    """No --param: the specs' example ids do not exist there, so nothing was really checked."""
    app, url = double
    app.variant = None
    outcome = _run(verify_cli, app, url, spec, known=False)
    assert outcome.code == 3, outcome.out
    assert "--param" in outcome.out + outcome.err


@pytest.mark.parametrize("name", _xfail(VERIFY_MISSES, sorted(VARIANTS)))
def test_each_variant_is_found_by_its_check(
    name: str, double: tuple[StagingApp, str], verify_cli: Verify
) -> None:
    """One defect on: exit 1, its check among the failing ones, and no secret in any output."""
    app, url = double
    variant = VARIANTS[name]
    app.variant = name
    try:
        outcome = _run(verify_cli, app, url, SPEC_FOR[variant.provider])
    finally:
        app.variant = None
    assert outcome.code == 1, outcome.out
    assert variant.check in outcome.failing_checks(), outcome.out
    _assert_no_secret(outcome)
