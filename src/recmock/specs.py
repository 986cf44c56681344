"""Load specs/: OpenAPI 3.1 files -> typed `Spec` objects. No HTTP here.

The 3.1 files are the single source of truth. Connexion 3.3 only routes OpenAPI 3.0, so
`connexion_view` derives a 3.0 document from a loaded spec at start-up; nobody edits a 3.0 copy.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from recmock import yaml_source
from recmock.errors import SpecError
from recmock.resources import data_dir
from recmock.rules import Rules, parse_contract
from recmock.spec_refs import check_refs

Json = Any
Schema = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")
SPECS_DIR = data_dir("specs")  # the installed wheel's copy, else the checkout's specs/


@dataclass(frozen=True)
class Parameter:
    """One documented parameter of an operation, with its schema fully dereferenced."""

    name: str
    location: str
    required: bool
    schema: Schema
    example: Json = None


@dataclass(frozen=True)
class Operation:
    """One documented operation as recmock serves and verifies it."""

    spec_name: str
    provider: str
    operation_id: str
    method: str
    path: str  # relative to the spec's prefix, e.g. /recording/fetch
    prefix: str  # the real path prefix, e.g. /auth
    parameters: tuple[Parameter, ...]
    request_body: Schema | None
    responses: Mapping[str, Schema | None]  # status ("200") -> JSON body schema
    rules: Rules = field(default_factory=Rules)  # all the mock obeys: promises + world choices
    examples: Mapping[str, Mapping[str, Json]] = field(
        default_factory=dict
    )  # status -> name -> value
    promises: Rules = field(default_factory=Rules)  # only what the provider states: verify's part

    @property
    def full_path(self) -> str:
        """The path template as served, prefix included."""
        return self.prefix + self.path

    def response_schema(self, status: int | str) -> Schema | None:
        """The body schema documented for `status`, falling back to `default`."""
        responses = self.responses
        return responses.get(str(status), responses.get("default"))


@dataclass(frozen=True)
class Spec:
    """A loaded, validated spec file."""

    name: str  # e.g. plugnmeet/recording-fetch.v2
    provider: str  # the folder under specs/, also the providers/ module name
    path: Path
    document: dict[str, Any]  # the 3.1 document exactly as written
    prefix: str
    operations: tuple[Operation, ...]

    @property
    def variant(self) -> str:
        """The version suffix of the file name (`v1`), or '' for single-version providers."""
        stem = self.path.stem
        return stem.rsplit(".", 1)[1] if "." in stem else ""


def read_yaml(path: Path) -> Any:
    """Parse a YAML file (regular files only, no alias bombs or duplicate keys, symlinks kept
    inside specs/), turning every problem into a message naming file and line."""
    try:
        return yaml_source.load(yaml_source.read_text(path, (path.parent, path.parent.parent)))
    except yaml_source.SourceError as exc:
        raise SpecError(exc.located(path)) from None


def deref(document: Mapping[str, Any], node: Any, _stack: tuple[str, ...] = ()) -> Any:
    """`node` with every local `$ref` inlined, so generators and validators see plain schemas."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            if ref in _stack:
                raise SpecError(f"$ref cycle through {ref}: recmock needs acyclic schemas")
            target = resolve_pointer(document, ref)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            resolved = deref(document, target, (*_stack, ref))
            return {**resolved, **deref(document, siblings, _stack)} if siblings else resolved
        return {k: deref(document, v, _stack) for k, v in node.items()}
    if isinstance(node, list):
        return [deref(document, item, _stack) for item in node]
    return node


def resolve_pointer(document: Mapping[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as `#/components/schemas/Recording`."""
    if not ref.startswith("#/"):
        raise SpecError(f"$ref {ref!r}: only local references (#/...) are supported")
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, Mapping) or key not in node:
            raise SpecError(f"$ref {ref!r}: {key!r} does not exist")
        node = node[key]
    return node


def _prefix(path: Path, document: Mapping[str, Any]) -> str:
    servers = document.get("servers") or []
    prefixes = {urlsplit(str(s.get("url", ""))).path.rstrip("/") for s in servers}
    if len(prefixes) != 1:
        raise SpecError(
            f"{path}: servers: expected every server URL to share one path prefix, "
            f"got {sorted(prefixes) or 'no servers'}"
        )
    return prefixes.pop()


def _json_schema(content: Mapping[str, Any] | None) -> Schema | None:
    media = (content or {}).get("application/json")
    return media.get("schema") if isinstance(media, Mapping) else None


def _json_examples(content: Mapping[str, Any] | None) -> dict[str, Json]:
    media = (content or {}).get("application/json") or {}
    found = {name: ex.get("value") for name, ex in (media.get("examples") or {}).items()}
    if "example" in media:
        found.setdefault("default", media["example"])
    return found


def _operations(
    path: Path, document: dict[str, Any], name: str, prefix: str
) -> Iterator[Operation]:
    provider = path.parent.name
    for route, item in (document.get("paths") or {}).items():
        item = deref(document, item)
        shared = item.get("parameters", [])
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            where = f"{path}: paths.{route}.{method}"
            if "operationId" not in op:
                raise SpecError(f"{where}: expected an operationId")
            params = tuple(
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=bool(p.get("required", p["in"] == "path")),
                    schema=p.get("schema", {}),
                    example=p.get("example"),
                )
                for p in [*shared, *op.get("parameters", [])]
            )
            body = op.get("requestBody")
            responses = {
                str(code): _json_schema(resp.get("content"))
                for code, resp in (op.get("responses") or {}).items()
            }
            examples = {
                str(code): _json_examples(resp.get("content"))
                for code, resp in (op.get("responses") or {}).items()
            }
            contract = parse_contract(op.get("x-recmock", {}), f"{where}.x-recmock")
            yield Operation(
                spec_name=name,
                provider=provider,
                operation_id=op["operationId"],
                method=method.upper(),
                path=route,
                prefix=prefix,
                parameters=params,
                request_body=_json_schema(body.get("content")) if body else None,
                responses=responses,
                rules=contract.rules,
                examples=examples,
                promises=contract.promises,
            )


def validate_document(path: Path, document: dict[str, Any]) -> None:
    """Raise SpecError unless `document` is valid OpenAPI 3.1.

    openapi-spec-validator and what it imports cost ~27 MiB that a server keeps for its whole
    life, so a document that validated once is remembered by content hash (in the user's cache
    directory) and the validator is only imported for a document it has not seen.
    """
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, default=str).encode()).hexdigest()
    marker = _cache_dir() / digest
    if marker.exists():
        return
    from openapi_spec_validator import OpenAPIV31SpecValidator  # heavy: imported on demand

    try:
        errors = sorted(OpenAPIV31SpecValidator(document).iter_errors(), key=str)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        # The validator walks the document assuming its shape (`responses: 5` is a KeyError
        # deep inside it): a malformed spec must read as one, not as a crash.
        raise SpecError(f"{path}: not valid OpenAPI 3.1: its structure is malformed near "
                        f"{exc!s} ({type(exc).__name__} in the validator)") from None  # fmt: skip
    if errors:
        first = errors[0]
        where = ".".join(str(p) for p in first.absolute_path) or "(root)"
        message = str(first.message).splitlines()[0]
        raise SpecError(f"{path}: {where}: not valid OpenAPI 3.1: {message}")
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # a read-only home only costs the memory again next time


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "recmock" / "valid-specs"


def load_spec(path: Path) -> Spec:
    """Read, validate and index one spec file; every problem names the file and the field."""
    document = read_yaml(path)
    if not isinstance(document, dict):
        raise SpecError(f"{path}: expected a YAML mapping at the top level")
    if not str(document.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"{path}: openapi: expected 3.1.x, got {document.get('openapi')!r}")
    check_refs(path, document)  # before the validator could follow a $ref anywhere
    validate_document(path, document)
    name = f"{path.parent.name}/{path.stem}"
    prefix = _prefix(path, document)
    return Spec(
        name=name,
        provider=path.parent.name,
        path=path,
        document=document,
        prefix=prefix,
        operations=tuple(_operations(path, document, name, prefix)),
    )


def load_specs(directory: Path = SPECS_DIR) -> list[Spec]:
    """Every spec under `directory`, sorted by name for deterministic mounting."""
    files = sorted(directory.glob("*/*.yaml"))
    if not files:
        raise SpecError(f"{directory}: expected spec files at <provider>/<name>.yaml, found none")
    return [load_spec(f) for f in files]


# ---- the OpenAPI 3.0 view Connexion routes with ------------------------------------------


def connexion_view(spec: Spec) -> dict[str, Any]:
    """A minimal OpenAPI 3.0 document holding only what Connexion's router needs (paths, path
    parameters as plain strings, operationIds).

    Connexion 3.3 rejects 3.1 and validates with Draft 4, so it gets paths, methods and
    operationIds and nothing to validate: requests are checked against the 3.1 document by
    `recmock.validation`, in each provider's own error shape. Being schema-free, the view is
    valid 3.0 for any valid 3.1 spec, so the bridge cannot drift from the source of truth.
    """
    paths: dict[str, Any] = {}
    for op in spec.operations:
        path_params = [
            {"name": p.name, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in op.parameters
            if p.location == "path"
        ]
        paths.setdefault(op.path, {})[op.method.lower()] = {
            "operationId": op.operation_id,
            "parameters": path_params,
            "responses": {
                "default": {
                    "description": "see the 3.1 document",
                    "content": {"application/json": {}},
                }
            },
        }
    info = spec.document.get("info", {})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": str(info.get("title", spec.name)),
            "version": str(info.get("version", "0")),
        },
        "servers": [{"url": spec.prefix or "/"}],
        "paths": paths,
    }


def select_specs(specs: list[Spec], variants: Mapping[str, str] | None = None) -> tuple[Spec, ...]:
    """One spec per prefix: the variant asked for (e.g. plugnmeet=v1), else the newest file.

    Two doc versions of one endpoint share a path, so only one of them can be mounted.
    """
    chosen: dict[str, Spec] = {}
    wanted = dict(variants or {})
    for spec in sorted(specs, key=lambda s: (s.provider, s.variant)):
        if spec.provider in wanted and spec.variant != wanted[spec.provider]:
            continue
        chosen[spec.prefix] = spec  # later (newer) variants replace older ones
    for provider, variant in wanted.items():
        if not any(s.provider == provider and s.variant == variant for s in chosen.values()):
            found = sorted({s.variant for s in specs if s.provider == provider})
            raise SpecError(f"{provider}: no spec variant {variant!r}; available: {found}")
    return tuple(sorted(chosen.values(), key=lambda s: s.name))
