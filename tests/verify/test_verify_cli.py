"""Exit status 2, with one clear line and no traceback: bad flags, bad specs, no target."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from verify_runs import Outcome

from recmock.cli import main

ROOT = Path(__file__).resolve().parents[2]
Verify = Callable[..., Outcome]
PNM = ["--plugnmeet-key", "k", "--plugnmeet-secret", "s"]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_target_is_exit_2_with_one_line_and_no_traceback() -> None:
    """The real console script: a closed port on 127.0.0.1."""
    url = f"http://127.0.0.1:{closed_port()}/client/v4"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "recmock",
            "verify",
            "cloudflare",
            "--base-url",
            url,
            "--bearer",
            "top-SECRET-token",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("recmock: error: --base-url http://127.0.0.1:")
    assert "cannot reach" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert "top-SECRET-token" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("openapi: 3.1.0\ninfo: [unclosed\n", "invalid YAML"),
        ("just a string\n", "expected a YAML mapping"),
        ("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n", "expected 3.1"),
        ("openapi: 3.1.0\ninfo: {title: t}\npaths: {}\n", "not valid OpenAPI 3.1"),
    ],
    ids=["yaml", "not-a-mapping", "openapi-3.0", "invalid-3.1"],
)
def test_a_bad_spec_file_is_exit_2(
    content: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The spec error names the file and the problem."""
    spec = tmp_path / "bad.yaml"
    spec.write_text(content)
    code = main(
        ["verify", "--spec", str(spec), "--base-url", "http://127.0.0.1:9/x", "--bearer", "t"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"recmock: error: {spec}") and expected in err, err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_spec_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unreadable file is a usage error, not a crash."""
    missing = tmp_path / "nope.yaml"
    assert main(["verify", "--spec", str(missing), "--base-url", "http://127.0.0.1:9/"]) == 2
    assert "cannot read" in capsys.readouterr().err


BAD_FLAGS = {
    "unknown-provider": (["webex", "--base-url", "http://127.0.0.1:9/x"], "unknown provider"),
    "no-provider": (["--base-url", "http://127.0.0.1:9/x"], "PROVIDER"),
    "provider-and-spec": (
        [
            "zoom",
            "--spec",
            str(ROOT / "specs/zoom/session-recordings.yaml"),
            "--base-url",
            "http://h/v2",
        ],
        "not both",
    ),
    "no-prefix": (["plugnmeet", "--base-url", "http://127.0.0.1:9", *PNM], "including '/auth'"),
    "not-http": (["plugnmeet", "--base-url", "ftp://h/auth", *PNM], "http(s) URL"),
    "zero-examples": (
        ["plugnmeet", "--base-url", "http://h/auth", "--max-examples", "0", *PNM],
        "--max-examples",
    ),
    "zero-workers": (
        ["plugnmeet", "--base-url", "http://h/auth", "--workers", "0", *PNM],
        "--workers",
    ),
    "negative-time": (
        ["plugnmeet", "--base-url", "http://h/auth", "--time-limit", "-1", *PNM],
        "--time-limit",
    ),
    "header": (["zoom", "--base-url", "http://h/v2", "-H", "no colon here"], "-H"),
    "basic": (["signalwire", "--base-url", "http://h/api/video", "--basic", "nocolon"], "--basic"),
    "half-pair": (
        ["plugnmeet", "--base-url", "http://h/auth", "--plugnmeet-key", "k"],
        "give both",
    ),
    "no-auth": (["signalwire", "--base-url", "http://h/api/video"], "requires authentication"),
}


@pytest.mark.parametrize("name", sorted(BAD_FLAGS))
def test_bad_flags_are_exit_2(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Each impossible combination is refused before any request, naming the flag."""
    args, expected = BAD_FLAGS[name]
    assert main(["verify", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recmock: error: ") and expected in err, err
    assert len(err.strip().splitlines()) == 1


def test_argparse_errors_are_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A non-integer is a usage error: exit 2, one line pointing at `recmock verify --help`."""
    assert main(["verify", "zoom", "--base-url", "http://h/v2", "--max-examples", "many"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("recmock: error: --max-examples: ") and "'many'" in err, err
    assert "recmock verify --help" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("- {check: schema, operation: '*'}\n", "needs a reason"),
        ("- {check: typo, reason: r}\n", "check: expected one of"),
        ("- {check: schema, reason: r, when: x}\n", "unknown keys"),
        ("- {check: schema, reason: r, match: '('}\n", "not a regular expression"),
        ("check: schema\n", "expected a list"),
    ],
    ids=["no-reason", "unknown-check", "unknown-key", "bad-regex", "not-a-list"],
)
def test_a_bad_allow_list_is_exit_2(
    content: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An allow-list entry must name a real check and give its reason."""
    allow = tmp_path / "allow.yaml"
    allow.write_text(content)
    code = main(
        [
            "verify",
            "zoom",
            "--base-url",
            "http://127.0.0.1:9/v2",
            "--bearer",
            "t",
            "--allow",
            str(allow),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and expected in err, err


def test_report_into_a_missing_directory_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """Failing at the end of a run would waste it: the directory is checked first."""
    code = main(
        [
            "verify",
            "zoom",
            "--base-url",
            "http://127.0.0.1:9/v2",
            "--bearer",
            "t",
            "--junit-xml",
            "/nonexistent-dir/x.xml",
        ]
    )
    assert code == 2 and "/nonexistent-dir" in capsys.readouterr().err
