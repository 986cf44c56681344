"""record -> serve -> drift end to end against the independent staging double (loopback only).

Recording the double and serving the recording scores 1.0; each seeded drift of the double
(`Choices.drift`) lowers the score and is named in every report; no file written and no line
printed holds a secret in any encoding.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
import yaml
from drift_support import AUTH, PREFIX, Recording
from staging import SECRETS, StagingApp
from staging import data as d
from staging.targets import CHOICES

from recmock.cli import main
from recmock.verify.redact import encoded_forms

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]
LIMITS = ("--max-examples", "30", "--time-limit", "30", "--seed", "3")
# seeded drift -> text the console, JUnit and HTML reports must all contain
DRIFTS = {
    "renamed-field": ["data[].size_in_bytes", "200 data[].size: "],
    "new-enum": ["'archived' (enum value)"],
    "null-field": ["200 data[].cost_in_dollars: null (type)"],
    "error-shape": ["4xx error: string"],
}


def _drift(
    capsys: pytest.CaptureFixture[str], url: str, folder: Path, tmp: Path, *extra: str
) -> tuple[int, str]:
    junit, html = tmp / "drift.xml", tmp / "drift.html"
    code = main([
        "drift", "signalwire", "--target", url + PREFIX, "--basic", f"{d.SW_PROJECT}:{d.SW_TOKEN}",
        *(f"--param=id={s}" for s in d.SW_SESSIONS), "--fixtures", str(folder),
        "--scenario", "staging-week", "--junit-xml", str(junit), "--report", str(html), *LIMITS, *extra,
    ])  # fmt: skip
    out = capsys.readouterr()
    return code, "\n".join([out.out, out.err, junit.read_text(), html.read_text()])


def test_the_recording_is_a_valid_closed_world_scenario(recording: Recording) -> None:
    assert recording.exit_code == 1, recording.log  # the one naive-datetime answer
    assert "VIOLATIONS" in recording.log and "1 with violations" in recording.log
    assert "format 'date-time'" in json.loads(recording.violations_header)[0]
    assert (
        main(["scenarios", "check", "--fixtures", str(recording.fixtures), str(recording.scenario)])
        == 0
    )
    document = yaml.safe_load(recording.scenario.read_text())
    assert document["world"]["closed"] is True
    sessions = [s for room in document["world"]["rooms"].values() for s in room]
    assert {s["id"] for s in sessions} == set(d.SW_SESSIONS)
    ids = {r["id"] for s in sessions for r in s["recordings"]}
    assert ids == {r.id for r in d.SW_RECORDINGS}


def test_serving_the_recording_answers_with_the_targets_records(
    recording: Recording,
    double: tuple[StagingApp, str],
    start_server,  # type: ignore[no-untyped-def]
) -> None:
    _, url = double
    server = start_server(
        "--fixtures", str(recording.fixtures), "--scenario", "staging-week",
        "--signalwire-project", d.SW_PROJECT, "--signalwire-token", d.SW_TOKEN,
    )  # fmt: skip
    for session in d.SW_SESSIONS:
        path = f"{PREFIX}/room_sessions/{session}/recordings?page_size=1000"
        real = httpx.get(url + path, auth=AUTH).json()["data"]
        mock = httpx.get(server.url + path, auth=AUTH).json()["data"]
        keys = ("id", "status", "started_at", "finished_at", "duration", "size_in_bytes")
        assert [{k: r[k] for k in keys} for r in mock] == [{k: r[k] for k in keys} for r in real]
    pages: dict[str, list[list[str]]] = {}
    for side, root in (("target", url), ("mock", server.url)):
        link: str | None = f"{root}{PREFIX}/room_sessions/{d.SW_SESSION_A}/recordings?page_size=3"
        while link:  # each side's own links (and page tokens), page by page
            page = httpx.get(link, auth=AUTH).json()
            pages.setdefault(side, []).append([r["id"] for r in page["data"]])
            link = page["links"].get("next")
    assert pages["mock"] == pages["target"] and len(pages["mock"]) == 3
    unknown = httpx.get(
        server.url + f"{PREFIX}/room_sessions/{d.SW_SESSION_A[:-1]}0/recordings", auth=AUTH
    )
    assert unknown.json()["data"] == []  # closed world: only the recorded sessions exist


def test_drift_of_the_served_recording_is_one(
    recording: Recording,
    double: tuple[StagingApp, str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _, url = double
    code, text = _drift(capsys, url, recording.fixtures, tmp_path, "--min-score", "1")
    assert code == 0, text
    assert "fidelity 1.000" in text


@pytest.mark.parametrize("kind", list(DRIFTS))
def test_each_seeded_drift_lowers_the_score_and_is_named(
    kind: str, recording: Recording, double: tuple[StagingApp, str],
    capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:  # fmt: skip
    app, url = double
    app.choices = replace(CHOICES, drift=kind)
    try:
        code, text = _drift(capsys, url, recording.fixtures, tmp_path, "--min-score", "1")
    finally:
        app.choices = CHOICES
    assert code == 1, text
    assert "fidelity 1.000" not in text
    console, junit, html = text.split("\n<?xml")[0], text, text.split("<!doctype html>")[-1]
    for needle in DRIFTS[kind]:
        assert needle in console, console
        assert needle in junit
        assert needle.replace("'", "&#x27;") in html or needle in html


def test_drift_against_the_default_scenario_is_below_one(
    double: tuple[StagingApp, str], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The shipped default world is not staging: the score says so, and --min-score 0 passes."""
    _, url = double
    code = main([
        "drift", "signalwire", "--target", url + PREFIX, "--basic", f"{d.SW_PROJECT}:{d.SW_TOKEN}",
        *(f"--param=id={s}" for s in d.SW_SESSIONS), "--min-score", "0", *LIMITS,
    ])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    score = float(out.split("fidelity ")[1].split()[0])
    assert 0.0 < score < 1.0


def test_no_secret_in_any_file_written_or_line_printed(
    recording: Recording, tmp_path: Path
) -> None:
    basic = base64.b64encode(f"{d.SW_PROJECT}:{d.SW_TOKEN}".encode()).decode()
    forms = {basic} | {form for secret in SECRETS for form in encoded_forms(secret)}
    written = [p for p in recording.fixtures.parent.rglob("*") if p.is_file()]
    written += [p for p in tmp_path.parent.rglob("drift.*") if p.is_file()]
    assert any(p.suffix == ".yaml" for p in written)
    for path in written:
        text = path.read_text(errors="replace")
        for form in forms:
            assert form not in text, f"{path} holds a secret form"
        assert "page_token=PG" not in text  # the target's cursors are tokens too


# Every provider's record -> serve -> drift round trip (Cloudflare's nulls, storage and
# ORGANIZATION caller included) is test_round_trip.py.
