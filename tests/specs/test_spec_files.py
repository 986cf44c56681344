"""Static checks of the hand-maintained OpenAPI 3.1 files under specs/.

Nothing here imports recmock: these tests guard the spec files themselves (valid 3.1, examples
that match their schemas, servers that give the loader one mount prefix, no write-only secrets
in examples), so a broken spec is reported as such and not as a server bug.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import yaml
from jsonschema import FormatChecker, ValidationError
from jsonschema.validators import extend
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPECS_DIR = Path(__file__).parents[2] / "specs"
SPEC_PATHS = sorted(SPECS_DIR.glob("**/*.yaml"))
SPEC_IDS = [p.relative_to(SPECS_DIR).as_posix() for p in SPEC_PATHS]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
SPEC_URI = "urn:recmock:spec"
WRITE_ONLY_SECRETS = {"access_key", "secret", "password", "private_key"}

# file -> (mount prefix, method, path relative to the prefix, operationId)
EXPECTED = {
    "plugnmeet/recording-fetch.v1.yaml": ("/auth", "post", "/recording/fetch", "fetchRecordings"),
    "plugnmeet/recording-fetch.v2.yaml": ("/auth", "post", "/recording/fetch", "fetchRecordings"),
    "signalwire/room-session-recordings.yaml": (
        "/api/video",
        "get",
        "/room_sessions/{id}/recordings",
        "listRoomSessionRecordings",
    ),
    "zoom/session-recordings.yaml": (
        "/v2",
        "get",
        "/videosdk/sessions/{sessionId}/recordings",
        "listSessionRecordings",
    ),
    "cloudflare/recording-details.yaml": (
        "/client/v4",
        "get",
        "/accounts/{account_id}/realtime/kit/{app_id}/recordings/{recording_id}",
        "getRecording",
    ),
}

# file -> the top-level security requirement (plugNmeet needs both headers together)
EXPECTED_SECURITY = {
    "plugnmeet/recording-fetch.v1.yaml": [{"apiKey": [], "hashSignature": []}],
    "plugnmeet/recording-fetch.v2.yaml": [{"apiKey": [], "hashSignature": []}],
    "signalwire/room-session-recordings.yaml": [{"SignalWireBasicAuth": []}],
    "zoom/session-recordings.yaml": [{"bearerAuth": []}],
    "cloudflare/recording-details.yaml": [{"apiToken": []}],
}

# Keywords whose value is a subschema, a list of subschemas, or a name -> subschema map.
SUBSCHEMA = (
    "additionalProperties",
    "items",
    "contains",
    "not",
    "if",
    "then",
    "else",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
)
SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")
SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "dependentSchemas")


# --- formats -------------------------------------------------------------------------------

FORMATS = FormatChecker()  # date-time, uuid, ... as far as their libraries are installed


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    """RFC 3986 absolute URI, approximately: a scheme, something after it, no whitespace."""
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and (parts.netloc or parts.path)) and not any(
        c.isspace() for c in value
    )


# --- read/write direction ------------------------------------------------------------------


def _read_write_only(validator: Any, write_only: bool, instance: Any, schema: Any) -> Any:
    if write_only:
        yield ValidationError("write-only property appears in a response example")


def _write_read_only(validator: Any, read_only: bool, instance: Any, schema: Any) -> Any:
    if read_only:
        yield ValidationError("read-only property appears in a request example")


ReadValidator = extend(OAS31Validator, {"writeOnly": _read_write_only})
WriteValidator = extend(OAS31Validator, {"readOnly": _write_read_only})


# --- walking a document --------------------------------------------------------------------


def pointer(*parts: str | int) -> str:
    """JSON pointer (RFC 6901) of `parts`."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def resolve(doc: Any, ptr: str) -> Any:
    """The node at JSON pointer `ptr` (no leading '#')."""
    node = doc
    for raw in ptr.split("/")[1:]:
        key = raw.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    return node


def follow_refs(doc: Any, ptr: str) -> str:
    """Pointer of the node `ptr` ends up at after following `$ref`s."""
    seen = set()
    node = resolve(doc, ptr)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        ref = node["$ref"]
        assert ref.startswith("#/"), f"{ptr}: non-local $ref {ref!r}"
        assert ref not in seen, f"{ptr}: $ref cycle through {ref}"
        seen.add(ref)
        ptr = ref[1:]
        node = resolve(doc, ptr)
    return ptr


@dataclass(frozen=True)
class Example:
    """One example value and the schema it must validate against."""

    pointer: str  # where the example value is
    schema_pointer: str | None  # where its schema is (None: no schema documented)
    schema: Any
    value: Any
    direction: str  # "read" (responses, component schemas) or "write" (requests, parameters)


def iter_schemas(doc: Any, schema: Any, ptr: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """`schema` (at `ptr`) and every subschema nested in it, with their pointers."""
    if not isinstance(schema, dict):
        return
    yield ptr, schema
    for key in SUBSCHEMA:
        if key in schema:
            yield from iter_schemas(doc, schema[key], pointer_join(ptr, key))
    for key in SUBSCHEMA_LISTS:
        for i, sub in enumerate(schema.get(key) or []):
            yield from iter_schemas(doc, sub, pointer_join(ptr, key, i))
    for key in SUBSCHEMA_MAPS:
        for name, sub in (schema.get(key) or {}).items():
            yield from iter_schemas(doc, sub, pointer_join(ptr, key, name))


def pointer_join(base: str, *parts: str | int) -> str:
    return base + pointer(*parts)


def _schema_examples(doc: Any, schema: Any, ptr: str, direction: str) -> Iterator[Example]:
    for sub_ptr, sub in iter_schemas(doc, schema, ptr):
        if "example" in sub:
            yield Example(pointer_join(sub_ptr, "example"), sub_ptr, sub, sub["example"], direction)
        for i, value in enumerate(sub.get("examples") or []):
            yield Example(pointer_join(sub_ptr, "examples", i), sub_ptr, sub, value, direction)


def _carrier_examples(doc: Any, obj: Any, ptr: str, direction: str) -> Iterator[Example]:
    """Examples of a parameter, header or media type object (`schema` + `example(s)`)."""
    if not isinstance(obj, dict) or "$ref" in obj:
        return  # a $ref'd component is walked where it is defined
    if "content" in obj:  # parameter/header described by content instead of schema
        for media, media_obj in obj["content"].items():
            yield from _carrier_examples(
                doc, media_obj, pointer_join(ptr, "content", media), direction
            )
    schema_ptr = pointer_join(ptr, "schema") if "schema" in obj else None
    schema = obj.get("schema")
    if "example" in obj:
        yield Example(pointer_join(ptr, "example"), schema_ptr, schema, obj["example"], direction)
    for name, entry in (obj.get("examples") or {}).items():
        entry_ptr = pointer_join(ptr, "examples", name)
        if isinstance(entry, dict) and "$ref" in entry:
            entry_ptr = follow_refs(doc, entry_ptr)
            entry = resolve(doc, entry_ptr)
        if isinstance(entry, dict) and "value" in entry:
            yield Example(
                pointer_join(entry_ptr, "value"), schema_ptr, schema, entry["value"], direction
            )
    if schema_ptr is not None:
        yield from _schema_examples(doc, schema, schema_ptr, direction)


def _response_examples(doc: Any, response: Any, ptr: str) -> Iterator[Example]:
    if not isinstance(response, dict) or "$ref" in response:
        return
    for media, media_obj in (response.get("content") or {}).items():
        yield from _carrier_examples(doc, media_obj, pointer_join(ptr, "content", media), "read")
    for name, header in (response.get("headers") or {}).items():
        yield from _carrier_examples(doc, header, pointer_join(ptr, "headers", name), "read")


def iter_examples(doc: dict[str, Any]) -> Iterator[Example]:
    """Every example in `doc`: schema `example`/`examples`, parameter and media type `example`
    and `examples.*.value`, in paths and in components."""
    for route, item in (doc.get("paths") or {}).items():
        item_ptr = pointer("paths", route)
        for i, param in enumerate(item.get("parameters") or []):
            yield from _carrier_examples(
                doc, param, pointer_join(item_ptr, "parameters", i), "write"
            )
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_ptr = pointer_join(item_ptr, method)
            for i, param in enumerate(op.get("parameters") or []):
                yield from _carrier_examples(
                    doc, param, pointer_join(op_ptr, "parameters", i), "write"
                )
            body = op.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                for media, media_obj in (body.get("content") or {}).items():
                    yield from _carrier_examples(
                        doc,
                        media_obj,
                        pointer_join(op_ptr, "requestBody", "content", media),
                        "write",
                    )
            for code, response in (op.get("responses") or {}).items():
                yield from _response_examples(
                    doc, response, pointer_join(op_ptr, "responses", str(code))
                )
    components = doc.get("components") or {}
    for name, param in (components.get("parameters") or {}).items():
        yield from _carrier_examples(doc, param, pointer("components", "parameters", name), "write")
    for name, body in (components.get("requestBodies") or {}).items():
        for media, media_obj in (body.get("content") or {}).items():
            yield from _carrier_examples(
                doc,
                media_obj,
                pointer("components", "requestBodies", name, "content", media),
                "write",
            )
    for name, response in (components.get("responses") or {}).items():
        yield from _response_examples(doc, response, pointer("components", "responses", name))
    for name, header in (components.get("headers") or {}).items():
        yield from _carrier_examples(doc, header, pointer("components", "headers", name), "read")
    for name, schema in (components.get("schemas") or {}).items():
        yield from _schema_examples(doc, schema, pointer("components", "schemas", name), "read")


def iter_all_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object of `doc`: component schemas, inline parameter/header/media type
    schemas, and every subschema nested in those."""
    for ptr, node in iter_structure(doc):
        if ptr.endswith("/schema") and isinstance(node, dict):
            yield from iter_schemas(doc, node, ptr)
    for name, schema in ((doc.get("components") or {}).get("schemas") or {}).items():
        yield from iter_schemas(doc, schema, pointer("components", "schemas", name))


def iter_structure(node: Any, ptr: str = "") -> Iterator[tuple[str, Any]]:
    """Every node of the document's structure with its pointer. Schemas are yielded but not
    entered (their property names are data; see `iter_schemas`), and example values are
    skipped (they are data too; see `iter_examples`)."""
    yield ptr, node
    if ptr.endswith("/schema") or ptr == "/components/schemas":
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key not in ("example", "examples"):
                yield from iter_structure(value, pointer_join(ptr, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_structure(value, pointer_join(ptr, i))


# --- checking examples ---------------------------------------------------------------------


def example_errors(doc: dict[str, Any], examples: list[Example] | None = None) -> list[str]:
    """One message per example that does not validate against its schema."""
    registry = Registry().with_resource(
        SPEC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    problems = []
    for ex in iter_examples(doc) if examples is None else examples:
        if ex.schema_pointer is None:
            problems.append(f"{ex.pointer}: example without a schema")
            continue
        cls = ReadValidator if ex.direction == "read" else WriteValidator
        validator = cls(
            {"$ref": f"{SPEC_URI}#{quote(ex.schema_pointer, safe='/')}"},
            registry=registry,
            format_checker=FORMATS,
        )
        for error in validator.iter_errors(ex.value):
            problems.append(f"{ex.pointer}: {error.json_path}: {error.message}")
    return problems


def leaked_secrets(doc: dict[str, Any]) -> list[str]:
    """Write-only storage secrets that appear in any example value."""
    found = []

    def scan(value: Any, where: str, is_storage_config: bool) -> None:
        if isinstance(value, dict):
            if is_storage_config:
                found.extend(f"{where}/{key}" for key in WRITE_ONLY_SECRETS & value.keys())
            for key, sub in value.items():
                scan(sub, pointer_join(where, key), key == "storage_config")
        elif isinstance(value, list):
            for i, sub in enumerate(value):
                scan(sub, pointer_join(where, i), False)

    for ex in iter_examples(doc):
        target = follow_refs(doc, ex.schema_pointer) if ex.schema_pointer else ""
        scan(ex.value, ex.pointer, target.endswith("/StorageConfig"))
    return found


# --- fixtures ------------------------------------------------------------------------------


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    assert isinstance(doc, dict), f"{path}: not a YAML mapping"
    return doc


@pytest.fixture(scope="module", params=SPEC_PATHS, ids=SPEC_IDS)
def spec(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    path: Path = request.param
    return path.relative_to(SPECS_DIR).as_posix(), load(path)


def spec_named(name: str) -> dict[str, Any]:
    return load(SPECS_DIR / name)


# --- tests ---------------------------------------------------------------------------------


def test_exactly_the_five_expected_spec_files() -> None:
    assert len(SPEC_PATHS) == 5, SPEC_IDS
    assert set(SPEC_IDS) == set(EXPECTED)


def test_valid_openapi_31(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    assert doc["openapi"] == "3.1.0", name
    validate(doc, cls=OpenAPIV31SpecValidator)
    info = doc["info"]
    assert info["title"] and info["version"]
    assert "seed" in info["description"], f"{name}: info.description must name its seed doc"


def test_servers_share_the_expected_prefix(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    prefix = EXPECTED[name][0]
    servers = doc["servers"]
    assert len(servers) == 2, name
    local, real = servers
    assert local["url"] == f"http://127.0.0.1:8000{prefix}"
    assert local["description"] == "recmock"
    paths = set()
    for server in servers:
        url = server["url"]
        for var, spec_var in (server.get("variables") or {}).items():
            assert f"{{{var}}}" in url, f"{name}: unused server variable {var}"
            url = url.replace(f"{{{var}}}", spec_var["default"])
        assert "{" not in url, f"{name}: {server['url']}: variable without a definition"
        parts = urlsplit(url)
        assert parts.scheme in ("http", "https") and parts.netloc, url
        paths.add(urlsplit(server["url"]).path)
    assert paths == {prefix}, f"{name}: servers disagree on the mount prefix: {paths}"
    assert urlsplit(real["url"]).scheme == "https"


def test_operation_path_and_id(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    _, method, route, operation_id = EXPECTED[name]
    operations = [
        (m, r, op.get("operationId"))
        for r, item in doc["paths"].items()
        for m, op in item.items()
        if m in METHODS
    ]
    assert operations == [(method, route, operation_id)]


def test_security_schemes_not_header_parameters(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    schemes = doc["components"]["securitySchemes"]
    assert doc["security"] == EXPECTED_SECURITY[name]
    for requirement in doc["security"]:
        assert set(requirement) <= set(schemes), requirement
    auth_headers = {"authorization"} | {
        s["name"].lower() for s in schemes.values() if s.get("type") == "apiKey"
    }
    for ptr, node in iter_structure(doc):
        if ptr.startswith("/components/securitySchemes/"):
            continue
        if isinstance(node, dict) and node.get("in") == "header" and "name" in node:
            assert node["name"].lower() not in auth_headers, f"{name}{ptr}: auth as a parameter"


def test_only_local_refs_that_resolve(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    count = 0
    for ptr, node in iter_structure(doc):
        if isinstance(node, dict) and "$ref" in node:
            count += 1
            follow_refs(doc, ptr)
    for ptr, schema in iter_all_schemas(doc):
        if "$ref" in schema:
            count += 1
            follow_refs(doc, ptr)
    assert count > 0, f"{name}: expected components reused through $ref"


def test_every_property_has_a_description(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    missing = [
        pointer_join(ptr, "properties", prop)
        for ptr, schema in iter_all_schemas(doc)
        for prop, sub in (schema.get("properties") or {}).items()
        if not (isinstance(sub, dict) and sub.get("description"))
    ]
    assert not missing, f"{name}: properties without description: {missing}"


def test_every_json_response_has_an_example(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    for route, item in doc["paths"].items():
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert "200" in op["responses"]
            for code, response in op["responses"].items():
                media = response["content"]["application/json"]
                assert "example" in media or media.get("examples"), (
                    f"{name}: {method.upper()} {route} {code}: no example"
                )


def test_examples_validate_against_their_schemas(spec: tuple[str, dict[str, Any]]) -> None:
    name, doc = spec
    examples = list(iter_examples(doc))
    assert len(examples) >= 5, f"{name}: walker found only {len(examples)} examples"
    assert example_errors(doc, examples) == []


def test_walker_finds_examples_everywhere() -> None:
    """The example check must have something to check: parameter, media type, `examples`
    map and nested schema examples are all found across the specs."""
    examples = [ex for path in SPEC_PATHS for ex in iter_examples(load(path))]
    assert len(examples) > 10
    pointers = [ex.pointer for ex in examples]
    assert any("/parameters/" in p and p.endswith("/example") for p in pointers)
    assert any("/content/application~1json/examples/" in p for p in pointers)
    assert any("/content/application~1json/example" in p for p in pointers)
    assert any("/properties/" in p and p.endswith("/example") for p in pointers)
    assert any("/requestBody/" in p for p in pointers)


def test_wrong_examples_are_reported() -> None:
    """A checker that cannot fail proves nothing: each kind of wrong example is caught."""
    doc = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things/{id}": {
                "get": {
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1},
                            "example": 0,
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Thing"},
                                    "examples": {"bad": {"value": {"url": "not a uri"}}},
                                    "example": {"url": "https://ok.example", "extra": 1},
                                }
                            },
                        }
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["url"],
                    "additionalProperties": False,
                    "properties": {
                        "url": {"type": "string", "format": "uri", "example": 5},
                        "key": {"type": "string", "writeOnly": True},
                    },
                    "example": {"url": "https://ok.example", "key": "s3cr3t"},
                }
            }
        },
    }
    validate(doc, cls=OpenAPIV31SpecValidator)
    problems = example_errors(doc)
    paths = "/paths/~1things~1{id}/get"
    media = f"{paths}/responses/200/content/application~1json"
    reported = {p.split(":", 1)[0] for p in problems}
    assert reported == {
        f"{paths}/parameters/0/example",  # below minimum
        f"{media}/examples/bad/value",  # bad format
        f"{media}/example",  # additional property
        "/components/schemas/Thing/properties/url/example",  # wrong type
        "/components/schemas/Thing/example",  # write-only property in a read example
    }, problems

    # and on a real spec: one broken value among many good ones is found
    zoom = spec_named("zoom/session-recordings.yaml")
    ttl = next(
        p
        for p in zoom["paths"][EXPECTED["zoom/session-recordings.yaml"][2]]["get"]["parameters"]
        if p["name"] == "ttl"
    )
    ttl["example"] = 604801
    assert [p for p in example_errors(zoom) if "/parameters/" in p] != []


def test_no_write_only_secrets_in_examples() -> None:
    docs = {name: spec_named(name) for name in SPEC_IDS}
    for name, doc in docs.items():
        assert leaked_secrets(doc) == [], name
    cloudflare = docs["cloudflare/recording-details.yaml"]
    storage_examples = [
        ex
        for ex in iter_examples(cloudflare)
        if "storage_config" in str(ex.value) or (ex.schema_pointer or "").endswith("/StorageConfig")
    ]
    assert storage_examples, "expected storage_config examples to check"
    # the check itself can fail
    broken = copy.deepcopy(cloudflare)
    route = EXPECTED["cloudflare/recording-details.yaml"][2]
    media = broken["paths"][route]["get"]["responses"]["200"]["content"]["application/json"]
    media["examples"]["uploaded"]["value"]["data"]["storage_config"]["secret"] = "s3cr3t"
    assert leaked_secrets(broken) == [
        pointer(
            "paths",
            route,
            "get",
            "responses",
            "200",
            "content",
            "application/json",
            "examples",
            "uploaded",
            "value",
            "data",
            "storage_config",
            "secret",
        )
    ]


def test_zoom_totals_match_recording_files() -> None:
    doc = spec_named("zoom/session-recordings.yaml")
    checked = 0
    for ex in iter_examples(doc):
        if ex.schema_pointer and follow_refs(doc, ex.schema_pointer).endswith("/SessionRecordings"):
            files = ex.value["recording_files"]
            assert ex.value["recording_count"] == len(files), ex.pointer
            assert ex.value["total_size"] == sum(f["file_size"] for f in files), ex.pointer
            checked += 1
    assert checked >= 2
