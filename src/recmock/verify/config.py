"""Command-line values -> a checked `VerifyConfig`; every mistake is a one-line ConfigError."""

from __future__ import annotations

import argparse
import random
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from recmock.errors import ConfigError, SpecError
from recmock.specs import SPECS_DIR, Spec, load_spec
from recmock.verify.allow import AllowEntry as AllowEntry
from recmock.verify.allow import load_allow_list as load_allow_list
from recmock.verify.credentials import Credentials
from recmock.verify.options import DEFAULT_MAX_EXAMPLES, DEFAULT_TIME_LIMIT, DEFAULT_WORKERS

_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


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
    known: Mapping[tuple[str, str], tuple[Any, ...]] = field(default_factory=dict)  # --param


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
    if not sep:
        raise ConfigError("-H: expected 'Name: value' with a ':' after the name; got no ':' "
                          "(the value is not shown: it may be a secret)")  # fmt: skip
    if not _HEADER_NAME.match(name.strip()):
        raise ConfigError("-H: expected a header name (letters, digits, '-') before the ':'; "
                          "got other characters (not shown: they may be a secret)")  # fmt: skip
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


def _shown(parts: SplitResult) -> str:
    """A URL as it may appear in an error: no userinfo, query or fragment."""
    return urlunsplit((parts.scheme, parts.netloc.rpartition("@")[2], parts.path, "", ""))


def check_base_url(base_url: str, spec: Spec) -> str:
    """The base URL without a trailing slash; it must end with the spec's path prefix."""
    parts = urlsplit(base_url)
    if "@" in parts.netloc or ("@" in base_url and not parts.netloc):
        # userinfo would reach every report, and httpx would let it override --basic.
        raise ConfigError(
            "--base-url: expected no user:password@ in the URL (not shown); "
            "pass credentials with --basic USER:PASS or -H instead"
        )
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--base-url: expected an http(s) URL, got {_shown(parts)!r}")
    if parts.query or parts.fragment:
        raise ConfigError(
            f"--base-url: expected no query or fragment, got {_shown(parts)!r} with one "
            "(not shown: it may hold a token)"
        )
    url = base_url.rstrip("/")
    if spec.prefix and not parts.path.rstrip("/").endswith(spec.prefix):
        raise ConfigError(
            f"--base-url: expected the API root including {spec.prefix!r} as in the spec's "
            f"servers (e.g. {parts.scheme}://{parts.netloc}{spec.prefix}), got {base_url!r}"
        )
    return url


def _merge_file(args: argparse.Namespace) -> argparse.Namespace:
    """The flags, with what they leave unset filled from `--config` (flags win)."""
    import os

    from recmock.verify.config_file import load_settings

    merged = argparse.Namespace(**vars(args))
    if not getattr(args, "config", ""):
        return merged
    path = Path(args.config)
    if not path.is_file():
        raise ConfigError(f"--config: {path} is not a readable file")
    if not args.provider:
        raise ConfigError("--config: name the PROVIDER whose section to use")
    settings = load_settings(path, args.provider, os.environ)
    if merged.base_url is None:
        merged.base_url = settings.base_url
        merged.base_url_from = f"{path}: {args.provider}.base_url"  # errors name the file field
    if not merged.spec and settings.spec:
        merged.spec = settings.spec
    if not merged.allow and settings.allow:
        merged.allow = settings.allow
    cli_auth = ("header", "basic", "bearer", "plugnmeet_key", "zoom_key")
    if not any(getattr(args, key, None) for key in cli_auth):
        for key, value in settings.auth.items():
            setattr(merged, "header" if key == "headers" else key, value)
    merged.param = [*settings.params, *(args.param or [])]
    for key, value in settings.limits.items():
        if getattr(merged, key, None) is None:
            setattr(merged, key, value)
    return merged


def _checked_base_url(args: argparse.Namespace, spec: Spec) -> str:
    """check_base_url, naming the config file's field when the URL came from there."""
    where = getattr(args, "base_url_from", "")
    try:
        return check_base_url(args.base_url, spec)
    except ConfigError as exc:
        if not where:
            raise
        raise ConfigError(str(exc).replace("--base-url", where, 1)) from None


def config_from_args(args: argparse.Namespace) -> VerifyConfig:
    """Validate the flags (and `--config`) and load the spec; one-line ConfigError/SpecError."""
    import os

    from recmock.verify.checks import CHECKS
    from recmock.verify.known import parse_params
    from recmock.verify.options import DEFAULT_TIMEOUT

    if args.spec and args.provider and not getattr(args, "config", ""):
        raise ConfigError("PROVIDER and --spec: give one of them, not both")
    if not args.spec and not args.provider:
        raise ConfigError("PROVIDER: expected a provider name or --spec FILE")
    args = _merge_file(args)
    for name, fallback in (
        ("max_examples", DEFAULT_MAX_EXAMPLES),
        ("time_limit", DEFAULT_TIME_LIMIT),
        ("workers", DEFAULT_WORKERS),
        ("timeout", DEFAULT_TIMEOUT),
    ):
        if getattr(args, name, None) is None:
            setattr(args, name, fallback)
    for flag, value, low in (
        ("--max-examples", args.max_examples, 1),
        ("--workers", args.workers, 1),
    ):
        if value < low:
            raise ConfigError(f"{flag}: expected at least {low}, got {value}")
    if not args.time_limit > 0:
        raise ConfigError(f"--time-limit: expected seconds > 0, got {args.time_limit}")
    if not args.base_url:
        raise ConfigError("--base-url: required (or a base_url in the --config section)")
    credentials = credentials_from(args)
    spec_file = args.spec or ""
    try:
        spec = load_spec(Path(spec_file) if spec_file else provider_spec(args.provider))
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
        base_url=_checked_base_url(args, spec),
        credentials=credentials,
        max_examples=args.max_examples,
        time_limit=float(args.time_limit),
        seed=args.seed if args.seed is not None else random.randrange(2**32),
        workers=args.workers,
        allow=allow,
        timeout=args.timeout,
        known=parse_params(getattr(args, "param", None) or [], spec, os.environ),
    )
