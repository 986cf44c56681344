"""The small points of issue 11: admin errors are marked, a forced 429 says when to retry,
dynamic bodies obey the spec's rules, Connexion's deprecations stay out of users' runs, and the
README's scenario example is shipped and valid."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from recmock.rules import violations
from recmock.specs import SPECS_DIR, Operation, Spec, deref, load_specs, select_specs

pytest_plugins = ["pytester"]
ROOT = Path(__file__).resolve().parents[2]
SPECS = select_specs(load_specs(SPECS_DIR), {"plugnmeet": "v2"})
OPERATIONS = [op for spec in SPECS for op in spec.operations]
PARAMS = {  # a routable value for each path parameter (forced replies skip auth and validation)
    "id": str(uuid.uuid4()), "sessionId": "KkMHZ4y8QhSUWAHi5sWvfg==",
    "account_id": "023e105f4ecef8ad9ca31a8372d0c353",
    "app_id": "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e", "recording_id": str(uuid.uuid4()),
}  # fmt: skip


def url(op: Operation) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], op.full_path)


def forced(client: httpx.Client, op: Operation, prefer: str, query: str = "") -> httpx.Response:
    return client.request(op.method, url(op) + query, headers={"Prefer": prefer})


def documented(spec: Spec, op: Operation, code: str) -> dict[str, object]:
    """The response object the spec document itself gives (the oracle, not recmock's model)."""
    item = spec.document["paths"][op.path][op.method.lower()]
    return dict(deref(spec.document, item["responses"].get(code, {})))


# --- the admin API marks its errors like the mock's other errors -------------------------------


def test_an_unknown_scenario_on_the_admin_api_carries_x_recmock_error(client: httpx.Client) -> None:
    response = client.put("/__recmock/scenario", json={"name": "no-such-scenario"})
    assert response.status_code == 400
    assert response.headers.get("x-recmock-error") == "true"
    assert "no-such-scenario" in response.json()["error"] and response.json()["scenarios"]
    # the same marker the API side uses for an unknown scenario
    api = client.get(url(OPERATIONS[-1]), headers={"X-Recmock-Scenario": "no-such-scenario"})
    assert api.status_code == 400 and api.headers.get("x-recmock-error") == "true"


def test_every_admin_error_is_marked_and_no_success_is(client: httpx.Client) -> None:
    missing = client.get("/__recmock/nothing-here")
    assert missing.status_code == 404 and missing.headers.get("x-recmock-error") == "true"
    for path in ("/__recmock/health", "/__recmock/scenarios", "/__recmock/journal"):
        ok = client.get(path)
        assert ok.status_code == 200 and "x-recmock-error" not in ok.headers, path


# --- Prefer: code=429 answers with the Retry-After the spec documents --------------------------


def test_the_table_of_429s_matches_each_spec() -> None:
    """Three providers document a 429 with Retry-After; plugNmeet documents no 429 at all."""
    with_retry = sorted(
        spec.provider for spec in SPECS for op in spec.operations
        if "Retry-After" in documented(spec, op, "429").get("headers", {})  # type: ignore[operator]
    )  # fmt: skip
    assert with_retry == ["cloudflare", "signalwire", "zoom"]


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.spec_name)
def test_a_forced_429_says_when_to_retry(client: httpx.Client, op: Operation) -> None:
    spec = next(s for s in SPECS if s.name == op.spec_name)
    response = forced(client, op, "code=429")
    if "429" not in op.responses:
        assert response.status_code == 400 and response.headers["x-recmock-error"] == "true"
        assert "429" not in response.json()["documented"]
        return
    assert response.status_code == 429
    headers = documented(spec, op, "429").get("headers", {})
    assert isinstance(headers, dict) and headers
    for name in headers:
        assert name.lower() in response.headers, name
    retry = response.headers["retry-after"]
    assert retry.isdigit() and 0 <= int(retry) <= 60, retry  # seconds, RFC 9110's first form
    for mode in ("code=429, dynamic=true", "code=429, example=nope"):
        again = forced(client, op, mode)
        if again.status_code == 429:
            assert again.headers["retry-after"] == retry, mode


# --- Prefer: dynamic=true bodies are internally consistent -------------------------------------


@settings(max_examples=25, deadline=None)
@given(salt=st.text(alphabet="abcdefghij0123456789", min_size=1, max_size=12))
def test_dynamic_bodies_obey_the_spec_rules_and_schema(app: object, salt: str) -> None:
    """For any request, a dynamic 200 breaks no x-recmock rule and validates against the
    documented schema (jsonschema here is the independent oracle)."""
    from starlette.testclient import TestClient

    with TestClient(app, base_url="http://127.0.0.1:8000") as client:  # type: ignore[arg-type]
        for op in OPERATIONS:
            response = forced(client, op, "code=200, dynamic=true", f"?salt={salt}")
            assert response.status_code == 200, response.text
            body = response.json()
            assert violations(op.rules, body) == [], (op.spec_name, body)
            schema = op.response_schema("200") or {}
            errors = [e.message for e in Draft202012Validator(schema).iter_errors(body)]
            assert errors == [], (op.spec_name, errors[:3])


def test_a_dynamic_recording_still_recording_has_no_end(client: httpx.Client) -> None:
    """The reported case, over many draws: SignalWire's in-progress recordings carry no
    finished_at, duration or size, and every finished one ends after it started."""
    op = next(o for o in OPERATIONS if o.provider == "signalwire")
    seen = set()
    for n in range(60):
        for record in forced(client, op, "code=200, dynamic=true", f"?n={n}").json()["data"]:
            seen.add(record["status"])
            if record["status"] in ("recording", "paused"):
                assert record.get("finished_at") is None and record.get("size_in_bytes") is None
            elif record.get("finished_at") and record.get("started_at"):
                assert record["started_at"] <= record["finished_at"]
    assert {"recording", "completed"} <= seen  # both kinds were drawn, so both were checked


def test_dynamic_bodies_are_seeded_by_the_request(client: httpx.Client) -> None:
    op = next(o for o in OPERATIONS if o.provider == "zoom")
    first = forced(client, op, "code=200, dynamic=true", "?n=1").content
    assert forced(client, op, "code=200, dynamic=true", "?n=1").content == first
    others = {forced(client, op, "code=200, dynamic=true", f"?n={n}").content for n in range(2, 6)}
    assert first not in others


# --- Connexion's DeprecationWarnings never reach a user's test run -----------------------------


def test_plugin_users_see_no_connexion_deprecation_warnings(pytester: pytest.Pytester) -> None:
    """A user's test that starts the mock passes under -W error::DeprecationWarning."""
    pytester.makepyfile(
        test_user="""
        import httpx

        def test_uses_the_mock(recmock_server):
            health = httpx.get(recmock_server + "/__recmock/health", timeout=10)
            assert health.status_code == 200
        """
    )
    result = pytester.runpytest_subprocess(
        "-q", "-p", "no:cacheprovider", "-W", "error::DeprecationWarning", "-W",
        "ignore:Using `httpx` with `starlette.testclient`:DeprecationWarning",
    )  # fmt: skip
    output = result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    assert "DeprecationWarning" not in output and "RefResolver" not in output


def test_the_silencing_is_scoped_to_the_import() -> None:
    """No global filter: a DeprecationWarning of the user's own still shows after import."""
    code = (
        "import warnings\n"
        "import recmock.server.app\n"
        "with warnings.catch_warnings(record=True) as seen:\n"
        "    warnings.simplefilter('default')\n"
        "    warnings.warn('mine', DeprecationWarning)\n"
        "assert [str(w.message) for w in seen] == ['mine'], seen\n"
        "assert not [f for f in warnings.filters if f[2] is DeprecationWarning"
        " and 'connexion' in str(getattr(f[3], 'pattern', f[3]))]\n"
    )
    result = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                            cwd="/", capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 0, result.stderr


# --- the README's review-week.yaml is shipped and valid ----------------------------------------


def test_the_readme_scenario_example_is_shipped_word_for_word() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("A complete example, `fixtures/review-week.yaml`:", 1)[1]
    example = block.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert (ROOT / "fixtures" / "review-week.yaml").read_text() == example


def test_review_week_passes_scenarios_check() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "recmock", "scenarios", "check", "fixtures/review-week.yaml"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ok   fixtures/review-week.yaml" in result.stdout
    listing = subprocess.run([sys.executable, "-m", "recmock", "scenarios", "list"], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)  # fmt: skip
    assert re.search(r"^review-week\s+One room with a finished", listing.stdout, re.M)
