"""The x-recmock rules: parse errors name the field, the evaluator means what the docs say."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recmock.errors import SpecError
from recmock.rules import Rules, parse_contract, parse_expr, parse_rules, records_of, violations
from recmock.specs import load_specs

WHERE = "specs/x.yaml: paths./r.get.x-recmock"


def rules(**raw: Any) -> Rules:
    return parse_rules(raw, WHERE)


# ---- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field", "detail"),
    [
        ({"invariants": ["a <="]}, ".invariants[0]", "not a rule expression"),
        ({"invariants": ["a < b", "a ="]}, ".invariants[1]", "not a rule expression"),
        ({"invariants": ["__import__('os')"]}, ".invariants[0]", "may be called"),
        ({"invariants": ["eval('1')"]}, ".invariants[0]", "may be called"),
        ({"invariants": ["a.b()"]}, ".invariants[0]", "may be called"),
        ({"invariants": ["lambda: 1"]}, ".invariants[0]", "Lambda is not allowed"),
        ({"invariants": ["x[0] > 1"]}, ".invariants[0]", "Subscript is not allowed"),
        ({"invariants": ["a / b > 1"]}, ".invariants[0]", "Div is not allowed"),
        ({"invariants": ["len(a, key=b) > 1"]}, ".invariants[0]", "keyword is not allowed"),
        ({"invariants": ["len(a).real > 1"]}, ".invariants[0]", "must follow a field path"),
        ({"invariants": ["a == b'x'"]}, ".invariants[0]", "is not allowed"),
        ({"invariants": [3]}, ".invariants[0]", "expected an expression string"),
        ({"invariants": "a < b"}, ".invariants", "expected a list"),
        ({"document_invariants": ["sum(("]}, ".document_invariants[0]", "not a rule"),
        ({"lifecycle": [{"when": "status = 1"}]}, ".lifecycle[0].when", "not a rule"),
        ({"lifecycle": [{"require": ["a"]}]}, ".lifecycle[0]", "with `when`"),
        ({"lifecycle": [{"when": "a", "requires": ["b"]}]}, ".lifecycle[0]", "'requires'"),
        ({"lifecycle": [{"when": "a", "forbid": "b"}]}, ".lifecycle[0].forbid", "a list"),
        ({"lifecycle": [{"when": "a", "require": [1]}]}, ".lifecycle[0].require", "field paths"),
        ({"filters": [{"param": "p", "field": "f", "match": "like"}]}, ".filters[0].match", "like"),
        ({"filters": [{"param": "p"}]}, ".filters[0]", "field"),
        ({"filters": ["room_ids"]}, ".filters[0]", "expected a mapping"),
        ({"paging": {"style": "cursor", "limit_param": "l", "default_limit": 1, "max_limit": 2}},
         ".paging.style", "'cursor'"),
        ({"paging": {"style": "page", "limit_param": "l", "default_limit": 9, "max_limit": 2}},
         ".paging", "default_limit <= max_limit"),
        ({"paging": {"style": "page", "limit_param": "l", "default_limit": 1, "max_limit": 2,
                     "cursor": "c"}}, ".paging", "cursor"),
        ({"paging": "offset"}, ".paging", "expected a mapping"),
        ({"ordering": {"param": "o", "field": "t", "default": "NEWEST"}}, ".ordering.default",
         "NEWEST"),
        ({"items": ["data"]}, ".items", "body path"),
        ({"invariant": ["a < b"]}, "", "unknown keys ['invariant']"),
    ],
)  # fmt: skip
def test_parse_errors_name_the_field(raw: dict[str, Any], field: str, detail: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_rules(raw, WHERE)
    message = str(caught.value)
    assert message.startswith(f"{WHERE}{field}:"), message
    assert detail in message


@given(source=st.text(max_size=40))
def test_any_text_parses_or_is_a_spec_error(source: str) -> None:
    """Rules come from files: nothing in them may crash the loader or run as code."""
    try:
        expr = parse_expr(source, "x")
    except SpecError:
        return
    violations(Rules(invariants=(expr,)), {"a": 1})  # evaluating never raises either


def test_every_spec_operation_has_rules() -> None:
    """Each served operation says what it promises, so verify has something to check."""
    for spec in load_specs():
        for op in spec.operations:
            assert op.rules.items or op.rules.record, spec.name
            assert op.rules.invariants or op.rules.document_invariants, spec.name


# ---- evaluation ---------------------------------------------------------------------------


def holds(source: str, record: Any) -> bool:
    """True when `record` breaks no rule; vacuous counts as holding."""
    return violations(Rules(record="r", invariants=(parse_expr(source, "t"),)), {"r": record}) == []


@pytest.mark.parametrize(
    "record", [{}, {"a": 1}, {"b": 2}, {"a": None, "b": 2}, {"a": 1, "b": None}]
)
def test_missing_or_null_fields_make_an_invariant_vacuous(record: dict[str, Any]) -> None:
    assert holds("a > b", record)
    assert holds("a.x.y == 3", record)


def test_present_fields_are_checked() -> None:
    assert holds("a > b", {"a": 2, "b": 1})
    assert not holds("a > b", {"a": 1, "b": 2})
    assert not holds("a.x.y == 3", {"a": {"x": {"y": 4}}})
    assert holds("status in ['a', 'b']", {"status": "b"})
    assert not holds("status not in ['a', 'b']", {"status": "b"})
    assert holds("0 < a <= b < 10", {"a": 1, "b": 9})
    assert not holds("0 < a <= b < 10", {"a": 1, "b": 10})
    assert holds("-a == 0 - a and not (a == 0)", {"a": 4})


times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)


@given(start=times, seconds=st.integers(0, 10**7), offset_hours=st.integers(-12, 14))
def test_rfc3339_times_compare_and_subtract(
    start: datetime, seconds: int, offset_hours: int
) -> None:
    """Times in any offset, with or without fractions, become comparable unix seconds."""
    start = start.replace(microsecond=0)
    end = (start + timedelta(seconds=seconds)).astimezone(timezone(timedelta(hours=offset_hours)))
    record = {
        "started": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "finished": end.isoformat(),
        "duration": seconds,
    }
    assert holds("started <= finished", record)
    assert holds("duration == finished - started", record)
    assert holds(f"finished - started == {seconds}", record)
    assert holds("abs(duration - (finished - started)) <= 1", record)
    assert not holds("duration + 2 == finished - started", record)
    fractional = {**record, "finished": end.isoformat(timespec="milliseconds")}
    assert holds("duration == finished - started", fractional)


def test_times_without_an_offset_are_utc() -> None:
    record = {"a": "2024-03-05T14:02:11", "b": "2024-03-05T14:02:11Z"}
    assert holds("a == b", record)


@given(sizes=st.lists(st.integers(0, 10**9), max_size=8), extra=st.integers(-3, 3))
def test_sum_and_len_over_lists(sizes: list[int], extra: int) -> None:
    """A path through a list maps over it; sum and len see the mapped values."""
    body = {"files": [{"size": n} for n in sizes], "total": sum(sizes) + extra, "count": len(sizes)}
    assert holds("count == len(files)", body)
    assert holds("total == sum(files.size)", body) == (extra == 0)
    if sizes:
        assert holds("max(files.size) >= min(files.size)", body)


def test_sum_and_min_of_times() -> None:
    body = {"start": "2024-01-01T00:00:00Z", "files": [{"t": "2024-01-01T00:00:05Z"}]}
    assert holds("start <= min(files.t)", body)
    assert not holds("start > min(files.t)", body)


def test_and_or_short_circuit() -> None:
    """`status != 'ERRORED' or x == ...` holds for other statuses even when x is absent."""
    expr = "status != 'ERRORED' or stop.reason == 'INTERNAL_ERROR'"
    assert holds(expr, {"status": "UPLOADED"})
    assert holds(expr, {"status": "ERRORED", "stop": {"reason": "INTERNAL_ERROR"}})
    assert not holds(expr, {"status": "ERRORED", "stop": {"reason": "API_CALL"}})
    assert not holds("status == 'A' and size > 0", {"status": "B"})


def test_an_expression_that_cannot_be_evaluated_is_reported() -> None:
    problems = violations(
        Rules(record="r", invariants=(parse_expr("a - b > 0", "t"),)), {"r": {"a": "x", "b": 1}}
    )
    assert len(problems) == 1 and "cannot be evaluated" in problems[0]


def test_lifecycle_require_and_forbid_treat_null_as_absent() -> None:
    lifecycle = [{"when": "status == 'done'", "require": ["url"], "forbid": ["error"]}]
    checked = rules(record="data", lifecycle=lifecycle)
    assert violations(checked, {"data": {"status": "done", "url": "u", "error": None}}) == []
    assert violations(checked, {"data": {"status": "live", "url": None, "error": "e"}}) == []
    assert violations(checked, {"data": {"status": "done", "url": None}}) == [
        "data: url is required when status == 'done'"
    ]
    assert violations(checked, {"data": {"status": "done", "url": "u", "error": "e"}}) == [
        "data: error must be absent or null when status == 'done'"
    ]


def test_records_of_reads_items_or_record() -> None:
    assert records_of(rules(items="result.list"), {"result": {"list": [{"a": 1}, 2]}}) == [{"a": 1}]
    assert records_of(rules(items="result.list"), {"result": None}) == []
    assert records_of(rules(record="data"), {"data": {"a": 1}}) == [{"a": 1}]
    assert records_of(rules(record="data"), {"data": None}) == []


# ---- the spec rules catch broken records --------------------------------------------------


def spec_rules(name: str) -> Rules:
    (spec,) = [s for s in load_specs() if s.name == name]
    return spec.operations[0].rules


UPLOADED = {
    "success": True,
    "data": {
        "id": "182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e",
        "invoked_time": "2019-12-27T18:11:19.117Z",
        "output_file_name": "x.mp4",
        "status": "UPLOADED",
        "started_time": "2019-12-27T18:11:23.402Z",
        "stopped_time": "2019-12-27T18:41:23.402Z",
        "recording_duration": 1800,
        "stop_reason": {"reason": "API_CALL"},
        "start_reason": {"reason": "API_CALL"},
        "download_url": "https://example.com/v.mp4",
        "download_url_expiry": "2019-12-28T18:11:19.117Z",
        "file_size": 52428800,
    },
}


def broken(change: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    body = copy.deepcopy(UPLOADED)
    body["data"].update(change)
    for name in drop:
        del body["data"][name]
    return body


@pytest.mark.parametrize(
    ("body", "reported"),
    [
        (broken({"started_time": "2019-12-27T18:11:00Z"}), "invoked_time <= started_time"),
        (broken({"recording_duration": 1700}), "recording_duration"),
        (broken({"file_size": 0}), "file_size > 0"),
        (broken({}, drop=("download_url",)), "download_url is required"),
        (broken({"status": "RECORDING"}), "stopped_time must be absent"),
        (broken({"status": "INVOKED"}, drop=("download_url",)), "started_time must be absent"),
        (broken({"status": "ERRORED"}), "INTERNAL_ERROR"),
        (broken({"start_reason": {"reason": "RECORD_ON_START", "caller": {"name": "n"}}}),
         "start_reason.caller must be absent"),
    ],
)  # fmt: skip
def test_a_broken_cloudflare_record_is_reported(body: dict[str, Any], reported: str) -> None:
    cloudflare = spec_rules("cloudflare/recording-details")
    assert violations(cloudflare, UPLOADED) == []
    problems = violations(cloudflare, body)
    assert any(reported in p for p in problems), problems


def test_a_broken_zoom_document_is_reported() -> None:
    zoom = spec_rules("zoom/session-recordings")
    files = [
        {"recording_start": "2022-03-10T02:27:26Z", "recording_end": "2022-03-10T02:29:30Z",
         "file_size": 10, "status": "completed", "download_url": "https://x/1"},
        {"recording_start": "2022-03-10T02:27:26Z", "recording_end": "2022-03-10T02:29:30Z",
         "file_size": 5, "status": "completed", "download_url": "https://x/2"},
    ]  # fmt: skip
    body = {"start_time": "2022-03-10T02:27:24Z", "duration": 2, "total_size": 15,
            "recording_count": 2, "recording_files": files}  # fmt: skip
    assert violations(zoom, body) == []
    assert violations(zoom, {**body, "total_size": 16}) == [
        "total_size == sum(recording_files.file_size) is false"
    ]
    assert violations(zoom, {**body, "recording_count": 3}) == [
        "recording_count == len(recording_files) is false"
    ]
    late = [{**files[0], "recording_end": "2022-03-10T02:00:00Z"}, files[1]]
    assert violations(zoom, {**body, "recording_files": late}) == [
        "recording_files[0]: recording_start <= recording_end is false"
    ]


def test_a_broken_signalwire_record_is_reported() -> None:
    signalwire = spec_rules("signalwire/room-session-recordings")
    live = {"status": "recording", "started_at": "2024-03-05T14:40:00Z", "finished_at": None,
            "duration": None, "size_in_bytes": None, "format": None, "uri": None,
            "created_at": "2024-03-05T14:39:58Z", "updated_at": "2024-03-05T14:40:00Z",
            "cost_in_dollars": 0}  # fmt: skip
    assert violations(signalwire, {"data": [live]}) == []
    leaked = {**live, "uri": "https://x/y.mp4"}
    assert violations(signalwire, {"data": [live, leaked]}) == [
        "data[1]: uri must be absent or null when status in ['recording', 'paused']"
    ]


# ---- promises and world -------------------------------------------------------------------


def contract(**raw: Any) -> Any:
    return parse_contract(raw, WHERE)


@pytest.mark.parametrize(
    ("raw", "field", "detail"),
    [
        ({"invariants": ["a < b"]}, "", "`promises` (asserted by verify"),
        ({"promises": {"invariants": ["a < b"]}}, ".promises.invariants[0]", "needs a mapping"),
        ({"promises": {"invariants": [{"rule": "a < b"}]}}, ".promises.invariants[0]",
         "needs an entry with `source`"),
        ({"promises": {"invariants": [{"rule": "a < b", "why": "x"}]}},
         ".promises.invariants[0]", "`source`"),
        ({"promises": {"invariants": [{"rule": "a < b", "source": 3}]}},
         ".promises.invariants[0].source", "expected a string"),
        ({"promises": {"filters": [{"param": "p", "field": "f"}]}}, ".promises.filters[0]",
         "`source`"),
        ({"promises": {"lifecycle": [{"when": "a", "forbid": ["b"]}]}},
         ".promises.lifecycle[0]", "`source`"),
        ({"world": {"lifecycle": [{"when": "a", "forbid": ["b"], "source": "x"}]}},
         ".world.lifecycle[0]", "unknown keys ['source']"),
        ({"world": {"items": "data"}}, ".world", "belong at the top"),
        ({"world": ["a < b"]}, ".world", "expected a mapping"),
        ({"promises": {"ordering": {"param": "", "field": "t", "source": "doc 001: x"}},
          "world": {"ordering": {"param": "", "field": "t"}}}, "", "in both"),
    ],
)  # fmt: skip
def test_contract_errors_name_the_field(raw: dict[str, Any], field: str, detail: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_contract(raw, WHERE)
    message = str(caught.value)
    assert message.startswith(f"{WHERE}{field}:"), message
    assert detail in message


def test_contract_splits_promises_from_world() -> None:
    found = contract(
        items="data",
        promises={"invariants": [{"rule": "a <= b", "source": "doc 002: \"x\""}],
                  "filters": [{"param": "id", "field": "sid", "source": "doc 002: \"y\""}]},
        world={"invariants": ["c > 0", {"rule": "d > 0", "why": "tidy"}],
               "ordering": {"param": "", "field": "t", "why": "newest first"}},
    )  # fmt: skip
    assert found.promises.items == found.rules.items == "data"
    assert [e.source for e in found.promises.invariants] == ["a <= b"]
    assert [e.source for e in found.rules.invariants] == ["a <= b", "c > 0", "d > 0"]
    assert found.promises.ordering is None and found.rules.ordering is not None
    assert found.rules.sources == {
        "invariant a <= b": 'doc 002: "x"', "filter id eq sid": 'doc 002: "y"',
        "invariant d > 0": "tidy", "ordering": "newest first",
    }  # fmt: skip
    body = {"data": [{"a": 1, "b": 2, "c": -1, "d": 1}]}
    assert violations(found.promises, body) == []
    assert violations(found.rules, body) == ["data[0]: c > 0 is false"]


def test_every_spec_promise_is_also_obeyed_by_the_mock() -> None:
    """op.promises is a subset of op.rules: the mock keeps every promise, plus its choices."""
    for spec in load_specs():
        for op in spec.operations:
            promised, obeyed = op.promises, op.rules
            assert set(promised.labels()) <= set(obeyed.labels()), spec.name
            assert set(promised.invariants) <= set(obeyed.invariants)
            assert set(promised.document_invariants) <= set(obeyed.document_invariants)
            assert set(promised.lifecycle) <= set(obeyed.lifecycle)
            assert set(promised.filters) <= set(obeyed.filters)
            assert promised.paging in (None, obeyed.paging)
            assert promised.ordering in (None, obeyed.ordering)
            assert all(promised.sources.get(label) for label in promised.labels()), spec.name
            assert promised.labels() and len(obeyed.labels()) > len(promised.labels())


# ---- protojson's decimal strings ----------------------------------------------------------


@given(a=st.integers(-(2**63), 2**63 - 1), b=st.integers(-(2**63), 2**63 - 1),
       op=st.sampled_from(["<", "<=", ">", ">=", "==", "!="]),
       as_text=st.sampled_from(["left", "right", "both", "neither"]))  # fmt: skip
def test_decimal_strings_compare_as_their_numbers(a: int, b: int, op: str, as_text: str) -> None:
    """int64 fields arrive as "123" from a protojson server: comparisons mean the numbers."""
    record = {"a": str(a) if as_text in ("left", "both") else a,
              "b": str(b) if as_text in ("right", "both") else b}  # fmt: skip
    expected = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}
    if as_text == "both" and op in ("==", "!="):
        expected[op] = (str(a) == str(b)) if op == "==" else (str(a) != str(b))
    assert holds(f"a {op} b", record) is expected[op]


def test_decimal_ids_stay_strings_under_equality() -> None:
    assert not holds("a == b", {"a": "007", "b": "7"})
    assert holds("a < b", {"a": "9", "b": "10"})  # numerically, not as text
    assert not holds("a < b", {"a": "x9", "b": "10"})  # not a number: compared as text


def test_a_filter_may_yield_to_another_parameter() -> None:
    """plugNmeet's room_sid replaces room_ids: the promise says so, the mock's world narrows."""
    found = rules(filters=[{"param": "room_ids", "field": "room_id", "match": "in",
                            "unless": ["room_sid"]}])  # fmt: skip
    assert found.filters[0].unless == ("room_sid",)
    assert found.labels() == ["filter room_ids in room_id unless room_sid"]
    with pytest.raises(SpecError, match=r"\.filters\[0\]\.unless: expected a list"):
        rules(filters=[{"param": "a", "field": "b", "unless": "room_sid"}])
    (op,) = next(s for s in load_specs() if s.name == "plugnmeet/recording-fetch.v2").operations
    assert [f.unless for f in op.promises.filters if f.param == "room_ids"] == [("room_sid",)]
    assert ("room_ids", ()) in [(f.param, f.unless) for f in op.rules.filters]
