"""Render a scenario's explicit records through every provider and check them against the specs.

The scenario format and the lifecycle rules catch most mistakes at load time; this catches the
rest (a pinned value a provider cannot express) before a client ever sees it, so a scenario that
passes `recmock scenarios check` only serves spec-valid responses.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence

from jsonschema import Draft202012Validator, FormatChecker

from recmock.auth import basic, bearer, plugnmeet_headers, zoom_jwt
from recmock.providers import Credentials
from recmock.rules import violations
from recmock.scenarios import Scenario
from recmock.server.pipeline import SCENARIO_HEADER, Mock
from recmock.specs import Operation, Spec
from recmock.validation import RawRequest
from recmock.world import zoom_session_id

APP_ID = "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e"


def probe_requests(op: Operation, scenario: Scenario, creds: Credentials) -> Iterator[RawRequest]:
    """Requests that make `op` show every explicit record of `scenario`."""
    headers = {SCENARIO_HEADER: scenario.name}
    catalog = scenario.catalog
    if op.provider == "plugnmeet":
        for room in catalog.rooms:
            body = json.dumps({"room_ids": [room], "limit": 100}).encode()
            signed = plugnmeet_headers(body, creds.plugnmeet_key, creds.plugnmeet_secret)
            yield RawRequest("POST", op.full_path, {}, (), _lower({**headers, **signed}), body)
    elif op.provider == "signalwire":
        auth = basic(creds.signalwire_project, creds.signalwire_token)
        for session_id in catalog.sessions:
            query = (("page_size", "1000"),)
            yield RawRequest(
                "GET", op.full_path, {"id": session_id}, query, _lower({**headers, **auth})
            )
    elif op.provider == "zoom":
        auth = bearer(zoom_jwt(creds.zoom_key, creds.zoom_secret))
        for session_id in catalog.sessions:
            params = {"sessionId": zoom_session_id(session_id)}
            query = (("include_fields", "download_access_token"),)
            yield RawRequest("GET", op.full_path, params, query, _lower({**headers, **auth}))
    elif op.provider == "cloudflare":
        auth = bearer(creds.cloudflare_token)
        for session in catalog.sessions.values():
            for rec in session.recordings:
                params = {"account_id": creds.cloudflare_account, "app_id": APP_ID,
                          "recording_id": rec.id}  # fmt: skip
                yield RawRequest("GET", op.full_path, params, (), _lower({**headers, **auth}))


def _lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def check_scenario(scenario: Scenario, specs: Sequence[Spec]) -> list[str]:
    """Every way the scenario's explicit records render invalid; empty when all conform."""
    mock = Mock(tuple(specs), {scenario.name: scenario, "default": scenario},
                default_scenario=scenario.name)  # fmt: skip
    where = scenario.path or scenario.name
    problems: list[str] = []
    checker = FormatChecker()
    for op in mock.operations():
        for raw in probe_requests(op, scenario, mock.credentials):
            outcome = mock.handle(op, raw, origin="http://127.0.0.1:8000", wall_clock=0.0)
            reply = outcome.reply
            label = f"{where}: {op.spec_name} {raw.method} {raw.path_params or raw.body.decode()}"
            schema = op.response_schema(reply.status)
            if schema is None:
                problems.append(f"{label}: status {reply.status} is not documented")
                continue
            for error in Draft202012Validator(schema, format_checker=checker).iter_errors(
                reply.body
            ):
                path = ".".join(str(p) for p in error.absolute_path) or "(body)"
                problems.append(f"{label}: {reply.status} {path}: {error.message}")
            if 200 <= reply.status < 300:
                problems += [f"{label}: {v}" for v in violations(op.rules, reply.body)]
    return problems
