"""The pure pieces of verify: limits, ordering, write-only walking, credentials, reproducers."""

from __future__ import annotations

import time

import jwt
import pytest

from recmock.specs import SPECS_DIR
from recmock.verify.checks import effective_limit, order_problem, same_value
from recmock.verify.config import AllowEntry, provider_spec
from recmock.verify.contract import media_type_matches, write_only_leaks
from recmock.verify.credentials import Credentials, Redactor
from recmock.verify.reproducer import curl_command
from recmock.verify.wire import WireRequest


def test_effective_limit_follows_clamping_rules() -> None:
    """plugNmeet: null/<=0 -> default, >max -> max; without clamping out-of-range is None."""
    assert [effective_limit(20, 100, True, v) for v in (None, 0, -3, 7, 100, 101)] == [
        20,
        20,
        20,
        7,
        100,
        100,
    ]
    assert [effective_limit(50, 1000, False, v) for v in (None, 0, 1, 1000, 1001)] == [
        50,
        None,
        1,
        1000,
        None,
    ]


def test_order_problem_reads_numbers_and_times() -> None:
    """Non-strict order; RFC 3339 times compare as instants."""
    asc = [{"t": "2024-01-01T00:00:00Z"}, {"t": "2024-01-01T01:00:00+01:00"}, {"t": 1}]
    assert order_problem([{"t": 1}, {"t": 1}, {"t": 2}], "t", "ASC") == ""
    assert order_problem(asc[:2], "t", "ASC") == ""  # the same instant
    assert "DESC" in order_problem([{"t": 1}, {"t": 2}], "t", "DESC")
    assert order_problem([{"t": 2}, {}, {"t": 1}], "t", "DESC") == ""  # absent fields skip


def test_same_value_ignores_uuid_case() -> None:
    """A server may echo a UUID in another case."""
    assert same_value(
        "8D1E5B7A-2C3F-4E6A-9B0D-1F2E3A4B5C6D", "8d1e5b7a-2c3f-4e6a-9b0d-1f2e3a4b5c6d"
    )
    assert not same_value("room01", "room02")


def test_write_only_leaks_are_found_through_refs_arrays_and_all_of() -> None:
    """Any property marked writeOnly in every schema that declares it is a leak."""
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {
                    "allOf": [
                        {"properties": {"secret": {"type": "string", "writeOnly": True}}},
                        {"properties": {"name": {"type": "string"}}},
                    ]
                },
            },
            "config": {"properties": {"password": {"writeOnly": True}, "host": {}}},
        },
    }
    body = {"items": [{"name": "a"}, {"name": "b", "secret": "x"}], "config": {"host": "h"}}
    assert list(write_only_leaks(schema, body)) == ["items[1].secret"]
    assert list(write_only_leaks(schema, {"config": {"password": ""}})) == ["config.password"]


def test_media_types() -> None:
    """Exact, wildcard and +json suffix types match application/json as documented."""
    assert media_type_matches("application/json", "application/json")
    assert media_type_matches("application/problem+json", "application/json")
    assert media_type_matches("text/plain", "text/*")
    assert not media_type_matches("text/html", "application/json")


def test_wrong_credentials_really_are_wrong() -> None:
    """Each auth-check variant changes exactly the credential it names."""
    creds = Credentials(plugnmeet=("key", "pnm-secret"), zoom=("iss", "zoom-secret"))
    request = WireRequest("POST", "/x", body=b'{"a":1}')
    valid = creds.headers_for(request)
    assert creds.headers_for(request.with_auth("none")) == {}
    assert creds.headers_for(request.with_auth("wrong-key"))["API-KEY"] != valid["API-KEY"]
    wrong = creds.headers_for(request.with_auth("wrong-signature"))
    assert wrong["HASH-SIGNATURE"] != valid["HASH-SIGNATURE"]
    expired = creds.headers_for(request.with_auth("expired-jwt"))["Authorization"].split()[1]
    claims = jwt.decode(expired, "zoom-secret", algorithms=["HS256"], options={"verify_exp": False})
    assert claims["exp"] < time.time()
    forged = creds.headers_for(request.with_auth("wrong-jwt-secret"))["Authorization"].split()[1]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, "zoom-secret", algorithms=["HS256"])


def test_redactor_hides_secrets_tokens_and_signatures() -> None:
    """Secrets, the Basic token made from them, minted JWTs and 64-hex signatures go."""
    creds = Credentials(basic=("user", "pass-w0rd"), plugnmeet=("k", "s3cret"), zoom=("i", "zs"))
    token = creds.headers_for(WireRequest("GET", "/"))["Authorization"]
    redact = Redactor(creds)
    text = f"pass-w0rd dXNlcjpwYXNzLXcwcmQ= s3cret {token} {'ab' * 32}"
    assert redact(text).split() == ["***"] * 3 + ["Bearer", "***", "***"]


def test_curl_reproducer_signs_the_exact_body_without_the_secret() -> None:
    """plugNmeet: BODY, then SIG from $SECRET, then curl; binary bodies go through a file."""
    creds = Credentials(plugnmeet=("demo-key", "top-secret"))
    request = WireRequest("POST", "/recording/fetch", body=b'{"room_ids":["it\'s"]}')
    curl = curl_command(request, "http://h/auth", creds.reproduction(request))
    assert "top-secret" not in curl
    assert 'BODY=\'{"room_ids":["it\'"\'"\'s"]}\'' in curl
    assert 'openssl dgst -sha256 -hmac "$SECRET"' in curl and '"HASH-SIGNATURE: $SIG"' in curl
    binary = WireRequest("POST", "/recording/fetch", body=b"\x00\xff")
    curl = curl_command(binary, "http://h/auth", creds.reproduction(binary))
    assert "printf '\\000\\377' > recmock-body.bin" in curl
    assert "--data-binary @recmock-body.bin" in curl


def test_provider_names_pick_spec_files() -> None:
    """A bare provider gets its newest doc; -v1 picks the older plugNmeet one."""
    assert provider_spec("plugnmeet") == SPECS_DIR / "plugnmeet/recording-fetch.v2.yaml"
    assert provider_spec("plugnmeet-v1") == SPECS_DIR / "plugnmeet/recording-fetch.v1.yaml"
    assert provider_spec("zoom") == SPECS_DIR / "zoom/session-recordings.yaml"


def test_allow_entries_match_check_operation_and_pattern() -> None:
    """`match` is searched in the message and the reproducer."""
    entry = AllowEntry("negative", "fetchRecordings", "pending PLUG-1", match=r"from=-1")
    assert entry.accepts("negative", ["fetchRecordings"], "accepted", "curl ...?from=-1")
    assert not entry.accepts("schema", ["fetchRecordings"], "accepted", "from=-1")
    assert not entry.accepts("negative", ["other"], "accepted", "from=-1")
    assert not entry.accepts("negative", ["fetchRecordings"], "accepted", "from=0")


def test_response_validation_uses_3_1_semantics_and_formats() -> None:
    """Nullable type lists, date-time, uuid and uri formats are all enforced."""
    from jsonschema import Draft202012Validator

    from recmock.verify.contract import Documented, format_checker

    schema = {
        "type": "object",
        "properties": {
            "at": {"type": ["string", "null"], "format": "date-time"},
            "id": {"type": "string", "format": "uuid"},
            "uri": {"type": ["string", "null"], "format": "uri"},
        },
    }

    validator = Draft202012Validator(schema, format_checker=format_checker())
    documented = Documented(("application/json",), schema, {}, validator)
    ok = {"at": None, "id": "8d1e5b7a-2c3f-4e6a-9b0d-1f2e3a4b5c6d", "uri": "https://x/y?z=1"}
    assert documented.validator is not None and documented.validator.is_valid(ok)
    for bad in ({"at": "yesterday"}, {"id": "not-a-uuid"}, {"uri": "not a uri"}):
        assert not validator.is_valid(bad), bad


def test_generated_requests_never_carry_undeclared_mock_control_parameters() -> None:
    """`__scenario`/`__code` are the mock's controls, not the API's: never fuzzed."""
    from recmock.specs import load_spec
    from recmock.verify.generation import build

    (op,) = load_spec(SPECS_DIR / "signalwire" / "room-session-recordings.yaml").operations
    request = build(
        op,
        {"id": "x"},
        {"__scenario": "{}", "__code": "500", "page_size": 3, "junk": 1},
        None,
        "fuzz",
    )
    assert request is not None
    assert dict(request.query) == {"page_size": "3", "junk": "1"}
