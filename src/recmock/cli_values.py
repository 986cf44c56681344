"""What each command-line value may be, declared once as argparse `type=` functions.

argparse calls these for a flag's value and also for a string default, which is how a
`RECMOCK_*` variable (see `env_default`) is checked exactly like the flag it stands for, and
only when the flag is not given. Each raises `ArgumentTypeError` with "expected ..., got ...";
the parser in `recmock.cli` turns that into one line naming the flag or the variable.
Light imports only: `recmock --help` runs this module.
"""

from __future__ import annotations

import argparse
import ipaddress
import math
import os
import re
import stat
import time
from collections.abc import Callable
from pathlib import Path

LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")  # uvicorn's names
MAX_SECONDS = 86_400.0  # a day: beyond that a timer is a typo (and threading overflows)
MAX_SEED = 2**64 - 1
LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z, the last time RFC 3339 can write
NOW_FORMS = "today, fixed, wall, unix seconds, RFC 3339 or now-2h / now+30m / now-3d"
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_ORIGIN = re.compile(r"^https?://[^/?#\s]+$")


class EnvDefault(str):
    """A default read from an environment variable, so an error can name the variable."""

    variable: str


def env_default(name: str, fallback: str) -> str:
    """`RECMOCK_<name>` if set (remembering where it came from), else `fallback`."""
    variable = f"RECMOCK_{name}"
    if variable not in os.environ:
        return fallback
    value = EnvDefault(os.environ[variable])
    value.variable = variable
    return value


def _refuse(value: str, expected: str) -> argparse.ArgumentTypeError:
    origin = f"{value.variable}: " if isinstance(value, EnvDefault) else ""
    shown = value if len(value) <= 60 else value[:57] + "..."
    return argparse.ArgumentTypeError(f"{origin}expected {expected}, got {shown!r}")


def integer(low: int, high: int) -> Callable[[str], int]:
    """An integer from `low` to `high` inclusive."""

    def check(value: str) -> int:
        expected = f"an integer from {low} to {high}"
        try:
            number = int(value.strip(), 10)
        except ValueError:
            raise _refuse(value, expected) from None
        if not low <= number <= high:
            raise _refuse(value, expected)
        return number

    check.__name__ = "integer"
    return check


port = integer(1, 65535)
seed = integer(0, MAX_SEED)


def positive_seconds(value: str) -> float:
    """A finite number of seconds > 0 and at most a day (no nan, inf or negatives)."""
    expected = f"seconds, a number > 0 and at most {MAX_SECONDS:g}"
    try:
        number = float(value.strip())
    except ValueError:
        raise _refuse(value, expected) from None
    if not (math.isfinite(number) and 0 < number <= MAX_SECONDS):
        raise _refuse(value, expected)
    return number


def one_of(*choices: str) -> Callable[[str], str]:
    """One of `choices` (case-insensitive); argparse's `choices=` skips string defaults."""

    def check(value: str) -> str:
        if value.strip().lower() not in choices:
            raise _refuse(value, "one of " + ", ".join(choices))
        return value.strip().lower()

    check.__name__ = "choice"
    return check


log_level = one_of(*LOG_LEVELS)


def non_empty(value: str) -> str:
    """Any text but an empty one (credentials: an empty key would match nothing)."""
    if not value.strip():
        raise _refuse(value, "a non-empty value")
    return value


def host(value: str) -> str:
    """An IPv4/IPv6 address or a host name; whether this machine can listen there is checked
    when binding."""
    text = value.strip()
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    labels = text.rstrip(".").split(".")
    # A last label of digits only is an attempted IPv4 address (256.1.1.1), not a name.
    if text and all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit():
        return text
    raise _refuse(value, "an IP address (e.g. 127.0.0.1, 0.0.0.0, ::1) or a host name")


def origin(value: str) -> str:
    """A browser origin such as http://localhost:3000, or * for any."""
    text = value.strip().rstrip("/")
    if text == "*" or _ORIGIN.match(text):
        return text
    raise _refuse(value, "an origin such as http://localhost:3000 (scheme://host[:port]) or *")


def now(value: str) -> str:
    """The world clock's words and forms, checked here and evaluated when the server starts."""
    text = value.strip()
    if text in ("", "today", "fixed", "wall"):
        return text
    from recmock.clock import RANGE_TEXT, parse_time

    try:
        moment = parse_time(text, int(time.time()))  # now-2h is relative to the wall clock
    except ValueError as exc:
        raise _refuse(value, RANGE_TEXT if "between" in str(exc) else NOW_FORMS) from None
    if not 0 <= moment <= LAST_SECOND:
        raise _refuse(value, f"{NOW_FORMS}, between 1970 and 9999")
    return text


def readable_file(value: str) -> str:
    """An existing, readable file ('' = not given)."""
    if not value:
        return value
    kind = _kind(Path(value))
    if kind != "file":
        expected = {"directory": "a file, not a directory",
                    "missing": "a readable file (cannot read it: no such file)",
                    "pipe": "a regular file, not a pipe or socket"}.get(kind)  # fmt: skip
        raise _refuse(value, expected or f"a readable file ({kind})")
    try:
        with Path(value).open("rb"):
            pass
    except OSError as exc:
        raise _refuse(value, f"a readable file (cannot read it: {exc.strerror or exc})") from None
    return value


MAX_KEY_BYTES = 64 << 10


def rsa_key_file(value: str) -> str:
    """A PEM file holding an unencrypted RSA private key of 2048 bits or more ('' = make one);
    its text. Replicas given the same file sign rtk-signature alike."""
    if not value:
        return value
    readable_file(value)
    from recmock.webhooks.cloudflare import load_key  # cryptography: only when asked for

    path = Path(value)
    if path.stat().st_size > MAX_KEY_BYTES:
        raise _refuse(value, f"a PEM key file of at most {MAX_KEY_BYTES >> 10} KiB")
    text = path.read_text("ascii", errors="replace")
    try:
        key = load_key(text)
    except (ValueError, TypeError, AssertionError):
        raise _refuse(
            value, "an unencrypted RSA private key in PEM (openssl genrsa 2048)"
        ) from None
    if key.key_size < 2048:
        raise _refuse(value, f"an RSA key of at least 2048 bits (it has {key.key_size})")
    return text


def directory(value: str) -> str:
    """An existing directory ('' = the shipped one)."""
    kind = _kind(Path(value)) if value else "directory"
    if kind != "directory":
        what = {"missing": "no such directory"}.get(kind, f"not a directory: {kind}")
        raise _refuse(value, f"an existing directory ({what})")
    return value


def writable_file(value: str) -> str:
    """A file this process can create or overwrite ('' = not wanted).

    Checked by opening it for append before a run starts (a new file is removed again), so a
    report that cannot be written fails in the first second, not after the whole run.
    """
    if not value:
        return value
    problem = write_problem(Path(value))
    if problem:
        raise _refuse(value, f"a writable file path ({problem})")
    return value


def write_problem(path: Path) -> str:
    """Why `path` cannot be written, or '' when it can."""
    kind = _kind(path)
    if kind == "directory":
        return "it is a directory"
    if kind == "pipe":  # opening a FIFO would wait for a reader forever
        return "it is a pipe or socket"
    if kind not in ("file", "missing"):
        return kind
    if _kind(path.parent) != "directory":
        return f"directory {path.parent} does not exist"
    try:
        with path.open("a"):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    if kind == "missing":
        path.unlink(missing_ok=True)
    return ""


def _kind(path: Path) -> str:
    """'file', 'directory', 'pipe', 'missing', 'other', or why the path cannot even be looked
    at (a name too long, a NUL byte): never an exception."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "missing"
    except NotADirectoryError:
        return "missing"  # a file used as a directory: /dev/null/x
    except (OSError, ValueError) as exc:
        return getattr(exc, "strerror", None) or str(exc)
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return "pipe"
    return "file" if stat.S_ISREG(mode) or stat.S_ISCHR(mode) else "other"
