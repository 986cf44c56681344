"""Scenario files: every kind of mistake gets a precise message; valid ones load as written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.errors import ScenarioError
from recmock.scenarios import (
    FIXTURES_DIR,
    Latency,
    load_scenario,
    load_scenarios,
    parse_time,
)
from recmock.server.conformance import check_scenario
from recmock.specs import load_specs

SPECS = load_specs()
OPERATIONS = [op for spec in SPECS for op in spec.operations]
NOW = 1_764_000_000

SHIPPED = {"default", "empty", "large", "in-progress", "expired-links", "errored", "auth-failure",
           "server-errors", "slow", "seed-docs"}  # fmt: skip


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def test_every_shipped_scenario_loads_and_passes_check() -> None:
    """The fixtures/ the README promises exist, load, and render spec-valid."""
    scenarios = load_scenarios(FIXTURES_DIR, OPERATIONS)
    assert set(scenarios) >= SHIPPED
    for scenario in scenarios.values():
        assert check_scenario(scenario, SPECS) == [], scenario.name


BROKEN = [
    ("wrong-field", "name: wrong-field\nwold: {}\n", ":2: wold: Additional properties",
     "expected one of ['description', 'name', 'now', 'overrides', 'seed', 'webhook_faults', 'world']"),
    ("wrong-type", "name: wrong-type\nseed: lots\n", ":2: seed: expected integer", "'lots'"),
    ("bad-status", "name: bad-status\nworld:\n  sessions:\n    - recordings:\n        - {status: DONE}\n",
     ":5: world.sessions[0].recordings[0].status: expected one of", "'DONE'"),
    ("uploaded-without-size",
     "name: uploaded-without-size\nworld:\n  sessions:\n    - recordings:\n        - {status: UPLOADED, size: null}\n",
     ":5: world.sessions[0].recordings[0].size", "needs a size"),
    ("stopped-while-recording",
     "name: stopped-while-recording\nnow: 1764000000\nworld:\n  sessions:\n    - recordings:\n"
     "        - {status: RECORDING, invoked: now-1h, stopped: now-5m}\n",
     "recordings[0].stopped", "cannot have stopped yet"),
    ("time-travel", "name: time-travel\nnow: 1764000000\nworld:\n  sessions:\n    - recordings:\n"
     "        - {status: UPLOADED, invoked: now+1h}\n", "recordings[0]", "after the scenario's now"),
    ("unknown-operation", "name: unknown-operation\noverrides:\n  - {operation: teams, status: 500}\n",
     ":3: overrides[0].operation: matches no operation", "zoom/listSessionRecordings"),
    ("undocumented-status", "name: undocumented-status\noverrides:\n  - {operation: zoom, status: 418}\n",
     ":3: overrides[0].status: 418 is not documented", "documented: ["),
    ("invalid-override-body",
     "name: invalid-override-body\noverrides:\n  - operation: signalwire\n    status: 401\n"
     "    body: {error: Nope}\n", "overrides[0].body.error", "'Nope' is not one of"),
    ("name-mismatch", "name: something-else\n", ":1: name: expected the file name", "'name-mismatch'"),
    ("bad-yaml", "name: bad-yaml\nworld: [unclosed\n", ":3: invalid YAML", "expected"),
    ("bad-time", "name: bad-time\nworld:\n  sessions:\n    - created: yesterday\n",
     "world.sessions[0].created", "RFC 3339"),
    ("bad-shape", "name: bad-shape\nworld:\n  shape:\n    recordings_per_session: [1, 500]\n",
     "world.shape", "at most 64 per session"),
    ("unknown-example", "name: unknown-example\noverrides:\n  - {operation: zoom, status: 200, example: nope}\n",
     "overrides[0].example", "no example 'nope'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "where", "expected"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_fixture_names_file_line_field_and_expectation(
    tmp_path: Path, name: str, text: str, where: str, expected: str
) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, OPERATIONS)
    message = str(caught.value)
    assert message.startswith(str(path)), message
    assert where in message, message
    assert expected in message, message
    assert "Traceback" not in message


def test_partial_records_are_completed_and_pinned_values_kept(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pins",
        """\
        name: pins
        now: 1764000000
        world:
          closed: true
          rooms:
            room-a:
              - id: KkMHZ4y8QhSUWAHi5sWvfg==
                created: now-1d
                recordings:
                  - {status: UPLOADED, size: 1234, title: Kept}
                  - {status: PAUSED, invoked: now-10m}
        """,
    )
    scenario = load_scenario(path, OPERATIONS)
    (session,) = scenario.catalog.sessions.values()
    done, paused = session.recordings
    assert (done.size, done.title, done.status) == (1234, "Kept", "UPLOADED")
    assert done.invoked <= done.started <= done.stopped <= done.uploaded <= NOW  # type: ignore[operator]
    assert paused.status == "PAUSED" and paused.invoked == NOW - 600 and paused.stopped is None
    assert scenario.catalog.rooms["room-a"] == (session.id,)
    assert scenario.catalog.closed


def test_parse_time_forms() -> None:
    assert parse_time(5, NOW) == 5
    assert parse_time("now", NOW) == NOW
    assert parse_time("now-2h", NOW) == NOW - 7200
    assert parse_time("now+30m", NOW) == NOW + 1800
    assert parse_time("2025-11-24T16:00:00Z", NOW) == 1_764_000_000
    with pytest.raises(ValueError, match="RFC 3339"):
        parse_time("soon", NOW)


@given(u=st.floats(0, 1), z=st.floats(-4, 4))
def test_latency_stays_in_its_range(u: float, z: float) -> None:
    uniform = Latency(low_ms=10, high_ms=50)
    assert 10 <= uniform.sample(u, z) <= 50
    lognormal = Latency(median_ms=100, p99_ms=1000)
    assert lognormal.sample(u, 0.0) == pytest.approx(100)
    if abs(z) > 0.01:
        assert (lognormal.sample(u, z) > 100) == (z > 0)


def test_the_readme_example_scenario_is_valid(tmp_path: Path) -> None:
    """The complete example QA copies from the README must pass check as written."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    block = readme.split("`fixtures/review-week.yaml`:\n\n```yaml\n")[1].split("```")[0]
    path = tmp_path / "review-week.yaml"
    path.write_text(block)
    scenario = load_scenario(path, OPERATIONS)
    assert check_scenario(scenario, SPECS) == []
    assert [r.status for s in scenario.catalog.sessions.values() for r in s.recordings] == [
        "UPLOADED", "ERRORED", "RECORDING",
    ]  # fmt: skip


@pytest.mark.parametrize("reason", ["RECORD_ON_START", "API_CALL"])
def test_a_pinned_start_reason_names_a_caller_only_for_api_calls(
    tmp_path: Path, reason: str
) -> None:
    """RECORD_ON_START names nobody (Cloudflare's promise); the check renders every endpoint."""
    path = write(
        tmp_path,
        "on-start",
        f"""
        name: on-start
        now: 2025-11-24T16:00:00Z
        world:
          closed: true
          rooms:
            room-a:
              - id: 9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d
                created: now-3d
                recordings:
                  - {{status: UPLOADED, invoked: now-2d, duration: 60, size: 1000,
                      start_reason: {reason}}}
        """,
    )
    scenario = load_scenario(path, OPERATIONS)
    (session,) = scenario.catalog.sessions.values()
    assert (session.recordings[0].started_by is None) == (reason == "RECORD_ON_START")
    assert check_scenario(scenario, SPECS) == []


def test_the_readme_timeline_error_is_what_check_says(tmp_path: Path) -> None:
    """The README quotes the message a contradicted status gets; it must stay the real one."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    recording = readme.split(
        "A status the times contradict is an error at its line: the recording\n`"
    )[1].split("`")[0]
    quoted = " ".join(readme.split("` gives\n`live.yaml:")[1].split("`")[0].split())
    path = write(
        tmp_path,
        "live",
        f"""
        name: live
        now: 2025-11-24T16:00:00Z
        world:
          rooms:
            r:
              - created: now-1h
                recordings:
                  - {{status: UPLOADED, invoked: now-50m}}
                  - {recording}
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, OPERATIONS)
    # The file here starts with a blank line: the recording is on line 10, not the README's 9.
    line, _, message = quoted.partition(": ")
    assert str(caught.value).endswith(f"live.yaml:{int(line) + 1}: {message}"), str(caught.value)


def test_a_future_timeline_moves_on_and_its_state_at_now_is_the_status(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "moving",
        """
        name: moving
        now: 2025-11-24T16:00:00Z
        world:
          sessions:
            - created: now-1h
              recordings:
                - {status: RECORDING, invoked: now-5m, stopped: now+2m}
                - {invoked: now+3m, stopped: now+5m, outcome: errored}
        """,
    )
    scenario = load_scenario(path, OPERATIONS)
    (session,) = scenario.catalog.sessions.values()
    first, second = session.recordings
    assert (first.status, first.uploaded) == ("UPLOADED", first.stopped + 30)  # type: ignore[operator]
    assert second.status == "ERRORED" and second.stop_reason == "INTERNAL_ERROR"
    world = scenario.world(0, 1_764_000_000)
    assert [r.status for r in world.session(session.id).recordings] == ["RECORDING"]  # type: ignore[union-attr]
    later = world.at(1_764_000_000 + 600).session(session.id)
    assert [r.status for r in later.recordings] == ["UPLOADED", "ERRORED"]  # type: ignore[union-attr]


def test_every_bad_recording_of_a_session_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "several",
        """
        name: several
        now: 2025-11-24T16:00:00Z
        world:
          sessions:
            - created: now-1h
              recordings:
                - {invoked: now-5m, stopped: now+2m, pauses: [{paused: now+3m, resumed: now+4m}]}
                - {invoked: now-1m, stopped: now+2m, pauses: [{paused: soon}]}
                - {status: PAUSED, invoked: now-1m, stopped: now+2m}
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, OPERATIONS)
    lines = str(caught.value).splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "world.sessions[0].recordings[0].stopped",
        "world.sessions[0].recordings[1].pauses[0].paused",
        "world.sessions[0].recordings[2].status",
    ]
    assert "give its pauses" in lines[2]
