"""Fixtures that used to hang, bloat, leak or crash the loader: each is refused at load time
with `file:line: field: what was expected`, quickly, and without echoing the file."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.clock import LAST_YEAR, MAX_TIME, parse_time
from recmock.errors import ScenarioError, SpecError
from recmock.scenarios import load_scenario, load_scenarios
from recmock.specs import load_specs, read_yaml
from recmock.yaml_source import ALIAS_BUDGET

OPERATIONS = [op for spec in load_specs() for op in spec.operations]
ROOT = Path(__file__).resolve().parents[1]
LAUGHS = "name: laughs\nworld:\n  sessions:\n    - name: &a lol\n" + "".join(
    f"x{i}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]\n" for i in range(8)
)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text)
    return path


def refused(path: Path, *, roots: tuple[Path, ...] = ()) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, OPERATIONS, roots=roots)
    return str(caught.value)


def test_billion_laughs_is_refused_at_the_alias_that_crosses_the_budget(tmp_path: Path) -> None:
    path = write(tmp_path, "laughs", LAUGHS)
    assert len(path.read_bytes()) < 700
    started = time.perf_counter()
    message = refused(path)
    assert time.perf_counter() - started < 1
    assert message.startswith(f"{path}:") and f"at most {ALIAS_BUDGET}" in message


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    text = ("name: reuse\noverrides:\n  - {operation: zoom, status: 500, headers: &h {X-A: b}}\n"
            "  - {operation: signalwire, status: 500, headers: *h}\n")  # fmt: skip
    scenario = load_scenario(write(tmp_path, "reuse", text), OPERATIONS)
    assert [dict(o.headers) for o in scenario.overrides] == [{"X-A": "b"}, {"X-A": "b"}]


def test_duplicate_keys_are_refused_with_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "dup", "name: dup\nseed: 1\ndescription: x\nseed: 2\n")
    assert (
        refused(path)
        == f"{path}:4: 'seed': duplicate key (first at line 2); expected each key once"
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_yaml_is_refused_not_waited_on(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.yaml")
    with pytest.raises(ScenarioError, match=r"x\.yaml: is not a regular file"):
        load_scenarios(tmp_path, OPERATIONS)
    check = subprocess.run(
        [sys.executable, "-m", "recmock", "scenarios", "check", "--fixtures", str(tmp_path),
         "--only-fixtures"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert check.returncode == 1 and "not a regular file" in check.stderr


def test_a_symlink_out_of_the_project_is_refused_without_printing_the_target(
    tmp_path: Path,
) -> None:
    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\nsecret-line: do-not-print\n")
    fixtures = tmp_path / "project" / "fixtures"
    fixtures.mkdir(parents=True)
    (fixtures / "leak.yaml").symlink_to(secret)
    with pytest.raises(ScenarioError) as caught:
        load_scenarios(fixtures, OPERATIONS)
    message = str(caught.value)
    assert "symlink leaving the project's folders" in message
    assert "root:x" not in message and "do-not-print" not in message


def test_a_symlink_inside_the_project_is_followed(tmp_path: Path) -> None:
    fixtures = tmp_path / "fixtures"
    fixtures.mkdir()
    write(tmp_path, "shared", "name: shared\n")
    (fixtures / "shared.yaml").symlink_to(tmp_path / "shared.yaml")
    assert "shared" in load_scenarios(fixtures, OPERATIONS)


def test_a_long_value_is_never_echoed_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "long", "name: long\nworld: " + "x" * 5000 + "\n")
    message = refused(path)
    assert len(message) < 400 and "world" in message


@pytest.mark.parametrize(
    "name,value",
    [
        ("X-Bad\nName", "v"),
        ("X Space", "v"),
        ("X-Ok", "line\r\nSet-Cookie: a=b"),
        ("X-Ok", "nul\x00byte"),
        ("Content-Length", "5"),
        ("X-Ok", "beyond latin-1 \u20ac"),
    ],
)
def test_override_headers_http_cannot_carry_are_refused(
    tmp_path: Path, name: str, value: str
) -> None:
    import json

    text = f"name: hdr\noverrides:\n  - operation: zoom\n    status: 500\n    headers: {{{json.dumps(name)}: {json.dumps(value)}}}\n"
    message = refused(write(tmp_path, "hdr", text))
    assert message.startswith(f"{tmp_path / 'hdr.yaml'}:5: overrides[0].headers.")


def test_every_problem_of_a_file_is_reported(tmp_path: Path) -> None:
    text = (
        "name: wrong-name\nnow: garbage\nworld:\n  sessions:\n"
        "    - {created: soon}\n    - {created: later}\n"
        "overrides:\n  - {operation: nope}\n"
    )
    lines = refused(write(tmp_path, "many", text)).splitlines()
    assert len(lines) == 5, lines
    fields = [line.split(": ")[1] for line in lines]
    assert fields == ["name", "now", "world.sessions[0].created", "world.sessions[1].created",
                      "overrides[0].operation"]  # fmt: skip


def test_every_schema_problem_is_reported(tmp_path: Path) -> None:
    text = "name: schema\nseed: -1\nworld: {closed: maybe}\n"
    lines = refused(write(tmp_path, "schema", text)).splitlines()
    assert [line.split(": ")[1] for line in lines] == ["seed", "world.closed"]


@pytest.mark.parametrize(
    "field,text",
    [
        ("now", "now: 99999999999999"),
        ("now", "now: 10000-01-01T00:00:00Z"),
        ("world.sessions[0].created", "world: {sessions: [{created: 99999999999999}]}"),
        ("world.shape.history_days", "world: {shape: {history_days: 99999999999999}}"),
        ("world.shape.link_lifetime", "world: {shape: {link_lifetime: 99999999999999}}"),
        ("world.shape.link_lifetime", "world: {shape: {link_lifetime: -99999999999999}}"),
    ],
)
def test_times_and_lifetimes_outside_the_calendar_are_refused(
    tmp_path: Path, field: str, text: str
) -> None:
    message = refused(write(tmp_path, "far", f"name: far\n{text}\n"))
    assert f": {field}: expected" in message, message
    assert message.startswith(f"{tmp_path / 'far.yaml'}:2:")


def test_the_serve_clock_is_checked_too() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "recmock", "serve", "--now", "99999999999999", "--port", "9"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode != 0 and "--now" in run.stderr
    assert f"between years 1970 and {LAST_YEAR}" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.fixture
def new_york() -> Iterator[None]:
    before = os.environ.get("TZ")
    os.environ["TZ"] = "America/New_York"
    time.tzset()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_times_without_an_offset_are_utc_whatever_the_machine_zone(
    tmp_path: Path, new_york: None
) -> None:
    assert time.timezone != 0  # the zone really is not UTC here
    scenario = load_scenario(write(tmp_path, "tz", "name: tz\nnow: 2025-11-24T16:00:00\n"), [])
    assert scenario.now == 1_764_000_000 == parse_time("2025-11-24T16:00:00Z", 0)


@given(st.integers(min_value=0, max_value=MAX_TIME))
def test_every_time_in_range_round_trips_through_rfc3339(seconds: int) -> None:
    from recmock.generate import rfc3339

    assert parse_time(rfc3339(seconds), 0) == seconds == parse_time(str(seconds), 0)


def test_spec_yaml_gets_the_same_guards(tmp_path: Path) -> None:
    spec = tmp_path / "p" / "s.yaml"
    spec.parent.mkdir()
    spec.write_text("openapi: 3.1.0\ninfo: {title: t, version: '1'}\ninfo: {title: u}\n")
    with pytest.raises(SpecError, match=r"s\.yaml:3: 'info': duplicate key"):
        read_yaml(spec)
    spec.write_text(LAUGHS)
    with pytest.raises(SpecError, match="aliases expand"):
        read_yaml(spec)


def test_scenarios_check_prints_one_fail_line_per_problem(tmp_path: Path) -> None:
    write(tmp_path, "two", "name: two\nnow: garbage\noverrides:\n  - {operation: nope}\n")
    check = subprocess.run(
        [sys.executable, "-m", "recmock", "scenarios", "check", "--fixtures", str(tmp_path),
         "--only-fixtures"],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    fails = [line for line in check.stderr.splitlines() if line.startswith("FAIL ")]
    assert check.returncode == 1 and len(fails) == 2, check.stderr
    assert ": now: " in fails[0] and ": overrides[0].operation: " in fails[1]


@pytest.mark.slow
def test_the_watcher_survives_bad_files_and_keeps_reloading_good_ones(
    tmp_path: Path, start_server: Any
) -> None:
    fixtures = tmp_path / "project" / "fixtures"
    fixtures.mkdir(parents=True)
    server = start_server("--watch", "--fixtures", str(fixtures))

    def names() -> set[str]:
        body = httpx.get(server.url + "/__recmock/scenarios", timeout=5).json()
        return {s["name"] for s in body["scenarios"]}

    def wait_for(predicate: Any) -> bool:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.2)
        return False

    secret = tmp_path / "outside" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    bad = [("garbage", "name: garbage\nnow: garbage\n"), ("laughs", LAUGHS)]
    for number, (name, text) in enumerate(bad, start=1):
        write(fixtures, name, text)
        assert wait_for(lambda n=number: server.output().count("reload failed") >= n)
        (fixtures / f"{name}.yaml").unlink()
    (fixtures / "leak.yaml").symlink_to(secret)
    assert wait_for(lambda: server.output().count("reload failed") >= 3), server.output()
    if hasattr(os, "mkfifo"):
        os.mkfifo(fixtures / "fifo.yaml")
        assert wait_for(lambda: server.output().count("reload failed") >= 4), server.output()
    (fixtures / "leak.yaml").unlink()
    if hasattr(os, "mkfifo"):
        (fixtures / "fifo.yaml").unlink()
    write(fixtures, "fresh", "name: fresh\n")
    assert wait_for(lambda: "fresh" in names()), server.output()
    assert "root:x" not in server.output()
