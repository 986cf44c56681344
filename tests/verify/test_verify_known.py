"""Known test data: --param parsing, where known values go, harvesting, and --config files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from verify_runs import DEMO_AUTH, Outcome, drain

from recmock.errors import ConfigError
from recmock.specs import SPECS_DIR, load_spec
from recmock.verify.config_file import load_settings
from recmock.verify.generation import build
from recmock.verify.known import KnownData, apply, parse_params, slots_of

PLUGNMEET = load_spec(SPECS_DIR / "plugnmeet/recording-fetch.v2.yaml")
SIGNALWIRE = load_spec(SPECS_DIR / "signalwire/room-session-recordings.yaml")
CLOUDFLARE = load_spec(SPECS_DIR / "cloudflare/recording-details.yaml")
SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"


def test_params_resolve_names_locations_types_and_environment() -> None:
    """Unprefixed names find their input; prefixes, repeats and ${VAR} work; types follow."""
    found = parse_params(
        ["id=" + SESSION, "query.page_size=${SIZE}", "id=${OTHER}"],
        SIGNALWIRE,
        {"SIZE": "3", "OTHER": "b"},
    )
    assert found == {("path", "id"): (SESSION, "b"), ("query", "page_size"): (3,)}
    rooms = parse_params(["room_ids=room01", "body.room_ids=sales"], PLUGNMEET, {})
    assert rooms == {("body", "room_ids"): ("room01", "sales")}


@pytest.mark.parametrize(
    ("texts", "env", "message"),
    [
        (["nope=1"], {}, "--param nope: no operation of"),
        (["id"], {}, "--param: expected NAME=VALUE"),
        (["page_size=abc"], {}, "--param page_size: expected an integer, got 'abc'"),
        (["id=${MISSING}"], {}, "--param: environment variable MISSING is not set"),
        (["header.id=1"], {}, "--param header.id: no operation of"),
    ],
)
def test_bad_params_are_one_line_usage_errors(
    texts: list[str], env: dict[str, str], message: str
) -> None:
    """Each mistake names the flag, the input and what was expected."""
    with pytest.raises(ConfigError) as caught:
        parse_params(texts, SIGNALWIRE, env)
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_an_unset_variable_never_echoes_other_values() -> None:
    """The error names the variable, not the rest of the value (which may hold a secret)."""
    with pytest.raises(ConfigError) as caught:
        parse_params(["id=s3cr3t-${MISSING}"], SIGNALWIRE, {})
    assert "s3cr3t" not in str(caught.value)


def test_known_values_replace_generated_ones_everywhere_they_travel() -> None:
    """Path, query and body inputs take the known value; arrays take one or every value."""
    op = PLUGNMEET.operations[0]
    request = build(op, {}, {}, {"room_ids": ["x"], "limit": 5}, "example")
    assert request is not None
    known = KnownData(given={("body", "room_ids"): ("room01", "sales")}).given_for(op)
    one = json.loads(apply(request, op, known, 1).body or b"")
    every = json.loads(apply(request, op, known, 0, every=True).body or b"")
    assert one == {"room_ids": ["sales"], "limit": 5}
    assert every == {"room_ids": ["room01", "sales"], "limit": 5}
    sw = SIGNALWIRE.operations[0]
    listing = build(sw, {"id": "example"}, {"page_size": 2}, None, "example")
    assert listing is not None
    pinned = apply(listing, sw, KnownData(given={("path", "id"): (SESSION,)}).given_for(sw), 0)
    assert pinned.path == f"/room_sessions/{SESSION}/recordings"
    assert pinned.query == (("page_size", "2"),)


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4), st.integers(0, 9))
def test_apply_only_changes_known_inputs(values: list[str], index: int) -> None:
    """Property: the known path value is in the path; nothing else of the request changes."""
    sw = SIGNALWIRE.operations[0]
    listing = build(sw, {"id": "example"}, {"page_size": 7}, None, "fuzz")
    assert listing is not None
    known = {slot: values for slot in slots_of(sw).values() if slot.name == "id"}
    out = apply(listing, sw, known, index)
    assert out.path_params["id"] == values[index % len(values)]
    assert (out.query, out.body, out.method, out.origin) == (
        listing.query,
        listing.body,
        listing.method,
        listing.origin,
    )


def test_harvest_keeps_filter_values_from_records_bounded() -> None:
    """A room_sid seen in a row becomes a known value for the room_sid filter (at most 8)."""
    op = PLUGNMEET.operations[0]
    known = KnownData()
    known.harvest(op, [{"room_id": f"r{i}", "room_sid": f"s{i}"} for i in range(20)])
    assert known.values("body", "room_sid")[:2] == ["s0", "s1"]
    assert len(known.values("body", "room_sid")) == 8
    assert known.values("body", "room_ids")[0] == "r0"


def test_config_file_sections_expand_the_environment(tmp_path: Path) -> None:
    """One section per provider; ${VAR} from the environment; paths relative to the file."""
    path = tmp_path / "verify.yaml"
    path.write_text(
        "signalwire:\n"
        "  base_url: ${BASE}\n"
        "  auth: {basic: '${SW}'}\n"
        "  params: {id: [a, b]}\n"
        "  allow: allow.yaml\n"
        "  max_examples: 30\n"
    )
    settings = load_settings(path, "signalwire", {"BASE": "http://h/api/video", "SW": "p:t"})
    assert settings.base_url == "http://h/api/video"
    assert settings.auth == {"basic": "p:t"}
    assert settings.params == ("id=a", "id=b")
    assert settings.allow == str(tmp_path / "allow.yaml")
    assert settings.limits == {"max_examples": 30}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zoom: {}\n", "no section 'signalwire'"),
        ("signalwire: {colour: red}\n", "signalwire: unknown keys ['colour']"),
        ("signalwire: {auth: {password: x}}\n", "signalwire.auth: unknown keys ['password']"),
        ("signalwire: {max_examples: -3}\n", "signalwire.max_examples: expected a whole number"),
        ("signalwire: {time_limit: .nan}\n", "signalwire.time_limit: expected seconds > 0"),
        ("signalwire: {base_url: '${NOPE}'}\n", "signalwire.base_url: environment variable NOPE"),
    ],
)
def test_bad_config_files_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    """Every mistake is one line naming the file and the field."""
    path = tmp_path / "verify.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path, "signalwire", {})
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


@pytest.mark.slow
def test_a_config_file_runs_verify_with_flags_winning(
    live_server, verify_cli: Callable[..., Outcome], tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """base_url, auth and params from the file (secrets from the environment); exit 0."""
    drain(live_server)
    prefix, _ = DEMO_AUTH["signalwire"]
    monkeypatch.setenv("RECMOCK_TEST_BASE", live_server.url + prefix)
    monkeypatch.setenv("RECMOCK_TEST_BASIC", "demo-project:demo-token")
    path = tmp_path / "verify.yaml"
    path.write_text(
        "signalwire:\n"
        "  base_url: ${RECMOCK_TEST_BASE}\n"
        "  auth: {basic: '${RECMOCK_TEST_BASIC}'}\n"
        f"  params: {{id: [{SESSION}]}}\n"
        "  max_examples: 500\n"
    )
    outcome = verify_cli("signalwire", "--config", str(path), "--max-examples", "15", "--seed", "2")
    assert outcome.code == 0, outcome.out
    assert "15 examples per mode" in outcome.out  # the flag won over the file's 500
    assert "path.id (1 value(s))" in outcome.out
    assert "demo-token" not in outcome.out


EXAMPLE = Path(__file__).parents[2] / "examples" / "contract" / "verify.yaml"


@pytest.mark.parametrize("provider", ["signalwire", "plugnmeet", "zoom", "cloudflare"])
def test_the_shipped_example_config_loads_and_its_params_fit_the_spec(provider: str) -> None:
    """Every section of examples/contract/verify.yaml loads, and its params name real inputs."""
    import re

    from recmock.verify.config import provider_spec

    env = {name: "x" for name in re.findall(r"\$\{(\w+)\}", EXAMPLE.read_text())}
    env.update({k: "http://h/x" for k in env if k.endswith("BASE_URL")})
    env["REALTIMEKIT_APP_ID"] = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"
    env["REALTIMEKIT_RECORDING_ID"] = "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e"
    settings = load_settings(EXAMPLE, provider, env)
    assert settings.base_url and settings.auth and settings.params
    parse_params(list(settings.params), load_spec(provider_spec(provider)), env)
    if settings.allow:
        assert Path(settings.allow).is_file()


def test_a_bad_base_url_from_the_config_file_names_the_file_field(tmp_path: Path) -> None:
    """Not '--base-url: ...' when the user never typed that flag."""
    from recmock.cli import build_parser
    from recmock.verify.config import config_from_args

    path = tmp_path / "verify.yaml"
    path.write_text("signalwire:\n  base_url: ftp://h/api/video\n  auth: {basic: 'p:t'}\n")
    args = build_parser().parse_args(["verify", "signalwire", "--config", str(path)])
    with pytest.raises(ConfigError) as caught:
        config_from_args(args)
    assert str(caught.value).startswith(f"{path}: signalwire.base_url: expected an http(s) URL")
