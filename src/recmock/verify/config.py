"""Command-line values -> a checked `VerifyConfig`; every mistake is a one-line ConfigError."""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from recmock.errors import ConfigError, SpecError
from recmock.specs import SPECS_DIR, Spec, load_spec, read_yaml
from recmock.verify.credentials import Credentials
from recmock.verify.options import DEFAULT_MAX_EXAMPLES, DEFAULT_TIME_LIMIT, DEFAULT_WORKERS

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


@dataclass(frozen=True)
class AllowEntry:
    """A known deviation: failures of `check` on `operation` (matching `match`) are accepted."""

    check: str
    operation: str  # operationId, "METHOD /path", or "*"
    reason: str
    match: str = ""  # a regular expression searched in the message and the curl reproducer
    where: str = ""  # file:entry, for messages

    def accepts(self, check: str, operation_ids: Sequence[str], message: str, curl: str) -> bool:
        """True when this entry covers a violation."""
        if self.check not in ("*", check):
            return False
        if self.operation != "*" and self.operation not in operation_ids:
            return False
        return not self.match or re.search(self.match, f"{message}\n{curl}") is not None


@dataclass(frozen=True)
class VerifyConfig:
    """Everything one verify run needs."""

    spec: Spec
    base_url: str
    credentials: Credentials = field(default_factory=Credentials)
    max_examples: int = DEFAULT_MAX_EXAMPLES
    time_limit: float = DEFAULT_TIME_LIMIT
    seed: int = 0
    workers: int = DEFAULT_WORKERS
    allow: tuple[AllowEntry, ...] = ()
    timeout: float = 10.0


def provider_spec(name: str, directory: Path = SPECS_DIR) -> Path:
    """The spec file for `plugnmeet`, `plugnmeet-v1`, `zoom`...: the newest variant by default."""
    provider, _, variant = name.partition("-")
    files = sorted((directory / provider).glob("*.yaml")) if provider else []
    choices = sorted(
        {p.parent.name for p in directory.glob("*/*.yaml")}
        | {f"{p.parent.name}-{p.stem.rsplit('.', 1)[1]}" for p in directory.glob("*/*.*.yaml")}
    )
    if variant:
        files = [f for f in files if "." in f.stem and f.stem.rsplit(".", 1)[1] == variant]
    if not files:
        raise ConfigError(
            f"PROVIDER: unknown provider {name!r}; expected one of {choices} or --spec FILE"
        )
    return files[-1]


def parse_header(text: str) -> tuple[str, str]:
    """'Name: value' -> (name, value), naming the flag on error."""
    name, sep, value = text.partition(":")
    if not sep or not _HEADER_NAME.match(name.strip()):
        raise ConfigError(f"-H: expected 'Name: value', got {text.split(':')[0][:40]!r}...")
    return name.strip(), value.strip()


def _pair(flag: str, text: str, what: str) -> tuple[str, str]:
    user, sep, secret = text.partition(":")
    if not sep or not user:
        raise ConfigError(f"{flag}: expected {what}")
    return user, secret


def credentials_from(args: argparse.Namespace) -> Credentials:
    """The auth options, checked in pairs."""
    for key, secret, flag in (
        ("plugnmeet_key", "plugnmeet_secret", "--plugnmeet"),
        ("zoom_key", "zoom_secret", "--zoom"),
    ):
        if bool(getattr(args, key)) != bool(getattr(args, secret)):
            raise ConfigError(f"{flag}-key and {flag}-secret: give both or neither")
    return Credentials(
        headers=tuple(parse_header(h) for h in args.header or []),
        basic=_pair("--basic", args.basic, "USER:PASS") if args.basic else None,
        bearer=args.bearer or None,
        plugnmeet=(args.plugnmeet_key, args.plugnmeet_secret) if args.plugnmeet_key else None,
        zoom=(args.zoom_key, args.zoom_secret) if args.zoom_key else None,
    )


def check_base_url(base_url: str, spec: Spec) -> str:
    """The base URL without a trailing slash; it must end with the spec's path prefix."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--base-url: expected an http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ConfigError(f"--base-url: expected no query or fragment, got {base_url!r}")
    url = base_url.rstrip("/")
    if spec.prefix and not parts.path.rstrip("/").endswith(spec.prefix):
        raise ConfigError(
            f"--base-url: expected the API root including {spec.prefix!r} as in the spec's "
            f"servers (e.g. {parts.scheme}://{parts.netloc}{spec.prefix}), got {base_url!r}"
        )
    return url


def load_allow_list(path: Path, known_checks: Sequence[str]) -> tuple[AllowEntry, ...]:
    """Read an allow-list YAML: a list (or `allow:` list) of {check, operation, reason, match}."""
    raw: Any = read_yaml(path)
    if isinstance(raw, Mapping) and set(raw) == {"allow"}:
        raw = raw["allow"]
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: expected a list of allow entries, got {type(raw).__name__}")
    entries = []
    for index, item in enumerate(raw):
        where = f"{path}: entry {index}"
        if not isinstance(item, Mapping):
            raise ConfigError(f"{where}: expected a mapping, got {item!r}")
        unknown = set(item) - {"check", "operation", "reason", "match"}
        if unknown:
            raise ConfigError(
                f"{where}: unknown keys {sorted(unknown)}; expected check, "
                "operation, reason and optionally match"
            )
        check = str(item.get("check", ""))
        if check != "*" and check not in known_checks:
            raise ConfigError(
                f"{where}: check: expected one of {sorted(known_checks)}, got {check!r}"
            )
        reason = str(item.get("reason") or "").strip()
        if not reason:
            raise ConfigError(f"{where}: reason: every accepted deviation needs a reason")
        match = str(item.get("match") or "")
        try:
            re.compile(match)
        except re.error as exc:
            raise ConfigError(f"{where}: match: not a regular expression: {exc}") from None
        entries.append(
            AllowEntry(
                check, str(item.get("operation") or "*"), reason, match, f"{path.name}#{index}"
            )
        )
    return tuple(entries)


def config_from_args(args: argparse.Namespace) -> VerifyConfig:
    """Validate the flags and load the spec; raises ConfigError/SpecError with one line."""
    from recmock.verify.checks import CHECKS

    if args.spec and args.provider:
        raise ConfigError("PROVIDER and --spec: give one of them, not both")
    if not args.spec and not args.provider:
        raise ConfigError("PROVIDER: expected a provider name or --spec FILE")
    for flag, value, low in (
        ("--max-examples", args.max_examples, 1),
        ("--workers", args.workers, 1),
    ):
        if value < low:
            raise ConfigError(f"{flag}: expected at least {low}, got {value}")
    if args.time_limit <= 0:
        raise ConfigError(f"--time-limit: expected seconds > 0, got {args.time_limit}")
    credentials = credentials_from(args)
    try:
        spec = load_spec(Path(args.spec) if args.spec else provider_spec(args.provider))
    except SpecError as exc:  # validator messages can run over several lines: keep the first
        raise SpecError(str(exc).strip().splitlines()[0]) from None
    if not spec.operations:
        raise ConfigError(f"{spec.path}: the spec has no operations to verify")
    default = spec.document.get("security")
    secured = any(
        bool(op.get("security", default))
        for item in spec.document.get("paths", {}).values()
        for op in item.values()
        if isinstance(op, Mapping)
    )
    if secured and not credentials.configured:
        raise ConfigError(
            f"{spec.name} requires authentication: pass -H, --basic, --bearer, "
            "--plugnmeet-key/--plugnmeet-secret or --zoom-key/--zoom-secret"
        )
    allow = load_allow_list(Path(args.allow), list(CHECKS)) if args.allow else ()
    return VerifyConfig(
        spec=spec,
        base_url=check_base_url(args.base_url, spec),
        credentials=credentials,
        max_examples=args.max_examples,
        time_limit=float(args.time_limit),
        seed=args.seed if args.seed is not None else random.randrange(2**32),
        workers=args.workers,
        allow=allow,
        timeout=args.timeout,
    )
