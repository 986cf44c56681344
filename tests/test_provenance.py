"""Every constraint verify may assert names where the provider states it (issue 9, item 3).

The oracles are independent of the census code where they can be: doc quotes are looked up in
the seed files themselves, and the protojson/SDK shapes below are written by hand from the
provider's own types, not from recmock's world.
"""

from __future__ import annotations

import copy
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from recmock.provenance import CONSTRAINTS, TABLE, constraints, problems, render, rule_rows
from recmock.specs import Spec, deref, load_spec, load_specs

SPECS = {spec.name: spec for spec in load_specs()}
SEEDS = Path(os.environ.get("RECMOCK_SEEDS", Path(__file__).parents[2] / "shared" / "seeds"))
QUOTE = re.compile(r'"([^"]+)"')


def test_every_constraint_and_promise_has_a_source() -> None:
    found = [line for spec in SPECS.values() for line in problems(spec)]
    assert found == []


def test_every_spec_has_promises_and_sourced_constraints() -> None:
    """The census is not vacuous: each spec has promises and sourced schema constraints."""
    for spec in SPECS.values():
        assert any(r.block == "promises" for r in rule_rows(spec)), spec.name
        assert len(constraints(spec.document)) >= 10, spec.name


def _doc_quotes(source: str) -> list[tuple[str, str]]:
    """(seed number, quoted words) for every `doc NNN: "..."` clause of a source."""
    found = []
    for clause in source.split(";"):
        match = re.match(r"\s*doc (\d{3})\b", clause)
        if match:
            found += [(match.group(1), q) for q in QUOTE.findall(clause) if q.strip(" ,")]
    return found


def _all_sources() -> list[tuple[str, str]]:
    rows = [(s.name, c.source) for s in SPECS.values() for c in constraints(s.document)]
    return rows + [(s.name, r.note) for s in SPECS.values() for r in rule_rows(s)
                   if r.block == "promises"]  # fmt: skip


@pytest.mark.skipif(not SEEDS.is_dir(), reason=f"seed documents not found at {SEEDS}")
def test_doc_quotes_are_in_the_seed_documents() -> None:
    """A `doc NNN` source quotes its seed word for word (whitespace aside)."""
    texts = {p.name[:3]: " ".join(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("0*")}
    missing, checked = [], 0
    for name, source in _all_sources():
        for seed, quote in _doc_quotes(source):
            checked += 1
            if " ".join(quote.split()) not in texts.get(seed, ""):
                missing.append(f"{name}: doc {seed}: {quote!r}")
    assert missing == []
    assert checked >= 60  # most sources quote a doc: the check has something to look at


def test_the_quote_check_catches_a_misquote() -> None:
    assert _doc_quotes('doc 004: "Returns details"; sdk x: "not checked"') == [
        ("004", "Returns details")
    ]


def test_contract_table_is_up_to_date() -> None:
    """docs/contract.md is generated: `python -m recmock.provenance` rewrites it."""
    assert TABLE.read_text(encoding="utf-8") == render(list(SPECS.values()))


def test_table_lists_every_constraint_and_rule() -> None:
    table = TABLE.read_text(encoding="utf-8")
    for spec in SPECS.values():
        assert f"## {spec.name}" in table
        for c in constraints(spec.document):
            assert f"`{c.where}`" in table, c
        for row in rule_rows(spec):
            assert row.label.split()[-1] in table, row


def _schema_nodes(spec: Spec) -> list[str]:
    return sorted({c.where for c in constraints(spec.document)})


@given(data=st.data(), keyword=st.sampled_from(["enum", "pattern", "maxLength", "format"]))
def test_an_unsourced_constraint_is_reported(data: st.DataObject, keyword: str) -> None:
    """Add a constraint without a source anywhere: the census names that node and keyword."""
    spec = data.draw(st.sampled_from(sorted(SPECS.values(), key=lambda s: s.name)))
    schemas = spec.document["components"]["schemas"]
    name = data.draw(st.sampled_from(sorted(schemas)))
    document = copy.deepcopy(spec.document)
    node = document["components"]["schemas"][name]
    node.pop("x-source", None)
    node[keyword] = {"enum": ["x"], "pattern": "^x$", "maxLength": 3, "format": "uuid"}[keyword]
    changed = Spec(spec.name, spec.provider, spec.path, document, spec.prefix, spec.operations)
    assert any(f"/components/schemas/{name}: `{keyword}` has no x-source" in line
               for line in problems(changed))  # fmt: skip


def test_a_promise_without_a_well_formed_source_is_reported(tmp_path: Path) -> None:
    spec = SPECS["zoom/session-recordings"]
    text = spec.path.read_text(encoding="utf-8").replace(
        "source: 'doc 003: \"Get all the [recordings] from a session instance.\"'",
        "source: because we say so",
    )
    copy_path = tmp_path / "zoom" / "session-recordings.yaml"
    copy_path.parent.mkdir()
    copy_path.write_text(text, encoding="utf-8")
    found = problems(load_spec(copy_path))
    assert found == [
        "session-recordings.yaml: promise 'filter sessionId eq session_id': source "
        "'because we say so' is not of the form '<doc|sdk|server|http|openapi> ...: ...'"
    ]


def test_constraint_keywords_cover_json_schema_validation() -> None:
    """A new validation keyword in a spec cannot slip past the census unnoticed."""
    used = set()
    for spec in SPECS.values():
        for c in constraints(spec.document):
            used.add(c.keyword)
    assert used <= {*CONSTRAINTS, "additionalProperties", "type"}


# ---- the loosened contract accepts what the providers' own types allow ---------------------


def _validator(spec_name: str, status: str = "200") -> Draft202012Validator:
    spec = SPECS[spec_name]
    schema = spec.operations[0].response_schema(status)
    return Draft202012Validator(deref(spec.document, schema), format_checker=FormatChecker())


def test_plugnmeet_v2_accepts_a_protojson_body() -> None:
    """What plugNmeet's server writes (protojson, EmitUnpopulated, int64 as strings)."""
    body: dict[str, Any] = {
        "status": True, "msg": "success", "status_code": "SUCCESS",
        "result": {"total_recordings": "2", "from": 0, "limit": 20, "order_by": "DESC",
                   "recordings_list": [
                       {"record_id": "RM_a-1", "room_id": "room01", "room_sid": "RM_a",
                        "file_path": "node_01/RM_a-1.mp4", "file_size": 12.5,
                        "creation_time": "1699437612", "room_creation_time": "1699435800"}]},
    }  # fmt: skip
    assert list(_validator("plugnmeet/recording-fetch.v2").iter_errors(body)) == []
    op = SPECS["plugnmeet/recording-fetch.v2"].operations[0]
    from recmock.rules import violations

    assert violations(op.promises, body) == []
    late = copy.deepcopy(body)
    late["result"]["recordings_list"][0]["room_creation_time"] = "1699999999"
    assert violations(op.promises, late) == [
        "result.recordings_list[0]: room_creation_time <= creation_time is false"
    ]
    bad = copy.deepcopy(body)
    bad["result"]["recordings_list"][0]["creation_time"] = "soon"
    assert list(_validator("plugnmeet/recording-fetch.v2").iter_errors(bad)) != []


@pytest.mark.parametrize("code", ["BAD_REQUEST", "INVALID_BODY", "SOMETHING_NEW"])
def test_plugnmeet_error_status_code_is_any_string(code: str) -> None:
    body = {"status": False, "msg": "bad request", "status_code": code}
    for name in ("plugnmeet/recording-fetch.v1", "plugnmeet/recording-fetch.v2"):
        assert list(_validator(name, "400").iter_errors(body)) == []


def test_cloudflare_accepts_the_sdk_nulls() -> None:
    """cloudflare-python types these Optional; a deployment may send null."""
    data: dict[str, Any] = {
        "id": "rec-1", "invoked_time": "2025-01-01T00:00:00Z", "output_file_name": "x.mp4",
        "status": "RECORDING", "started_time": None, "stopped_time": None, "session_id": None,
        "download_url": None, "audio_download_url": None, "download_url_expiry": None,
        "file_size": None, "recording_duration": None, "start_reason": None,
        "stop_reason": None, "storage_config": None,
    }  # fmt: skip
    body = {"success": True, "data": data}
    assert list(_validator("cloudflare/recording-details").iter_errors(body)) == []
    op = SPECS["cloudflare/recording-details"].operations[0]
    from recmock.rules import violations

    assert violations(op.promises, body) == []
    assert violations(op.rules, body) != []  # recmock's own world would never write this


def test_lifecycle_choices_are_not_promises() -> None:
    """Issue 9's examples: fields absent while in progress and positive sizes are world only."""
    for spec in SPECS.values():
        promised = " ".join(spec.operations[0].promises.labels())
        assert "file_size > 0" not in promised and "size_in_bytes > 0" not in promised
        assert "forbid download_url" not in promised and "require download_url" not in promised
        world = set(spec.operations[0].rules.labels()) - set(spec.operations[0].promises.labels())
        assert world, spec.name
