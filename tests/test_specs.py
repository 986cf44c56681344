"""specs.py: loading errors name the file and field; the Connexion view is valid 3.0."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from openapi_spec_validator import OpenAPIV30SpecValidator

from recmock.errors import SpecError
from recmock.specs import SPECS_DIR, connexion_view, load_spec, load_specs, select_specs

MINIMAL = {
    "openapi": "3.1.0",
    "info": {"title": "t", "version": "1"},
    "servers": [{"url": "http://127.0.0.1:8000/api"}, {"url": "https://example.test/api"}],
    "paths": {
        "/things": {
            "get": {"operationId": "listThings", "responses": {"200": {"description": "ok"}}}
        }
    },
}


def write(tmp_path: Path, document: object, name: str = "acme/things.yaml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))
    return path


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def test_a_minimal_spec_loads_with_provider_prefix_and_operations(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, MINIMAL))
    assert (spec.name, spec.provider, spec.prefix) == ("acme/things", "acme", "/api")
    assert [(op.method, op.full_path, op.operation_id) for op in spec.operations] == [
        ("GET", "/api/things", "listThings")
    ]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("openapi: [3.1\n", ": invalid YAML"),
        ("- a list\n", "expected a YAML mapping"),
        ({**MINIMAL, "openapi": "3.0.3"}, "openapi: expected 3.1.x, got '3.0.3'"),
        (
            {**MINIMAL, "info": {"title": "t"}},
            'info: not valid OpenAPI 3.1: "version" is a required property',
        ),
        (
            {**MINIMAL, "servers": [{"url": "http://a/x"}, {"url": "http://b/y"}]},
            "servers: expected every server URL to share one path prefix",
        ),
        (
            {**MINIMAL, "paths": {"/t": {"get": {"responses": {"200": {"description": "ok"}}}}}},
            "paths./t.get: expected an operationId",
        ),
        (
            {
                **MINIMAL,
                "paths": {
                    "/t": {
                        "get": {
                            "operationId": "x",
                            "x-recmock": {"world": {"invariants": ["import os"]}},
                            "responses": {"200": {"description": "ok"}},
                        }
                    }
                },
            },
            "x-recmock.world.invariants[0]",
        ),
    ],
    ids=["yaml", "not-mapping", "not-31", "invalid-openapi", "prefixes", "operation-id", "rules"],
)
def test_bad_specs_name_file_and_field(tmp_path: Path, document: object, expected: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(str(path)) and expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_validation_is_remembered_only_for_valid_documents(tmp_path: Path) -> None:
    load_spec(write(tmp_path, MINIMAL))
    cache = tmp_path / "cache" / "recmock" / "valid-specs"
    assert len(list(cache.iterdir())) == 1
    with pytest.raises(SpecError):
        load_spec(write(tmp_path, {**MINIMAL, "info": {"title": "t"}}, "acme/bad.yaml"))
    assert len(list(cache.iterdir())) == 1


def test_select_specs_serves_the_newest_variant_unless_asked(tmp_path: Path) -> None:
    specs = load_specs(SPECS_DIR)
    assert {s.name for s in select_specs(specs)} >= {"plugnmeet/recording-fetch.v2"}
    assert "plugnmeet/recording-fetch.v1" in {
        s.name for s in select_specs(specs, {"plugnmeet": "v1"})
    }
    with pytest.raises(SpecError, match="no spec variant 'v9'; available: \\['v1', 'v2'\\]"):
        select_specs(specs, {"plugnmeet": "v9"})


@pytest.mark.parametrize("spec", load_specs(SPECS_DIR), ids=lambda s: s.name)
def test_connexion_view_is_valid_30_with_the_same_routes(spec) -> None:  # type: ignore[no-untyped-def]
    view = connexion_view(spec)
    assert list(OpenAPIV30SpecValidator(view).iter_errors()) == []
    routes = {
        (m.upper(), path, op["operationId"])
        for path, item in view["paths"].items()
        for m, op in item.items()
    }
    assert routes == {(op.method, op.path, op.operation_id) for op in spec.operations}
