"""Every flag and RECMOCK_* variable, given a bad value, is refused up front: exit 2, one line
naming the flag or variable and the value, never a traceback.

The table runs the real console entry (`python -m recmock`) in a subprocess: environment
variables, argparse and the exit code are exactly what a user meets. A case whose value were
wrongly accepted would start a server or a run: the timeout turns that into a failure.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recmock import cli_values as values
from recmock.cli import CREDENTIAL_FLAGS, build_parser

ROOT = Path(__file__).resolve().parents[1]
MISSING = "/nonexistent-recmock-dir/file.yaml"
LONG = "/tmp/" + "n" * 300  # a name too long for the file system: stat() itself fails
VERIFY = ["verify", "zoom", "--base-url", "http://127.0.0.1:9/v2", "--bearer", "t"]


class Case(NamedTuple):
    args: tuple[str, ...]
    named: str  # the flag or variable the message must name
    value: str  # the bad value, which the message must quote
    env: tuple[tuple[str, str], ...] = ()


def _numbers(low: int, high: int, *, integer: bool) -> list[str]:
    """Out-of-range, non-finite, empty and malformed spellings of a number."""
    bad = ["", "abc", "nan", "inf", "-inf", "1e999", "9" * 30, str(low - 1), "0x10"]
    if integer:
        bad += [str(high + 1), "1.5", "1e3"]
    return bad


def _weak_keys() -> tuple[str, str]:
    """A 1024-bit RSA key and a passphrase-protected one, written once per run."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = Path(tempfile.mkdtemp(prefix="recmock-keys-"))
    small, locked = folder / "small.pem", folder / "locked.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    plain = serialization.NoEncryption()
    small.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                        serialization.PrivateFormat.PKCS8, plain))  # fmt: skip
    strong = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    locked.write_bytes(strong.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"passphrase"),
    ))  # fmt: skip
    return str(small), str(locked)


def _cases() -> dict[str, Case]:
    cases: dict[str, Case] = {}

    def add(command: list[str], flag: str, value: str) -> None:
        # argparse reads '-inf' after a flag as another option: users write --flag=-inf
        given = (f"{flag}={value}",) if value.startswith("-") else (flag, value)
        cases[f"{command[0]} {flag}={value!r}"] = Case((*command, *given), flag, value)

    def add_env(command: list[str], variable: str, value: str) -> None:
        cases[f"{command[0]} {variable}={value!r}"] = Case(tuple(command), variable, value,
                                                           ((variable, value),))  # fmt: skip

    serve_ints = {"--port": (1, 65535), "--seed": (0, values.MAX_SEED), "--workers": (1, 64)}
    for flag, (low, high) in serve_ints.items():
        extra = ["-1", "70000"] if flag == "--port" else []
        for value in _numbers(low, high, integer=True) + extra:
            add(["serve"], flag, value)
            add_env(["serve"], f"RECMOCK_{flag[2:].upper()}", value)
    serve_text = {
        "--host": ["256.1.1.1", "1.2.3.4.5", "", "-bad-", "a b", "::g", "http://127.0.0.1"],
        "--log-level": ["bogus", "", "INFOS", "5"],
        "--now": [
            "yesterday",
            "now-",
            "now-2y",
            "2024-13-45",
            "99999999999999",
            "now+9999999999d",
            "-5",
            "1e9",
        ],
        "--plugnmeet-version": ["v3", "", "2"],
        "--cors-origin": ["", "localhost:3000", "ftp://x", "http://a/b"],
        "--specs": ["/nonexistent-recmock-dir", str(ROOT / "README.md"), LONG],
        "--fixtures": ["/nonexistent-recmock-dir", str(ROOT / "README.md"), LONG],
    }
    for flag, bad in serve_text.items():
        for value in bad:
            add(["serve"], flag, value)
            if flag != "--cors-origin":  # the one serve option without a variable
                add_env(["serve"], f"RECMOCK_{flag[2:].upper().replace('-', '_')}", value)
    for flag, variable, _ in CREDENTIAL_FLAGS:
        add(["serve"], flag, "")
        add_env(["serve"], f"RECMOCK_{variable}", " ")

    for value in (MISSING, "/tmp", str(ROOT / "README.md"), *_weak_keys()):
        add(["serve"], "--cloudflare-webhook-key", value)
        add_env(["serve"], "RECMOCK_CLOUDFLARE_WEBHOOK_KEY", value)

    verify_numbers = {
        "--max-examples": (1, 1_000_000, True),
        "--workers": (1, 64, True),
        "--seed": (0, values.MAX_SEED, True),
        "--time-limit": (0, 86_400, False),
        "--timeout": (0, 86_400, False),
    }
    for flag, (low, high, integer) in verify_numbers.items():
        bad = _numbers(low, high, integer=integer)
        if not integer:
            bad += ["0", "-1", "86401", "1e-400"]  # 1e-400 is 0.0 once parsed
        for value in bad:
            add(VERIFY, flag, value)
    for flag in ("--spec", "--allow"):
        for value in (MISSING, "/tmp", "/dev/null/x", LONG):
            add(VERIFY, flag, value)
    for flag in ("--junit-xml", "--report"):
        for value in (
            "/tmp",
            "/proc/x.html",
            "/nonexistent-recmock-dir/r.xml",
            "/dev/null/x",
            LONG,
        ):
            add(VERIFY, flag, value)

    drift = ["drift", "signalwire", "--target", "http://127.0.0.1:9/api/video", "--basic", "u:p"]
    for value in [*_numbers(0, 1, integer=False), "1.5", "-0.1"]:
        add(drift, "--min-score", value)
    for flag, (low, high) in {"--max-examples": (1, 10_000), "--workers": (1, 64)}.items():
        for value in _numbers(low, high, integer=True):
            add(drift, flag, value)
    for flag, value in [("--time-limit", "0"), ("--timeout", "nan"), ("--report", "/tmp"),
                        ("--junit-xml", "/proc/x.xml"), ("--fixtures", MISSING),
                        ("--mock", "ftp://x"), ("--target", "ftp://x")]:  # fmt: skip
        add(drift, flag, value)
    record = ["record", "signalwire", "--target", "http://127.0.0.1:9/api/video",
              "--out", "/tmp/recmock-bad-values.yaml", "--port"]  # fmt: skip
    for value in [*_numbers(1, 65535, integer=True), "-1", "70000"]:
        add(record[:-1], "--port", value)
    record.append("9")
    for value in ("/tmp", MISSING, "/tmp/Bad Name.yaml", "/tmp/notes.txt", LONG):
        add(record, "--out", value)
    for value in _numbers(1, 1_000_000, integer=True):
        add(record, "--max-requests", value)
    add(record, "--target", "ftp://x")

    scenarios = ["scenarios", "check"]
    cases[f"scenarios check FILE={MISSING!r}"] = Case((*scenarios, MISSING), "FILE", MISSING)
    cases["scenarios check FILE='/tmp'"] = Case((*scenarios, "/tmp"), "FILE", "/tmp")
    for action in ("list", "check"):
        for flag in ("--specs", "--fixtures"):
            cases[f"scenarios {action} {flag}"] = Case(
                ("scenarios", action, flag, "/nonexistent-recmock-dir"), flag,
                "/nonexistent-recmock-dir",
            )  # fmt: skip
        cases[f"scenarios {action} RECMOCK_SPECS"] = Case(
            ("scenarios", action), "RECMOCK_SPECS", "/nonexistent-recmock-dir",
            (("RECMOCK_SPECS", "/nonexistent-recmock-dir"),),
        )  # fmt: skip

    cases["top: no command"] = Case((), "COMMAND", "")
    cases["top: unknown command"] = Case(("serv",), "COMMAND", "serv")
    cases["top: unknown flag"] = Case(("serve", "--prot", "80"), "--prot", "")
    cases["scenarios: no action"] = Case(("scenarios",), "ACTION", "")
    cases["serve: flag without value"] = Case(("serve", "--port"), "--port", "")
    return cases


CASES = _cases()


def run(
    args: tuple[str, ...], env: tuple[tuple[str, str], ...] = ()
) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RECMOCK_")}
    return subprocess.run(
        [sys.executable, "-m", "recmock", *args], cwd=ROOT, env={**clean, **dict(env)},
        capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def test_the_table_covers_every_case_of_the_issue() -> None:
    """The failures users reported are rows of the table (a guard against trimming it)."""
    reported = [
        "serve --port='70000'", "serve --port='-1'", "serve --log-level='bogus'",
        "serve --host='256.1.1.1'", "verify --timeout='-1'", "verify --timeout='inf'",
        "verify --junit-xml='/tmp'", "verify --report='/proc/x.html'", "verify --time-limit='nan'",
        "serve RECMOCK_PORT='abc'",
    ]  # fmt: skip
    assert [name for name in reported if name not in CASES] == []
    assert len(CASES) >= 150


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_value_is_one_line_and_exit_2(name: str) -> None:
    case = CASES[name]
    result = run(case.args, case.env)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("recmock: error: "), lines[0]
    assert case.named in lines[0], lines[0]
    if case.value.strip():
        assert repr(case.value[:57]).rstrip("'") in lines[0], lines[0]


def test_a_bad_variable_does_not_stop_help() -> None:
    """RECMOCK_PORT=abc recmock --help (and serve --help) print help, exit 0."""
    for args in (("--help",), ("serve", "--help")):
        result = run(args, (("RECMOCK_PORT", "abc"), ("RECMOCK_LOG_LEVEL", "bogus")))
        assert result.returncode == 0 and result.stdout.startswith("usage: recmock"), result.stderr
        assert result.stderr == ""


def test_a_flag_overrides_a_bad_variable(tmp_path: Path) -> None:
    """A variable is checked only when it is used: the flag given instead wins."""
    result = run(("scenarios", "list", "--specs", str(ROOT / "specs")),
                 (("RECMOCK_SPECS", "/nonexistent-recmock-dir"),))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "default" in result.stdout


def test_bind_problems_say_what_is_wrong() -> None:
    """An address this machine does not have is not 'already in use'."""
    result = run(("serve", "--host", "10.255.255.1", "--port", "18999"))
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1, result.stderr
    assert "--host 10.255.255.1: not an address of this machine" in result.stderr
    assert "in use" not in result.stderr


def test_report_files_are_checked_before_the_run(tmp_path: Path) -> None:
    """The check leaves no file behind, keeps an existing one intact, and refuses in the first
    second (the target here does not even exist, so a started run would say so instead)."""
    new, kept = tmp_path / "new.xml", tmp_path / "kept.html"
    kept.write_text("previous report")
    assert values.writable_file(str(new)) == str(new) and not new.exists()
    assert values.writable_file(str(kept)) == str(kept) and kept.read_text() == "previous report"
    result = run((*VERIFY, "--junit-xml", str(new), "--report", str(tmp_path)))
    assert result.returncode == 2 and "--report" in result.stderr, result.stderr
    assert "127.0.0.1:9" not in result.stderr and not new.exists()


def _options(
    parser: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.Action]]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _options(sub, f"{prefix}{name} ")
        elif not isinstance(action, argparse._HelpAction | argparse._VersionAction):
            found.append((prefix + "/".join(action.option_strings or [action.dest]), action))
    return found


def test_every_option_has_help_and_says_its_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in [k for k in os.environ if k.startswith("RECMOCK_")]:
        monkeypatch.delenv(variable)
    options = _options(build_parser())
    assert len(options) > 40
    missing = [name for name, action in options if not action.help]
    assert not missing
    undeclared = [
        name for name, action in options
        if isinstance(action.default, str) and action.default and action.option_strings
        and "default" not in str(action.help)
    ]  # fmt: skip
    assert not undeclared


def test_help_opens_with_a_description_and_lists_the_clock_words() -> None:
    top = run(("--help",)).stdout
    assert top.splitlines()[2].startswith("recmock: an OpenAPI-first mock server")
    assert "command line: the only place" not in top  # the module docstring it used to show
    options = run(("serve", "--help")).stdout.split("\noptions:\n", 1)[1]
    helps = {
        line.split()[0]: " ".join(line.split())
        for line in options.replace("\n" + " " * 31, " ").splitlines()
        if line.startswith("  -")
    }
    for word in ("today", "fixed", "wall", "unix seconds", "RFC 3339", "now-2h"):
        assert word in helps["--now"], word
    for flag in ("--host", "--port", "--seed", "--workers", "--log-level", "--now"):
        assert "(default: " in helps[flag] and "env RECMOCK_" in helps[flag], helps[flag]


def test_variables_never_show_their_secret_in_help() -> None:
    result = run(("serve", "--help"), (("RECMOCK_ZOOM_SECRET", "hush-hush-42"),))
    assert result.returncode == 0 and "hush-hush-42" not in result.stdout


TYPES = [values.port, values.seed, values.integer(1, 64), values.positive_seconds,
         values.log_level, values.one_of("v1", "v2"), values.host, values.origin,
         values.now, values.non_empty]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40) | st.from_regex(r"-?[0-9.e+-]{1,25}|now[+-]?[0-9]*[smhdy]?"))
def test_a_value_type_either_accepts_or_explains(text: str) -> None:
    """Whatever is typed, each check returns a value or raises ArgumentTypeError naming what it
    expected, and what it accepts is in range (no nan, inf or port 0 slips through)."""
    for check in TYPES:
        try:
            result = check(text)
        except argparse.ArgumentTypeError as exc:
            assert str(exc).startswith("expected ") and ", got " in str(exc)
            continue
        if check is values.port:
            assert isinstance(result, int) and 1 <= result <= 65535
        if check is values.positive_seconds:
            assert isinstance(result, float) and math.isfinite(result)
            assert 0 < result <= values.MAX_SECONDS


def test_a_malformed_spec_is_named_not_a_crash(tmp_path: Path) -> None:
    """The OpenAPI validator itself trips over `responses: 5` (a KeyError deep inside it)."""
    (tmp_path / "zoom").mkdir()
    (tmp_path / "zoom" / "x.yaml").write_text(
        "openapi: 3.1.0\ninfo: {title: x, version: '1'}\npaths:\n  /a:\n    get:\n"
        "      responses: 5\n"
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    for command in (("scenarios", "list"), ("serve", "--port", port)):
        result = run((*command, "--specs", str(tmp_path)))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert len(result.stderr.splitlines()) == 1 and "x.yaml" in result.stderr


def test_an_internal_error_is_one_line_unless_debugging(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug of ours is exit 70 with one line saying so; RECMOCK_DEBUG=1 shows the traceback."""
    from recmock import cli
    from recmock.server import scenario_command

    def broken(args: argparse.Namespace) -> int:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(scenario_command, "run_scenarios", broken)
    monkeypatch.delenv("RECMOCK_DEBUG", raising=False)
    assert cli.main(["scenarios", "list"]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "RuntimeError: boom second" in err
    monkeypatch.setenv("RECMOCK_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["scenarios", "list"])
