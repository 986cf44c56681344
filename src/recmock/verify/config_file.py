"""`recmock verify --config FILE.yaml`: a committed, per-provider verify setup for CI.

    signalwire:
      base_url: ${SIGNALWIRE_BASE_URL}
      auth: {basic: "${SIGNALWIRE_PROJECT}:${SIGNALWIRE_TOKEN}"}
      params: {id: [5ee8b016-0818-4425-9a59-cac9fc5e1f92]}
      allow: allow.yaml              # relative to this file
      max_examples: 100

Secrets stay in the environment (`${VAR}`, expanded when the file is read; an unset variable is
an error naming the field, never its value). Flags given on the command line win over the file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recmock.errors import ConfigError, SpecError
from recmock.specs import read_yaml
from recmock.verify.known import expand

AUTH_KEYS = ("headers", "basic", "bearer", "plugnmeet_key", "plugnmeet_secret", "zoom_key",
             "zoom_secret")  # fmt: skip
LIMIT_KEYS = {"max_examples": int, "time_limit": float, "workers": int, "timeout": float}
SECTION_KEYS = ("base_url", "spec", "auth", "params", "allow", *LIMIT_KEYS)


@dataclass(frozen=True)
class FileSettings:
    """One provider's section, expanded and type-checked; absent settings are None/empty."""

    base_url: str | None = None
    spec: str | None = None
    auth: Mapping[str, Any] = field(default_factory=dict)
    params: tuple[str, ...] = ()  # NAME=VALUE, as --param takes them
    allow: str | None = None
    limits: Mapping[str, float | int] = field(default_factory=dict)


def _text(value: Any, where: str, env: Mapping[str, str]) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ConfigError(f"{where}: expected a string, got {type(value).__name__}")
    return expand(str(value), env, where)


def load_settings(path: Path, provider: str, env: Mapping[str, str]) -> FileSettings:
    """The `provider` section of a verify config file."""
    try:
        raw = read_yaml(path)
    except SpecError as exc:
        raise ConfigError(str(exc).splitlines()[0]) from None
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: expected a mapping of provider sections")
    if provider not in raw:
        raise ConfigError(f"{path}: no section {provider!r}; the file has {sorted(map(str, raw))}")
    section = raw[provider]
    where = f"{path}: {provider}"
    if not isinstance(section, Mapping):
        raise ConfigError(f"{where}: expected a mapping")
    unknown = sorted(set(map(str, section)) - set(SECTION_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown}; expected some of {list(SECTION_KEYS)}")
    auth = section.get("auth") or {}
    if not isinstance(auth, Mapping):
        raise ConfigError(f"{where}.auth: expected a mapping of {list(AUTH_KEYS)}")
    bad = sorted(set(map(str, auth)) - set(AUTH_KEYS))
    if bad:
        raise ConfigError(f"{where}.auth: unknown keys {bad}; expected some of {list(AUTH_KEYS)}")
    expanded: dict[str, Any] = {}
    for key, value in auth.items():
        if key == "headers":
            items = value if isinstance(value, list) else [value]
            expanded[key] = [_text(v, f"{where}.auth.headers", env) for v in items]
        else:
            expanded[key] = _text(value, f"{where}.auth.{key}", env)
    params = section.get("params") or {}
    if not isinstance(params, Mapping):
        raise ConfigError(f"{where}.params: expected a mapping of NAME: value or [values]")
    flat = []
    for name, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            flat.append(f"{name}={_text(item, f'{where}.params.{name}', env)}")
    limits: dict[str, float | int] = {}
    for key, kind in LIMIT_KEYS.items():
        if key in section:
            value = section[key]
            ok = isinstance(value, int | float) and not isinstance(value, bool)
            if not ok or not math.isfinite(value) or value <= 0 or (kind is int and value % 1):
                expected = "a whole number >= 1" if kind is int else "seconds > 0"
                raise ConfigError(f"{where}.{key}: expected {expected}, got {value!r}")
            limits[key] = kind(value)
    allow = section.get("allow")
    return FileSettings(
        base_url=_text(section["base_url"], f"{where}.base_url", env)
        if "base_url" in section
        else None,
        spec=str(path.parent / _text(section["spec"], f"{where}.spec", env))
        if "spec" in section
        else None,
        auth=expanded,
        params=tuple(flat),
        allow=str(path.parent / _text(allow, f"{where}.allow", env)) if allow else None,
        limits=limits,
    )
