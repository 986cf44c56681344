"""Where shipped data comes from, and how `--fixtures DIR` combines with the shipped scenarios."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from live_server import ROOT
from recmock.cli import main
from recmock.errors import ConfigError
from recmock.resources import data_dir, scenario_dirs
from recmock.scenarios import load_scenarios
from recmock.specs import load_specs

OPERATIONS = [op for spec in load_specs(data_dir("specs")) for op in spec.operations]
SHIPPED = sorted(p.stem for p in (ROOT / "fixtures").glob("*.yaml"))


def write(folder: Path, name: str, description: str) -> None:
    (folder / f"{name}.yaml").write_text(f"name: {name}\ndescription: {description}\n")


def test_a_checkout_reads_its_own_root() -> None:
    """No packaged copy in src/ (the build step writes only into the wheel)."""
    assert data_dir("specs") == ROOT / "specs" and data_dir("fixtures") == ROOT / "fixtures"
    assert not (ROOT / "src" / "recmock" / "data").exists()


@settings(max_examples=20, deadline=None)
@given(
    st.sets(st.sampled_from(SHIPPED), max_size=3),
    st.sets(st.sampled_from(["mine", "review", "qa-1"]), max_size=3),
)
def test_dir_adds_to_the_shipped_scenarios_and_wins_on_a_name(
    overriding: set[str], new: set[str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in overriding | new:
            write(folder, name, f"from DIR {name}")
        found = load_scenarios(scenario_dirs(str(folder)), OPERATIONS)
        assert set(found) == {"default", *SHIPPED, *new}
        for name, scenario in found.items():
            from_dir = name in overriding | new
            assert scenario.description.startswith("from DIR") == from_dir, name
        only = load_scenarios(scenario_dirs(str(folder), shipped=False), OPERATIONS)
        assert set(only) == {"default", *overriding, *new}


def test_shipped_dir_given_again_is_read_once() -> None:
    assert scenario_dirs(str(ROOT / "fixtures")) == [data_dir("fixtures")]


@pytest.mark.parametrize(
    ("extra", "shipped", "message"),
    [
        ("/nonexistent/dir", True, "--fixtures /nonexistent/dir: expected a directory"),
        ("", False, "--only-fixtures: expected --fixtures DIR as well"),
    ],
)
def test_bad_fixture_flags_are_named(extra: str, shipped: bool, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        scenario_dirs(extra, shipped=shipped)


def test_scenarios_list_shows_both(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "mine", "my own")
    write(tmp_path, "empty", "my empty")
    assert main(["scenarios", "list", "--fixtures", str(tmp_path)]) == 0
    listed = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert set(listed) == {"default", *SHIPPED, "mine"}
    assert listed["empty"] == "my empty" and listed["mine"] == "my own"
    assert main(["scenarios", "list", "--fixtures", str(tmp_path), "--only-fixtures"]) == 0
    assert {line.split()[0] for line in capsys.readouterr().out.splitlines()} == {
        "default", "empty", "mine"
    }  # fmt: skip


def test_version_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"recmock {version('recmock')}"
