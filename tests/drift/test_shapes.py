"""The drift core: shape facts of a body and the fidelity score's invariants (Hypothesis)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from recmock.drift.shapes import (
    Fact,
    body_facts,
    differences,
    enum_paths,
    response_facts,
    score,
    string_format,
)

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)
FACTS = st.sets(
    st.builds(
        Fact,
        st.sampled_from(["status", "type", "enum", "format", "header"]),
        st.sampled_from(["200", "4xx"]),
        st.sampled_from(["", "a", "a.b", "data[]"]),
        st.sampled_from(["string", "null", "x", "y"]),
    ),
    max_size=12,
)


@given(JSON, st.sampled_from([200, 404, 422]))
def test_a_body_against_itself_scores_one(body: object, status: int) -> None:
    facts = response_facts(status, {"content-type": "application/json"}, json.dumps(body).encode())
    assert score(facts, set(facts)) == 1.0
    assert differences(facts, set(facts)) == []


@given(FACTS, FACTS)
def test_the_score_is_symmetric_and_bounded(a: set[Fact], b: set[Fact]) -> None:
    assert score(a, b) == score(b, a)
    assert 0.0 <= score(a, b) <= 1.0
    assert (score(a, b) == 1.0) == (a == b)


@given(FACTS, FACTS, FACTS)
def test_adding_a_difference_never_raises_the_score(
    a: set[Fact], b: set[Fact], extra: set[Fact]
) -> None:
    """Facts only `a` gains (absent from `b`) can only lower the similarity."""
    only_a = extra - b
    assert score(a | only_a, b) <= score(a, b) + 1e-12


@given(FACTS, FACTS)
def test_differences_are_exactly_the_symmetric_difference(a: set[Fact], b: set[Fact]) -> None:
    found = differences(a, b)
    assert {d.fact for d in found} == a ^ b
    weights = [d.fact.weight for d in found]
    assert weights == sorted(weights, reverse=True)


def test_facts_name_types_nulls_formats_and_enum_values() -> None:
    body = {
        "data": [{"id": "6c0e9a1f-2b3d-4e5f-8a9b-0c1d2e3f4a5b", "size": None, "status": "done"}]
    }
    facts = body_facts(body, 200, {"data[].status"})
    assert Fact("type", "200", "data[].size", "null") in facts
    assert Fact("format", "200", "data[].id", "uuid") in facts
    assert Fact("enum", "200", "data[].status", "done") in facts
    renamed = body_facts({"data": [{"uid": "x"}]}, 200)
    assert Fact("type", "200", "data[].id", "string") not in renamed


def test_errors_group_by_class_and_headers_count() -> None:
    facts = response_facts(
        404, {"Content-Type": "text/html; charset=utf-8", "Link": '<x>; rel="next"'}, b"<p>"
    )
    assert Fact("status", "4xx", "", "404") in facts
    assert Fact("header", "4xx", "content-type", "text/html") in facts
    assert Fact("header", "4xx", "link", "rel=next") in facts
    assert Fact("type", "4xx", "", "not-json") in facts


def test_enum_paths_follow_properties_items_and_branches() -> None:
    schema = {
        "properties": {
            "data": {"items": {"allOf": [{"properties": {"status": {"enum": ["a", "b"]}}}]}},
            "kind": {"type": "string"},
        }
    }
    assert enum_paths(schema) == {"data[].status"}


def test_string_formats() -> None:
    assert string_format("2026-01-02T03:04:05Z") == "date-time"
    assert string_format("2026-01-02T03:04:05") == "naive-date-time"
    assert string_format("https://x.test/a") == "uri"
    assert string_format("plain") is None
