"""Spec `$ref`s: only pointers within the file are followed; everything else is a one-line
SpecError naming the file and the pointer, with no file read and no request made."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from recmock.errors import SpecError
from recmock.spec_refs import check_refs
from recmock.specs import SPECS_DIR, deref, load_spec

ROOT = Path(__file__).resolve().parents[2]
MARKER = "RECMOCK-ENV-SECRET-do-not-print"
SCHEMA_AT = "/paths/~1items/get/responses/200/content/application~1json/schema"


class Listener:
    """A loopback TCP port that records every connection made to it (HTTP, TLS, anything)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.contacted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.contacted += 1
            conn.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.stop()


def document(schema: Any, schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    """A minimal valid OpenAPI 3.1 document whose one response has `schema`."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "refs", "version": "1"},
        "servers": [{"url": "http://127.0.0.1/"}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas or {"A": {"type": "object"}}},
    }


def write_spec(folder: Path, doc: dict[str, Any]) -> Path:
    """The document as specs-like folder/provider/name.yaml (the folder a $ref must stay in)."""
    path = folder / "demo" / "refs.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


@pytest.fixture
def trap(tmp_path: Path) -> Path:
    """A FIFO holding the marker: reading it would block, so a test that ends read nothing."""
    fifo = tmp_path / ".env"
    os.mkfifo(fifo)
    return fifo


def refused(path: Path) -> str:
    """load_spec's one-line SpecError for `path` (fails when it loads)."""
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert "\n" not in message and MARKER not in message
    return message


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("http://127.0.0.1:{port}/schema.json", "got the URL"),
        ("https://127.0.0.1:{port}/schema.json", "got the URL"),
        ("//127.0.0.1:{port}/schema.json", "got the URL"),
        ("file://{trap}", "got the URL"),
        ("../../.env", "leaves the spec's folder"),
        ("{trap}", "leaves the spec's folder"),
        ("sub/../../../.env#/x", "leaves the spec's folder"),
        ("other.yaml#/components/schemas/A", "does not follow $refs to other files"),
    ],
)
def test_refs_outside_the_file_are_refused_unread_and_unfetched(
    tmp_path: Path, listener: Listener, trap: Path, ref: str, expected: str
) -> None:
    """URLs, paths out of the folder and other files: refused, with file and pointer named."""
    ref = ref.format(port=listener.port, trap=trap)
    (tmp_path / "specs" / "demo").mkdir(parents=True)
    os.mkfifo(tmp_path / "specs" / "demo" / "other.yaml")  # in the folder, and unreadable too
    path = write_spec(tmp_path / "specs", document({"$ref": ref}))
    message = refused(path)
    assert message.startswith(f"{path}: $ref at {SCHEMA_AT}: expected a reference within")
    assert expected in message and repr(ref) in message
    assert listener.contacted == 0


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("#/components/schemas/Nope", "/components/schemas/Nope does not exist"),
        ("#/components/schemos/A", "/components/schemos does not exist"),
        ("#/paths/~1items/get/parameters/3", "/paths/~1items/get/parameters does not exist"),
        ("#A", "expected a JSON pointer within this file"),
        ("#", "expected a JSON pointer within this file"),
    ],
)
def test_dangling_refs_are_one_line(tmp_path: Path, ref: str, expected: str) -> None:
    """No PointerToNowhere traceback from the validator: the file, the pointer, what is wrong."""
    message = refused(write_spec(tmp_path, document({"$ref": ref})))
    assert f": $ref at {SCHEMA_AT}: " in message and expected in message, message


@pytest.mark.parametrize(
    ("schemas", "at"),
    [
        (
            {
                "Node": {
                    "type": "object",
                    "properties": {"kid": {"$ref": "#/components/schemas/Node"}},
                }
            },
            "/components/schemas/Node/properties/kid",
        ),
        (
            {
                "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}}},
                "B": {"items": {"$ref": "#/components/schemas/A"}},
            },
            "/components/schemas/",
        ),
        ({"A": {"$ref": "#/components/schemas/A"}}, "/components/schemas/A"),
        ({"A": {"$ref": "#/components"}}, "/components/schemas/A"),
    ],
    ids=["self", "pair", "direct", "ancestor"],
)
def test_cyclic_refs_are_one_line(tmp_path: Path, schemas: dict[str, Any], at: str) -> None:
    message = refused(write_spec(tmp_path, document({"type": "object"}, schemas)))
    assert f": $ref at {at}" in message and "expected acyclic references" in message, message


def test_id_and_dynamic_ref_are_refused_but_not_in_examples(tmp_path: Path) -> None:
    """$id/$dynamicRef would make a validator resolve elsewhere; in example values they are data."""
    message = refused(write_spec(tmp_path, document({"$dynamicRef": "http://127.0.0.1:9/x"})))
    assert f"$dynamicRef at {SCHEMA_AT}: expected none" in message
    message = refused(
        write_spec(tmp_path, document({"$id": "http://127.0.0.1:9/s", "type": "object"}))
    )
    assert f"$id at {SCHEMA_AT}: expected none" in message
    fine = {"type": "object", "example": {"$id": "urn:x", "$dynamicRef": "y"}}
    assert load_spec(write_spec(tmp_path, document(fine))).operations


def test_a_diamond_and_a_long_chain_are_fine(tmp_path: Path) -> None:
    """Shared targets are not cycles; a 3000-long chain neither overflows nor is refused."""
    diamond = {
        "A": {
            "properties": {
                "b": {"$ref": "#/components/schemas/B"},
                "c": {"$ref": "#/components/schemas/C"},
            }
        },
        "B": {"properties": {"d": {"$ref": "#/components/schemas/D"}}},
        "C": {"properties": {"d": {"$ref": "#/components/schemas/D"}}},
        "D": {"type": "string"},
    }
    check_refs(tmp_path / "x.yaml", document({"$ref": "#/components/schemas/A"}, diamond))
    chain = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(3000)}
    chain["S3000"] = {"type": "string"}
    check_refs(tmp_path / "x.yaml", document({"$ref": "#/components/schemas/S0"}, chain))


def test_the_shipped_specs_pass() -> None:
    for path in sorted(SPECS_DIR.glob("*/*.yaml")):
        check_refs(path, yaml.safe_load(path.read_text()))


@settings(max_examples=150, deadline=None)
@given(
    st.integers(min_value=1, max_value=6).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10),
        )
    )
)
def test_cycles_agree_with_inlining(graph: tuple[int, set[tuple[int, int]]]) -> None:
    """Oracle: `deref` inlining the whole document (its own stack-based cycle check)."""
    count, edges = graph
    schemas: dict[str, Any] = {
        f"S{i}": {
            "type": "object",
            "properties": {
                f"to{j}": {"$ref": f"#/components/schemas/S{j}"}
                for (k, j) in sorted(edges)
                if k == i
            },
        }
        for i in range(count)
    }
    doc = document({"$ref": "#/components/schemas/S0"}, schemas)
    try:
        deref(doc, doc)
        inlines = True
    except SpecError:
        inlines = False
    try:
        check_refs(Path("x.yaml"), doc)
        accepted = True
    except SpecError as exc:
        assert "expected acyclic references" in str(exc)
        accepted = False
    assert accepted == inlines


# ---- the commands: exit 2 and one line on stderr -----------------------------------------


def run(*args: str, timeout: float = 90) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": "/nonexistent-recmock-cache"}
    return subprocess.run(
        [sys.executable, "-m", "recmock", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_verify_with_a_url_ref_is_exit_2_one_line(tmp_path: Path, listener: Listener) -> None:
    path = write_spec(tmp_path, document({"$ref": f"http://127.0.0.1:{listener.port}/s.json"}))
    result = run("verify", "--spec", str(path), "--base-url", f"http://127.0.0.1:{listener.port}/")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"recmock: error: {path}: $ref at "), (
        result.stderr
    )
    assert listener.contacted == 0


def test_verify_with_a_cycle_is_exit_2_one_line(tmp_path: Path) -> None:
    cyclic = {"A": {"items": {"$ref": "#/components/schemas/A"}}}
    path = write_spec(tmp_path, document({"$ref": "#/components/schemas/A"}, cyclic))
    result = run("verify", "--spec", str(path), "--base-url", "http://127.0.0.1:9/")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "expected acyclic references" in lines[0], result.stderr


def test_serve_with_a_file_ref_is_exit_2_one_line(tmp_path: Path, trap: Path) -> None:
    """The shipped specs with one schema pointing at a local file: serve refuses to start."""
    specs = tmp_path / "specs"
    shutil.copytree(SPECS_DIR, specs)
    target = specs / "zoom" / "session-recordings.yaml"
    doc = yaml.safe_load(target.read_text())
    doc.setdefault("components", {}).setdefault("schemas", {})["Leak"] = {"$ref": f"file://{trap}"}
    target.write_text(yaml.safe_dump(doc, sort_keys=False))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run("serve", "--specs", str(specs), "--port", str(port), timeout=60)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"recmock: error: {target}: $ref at /components/schemas/Leak: ")
    assert "got the URL" in lines[0]
