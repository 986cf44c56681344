"""Turn CLI options into a running uvicorn server (one process or several workers)."""

from __future__ import annotations

import argparse
import dataclasses
import errno
import json
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recmock.errors import ConfigError
from recmock.providers import Credentials
from recmock.resources import scenario_dirs
from recmock.scenarios import load_scenarios, parse_time, today_midnight
from recmock.server import limits
from recmock.server.app import ASGIApp, Options, create_app
from recmock.server.live_admin import Live
from recmock.server.pipeline import Mock
from recmock.server.reload import Reloadable, watch
from recmock.server.request_log import RequestLog
from recmock.specs import SPECS_DIR, load_specs, select_specs
from recmock.state import State, open_state
from recmock.state import local as local_state
from recmock.webhooks import cloudflare
from recmock.world import DEFAULT_NOW

CONFIG_ENV = "RECMOCK_SERVE_CONFIG"
REQUEST_LOG_ENV = "RECMOCK_REQUEST_LOG"  # set by the parent: workers log requests too


@dataclass(frozen=True)
class ServeConfig:
    """Everything needed to build the app, serialisable so worker processes rebuild it."""

    seed: int = 0
    now: int = DEFAULT_NOW
    variants: dict[str, str] = field(default_factory=lambda: {"plugnmeet": "v2"})
    credentials: Credentials = field(default_factory=Credentials)
    cors_origins: tuple[str, ...] = ("*",)
    admin: bool = True
    specs_dir: str = str(SPECS_DIR)
    fixtures_dir: str = ""  # --fixtures DIR: added to (or with only_fixtures, instead of) shipped
    only_fixtures: bool = False
    scenario: str = "default"
    state: str = "memory"  # memory, sqlite:DIR (what `local` becomes) or redis://HOST:PORT/DB
    admin_token: str = field(default="", repr=False)  # never printed
    webhooks: tuple[tuple[str, str], ...] = ()  # --webhook PROVIDER=URL
    zoom_webhook_secret: str = field(default="demo-webhook-secret", repr=False)
    clock_speed: float = 0.0  # --clock-speed: world seconds per real second (0: frozen)
    signing_key: str = field(default="", repr=False)  # PEM: one rtk-signature key for all workers


def parse_now(value: str) -> int:
    """The world's clock: '' or 'today' (UTC midnight: recent, stable all day), 'fixed',
    'wall', unix seconds or RFC 3339."""
    if value in ("", "today"):
        return today_midnight()
    if value == "fixed":
        return DEFAULT_NOW
    if value == "wall":
        return int(time.time())
    try:  # unix seconds or RFC 3339, the same forms a scenario's `now` takes
        return parse_time(value, int(time.time()))
    except ValueError as exc:
        raise ConfigError(f"--now: {exc} (or today, fixed, wall)") from None


def build_mock(config: ServeConfig, state: State | None = None) -> Mock:
    """Load and select the specs and build the world they are served from (with `state`, or
    the one `config.state` names)."""
    every = load_specs(Path(config.specs_dir))
    operations = [op for spec in every for op in spec.operations]
    dirs = scenario_dirs(config.fixtures_dir, shipped=not config.only_fixtures)
    scenarios = load_scenarios(dirs, operations, default_now=config.now)
    return Mock(
        select_specs(every, config.variants), scenarios, config.credentials,
        seed=config.seed, now=config.now, default_scenario=config.scenario,
        state=state or open_state(config.state), live=live_world(config),
    )  # fmt: skip


def live_world(config: ServeConfig) -> Live:
    """The admin clock, QA recordings and webhook delivery of `config`."""
    targets: dict[str, tuple[str, ...]] = {}
    for provider, url in config.webhooks:
        targets[provider] = (*targets.get(provider, ()), url)
    key = cloudflare.load_key(config.signing_key) if config.signing_key else None
    return Live(targets, config.zoom_webhook_secret, config.credentials, key=key,
                clock_speed=config.clock_speed)  # fmt: skip


def build_app(config: ServeConfig, mock: Mock | None = None, state: State | None = None) -> ASGIApp:
    """The ASGI app for `config` (reusing `mock` or `state` when the caller has them: a reload
    keeps the state, so the active scenario and the journal survive it)."""
    options = Options(cors_origins=config.cors_origins, admin=config.admin,
                      admin_token=config.admin_token)  # fmt: skip
    return create_app(mock or build_mock(config, state), options)


def app_from_env() -> ASGIApp:
    """uvicorn factory for worker processes: the parent passes its config in the environment."""
    raw = json.loads(os.environ[CONFIG_ENV])
    raw["credentials"] = Credentials(**raw["credentials"])
    raw["cors_origins"] = tuple(raw["cors_origins"])
    raw["webhooks"] = tuple(tuple(pair) for pair in raw.get("webhooks", ()))
    app = build_app(ServeConfig(**raw))
    return RequestLog(app) if os.environ.get(REQUEST_LOG_ENV) else app


def config_from_args(args: argparse.Namespace) -> ServeConfig:
    """The ServeConfig the `serve` flags describe."""
    creds = Credentials(**{
        name: getattr(args, name) for name in (f.name for f in dataclasses.fields(Credentials))
    })  # fmt: skip
    cors: tuple[str, ...] = () if args.no_cors else tuple(args.cors_origin or ["*"])
    return ServeConfig(
        seed=args.seed,
        now=parse_now(args.now),
        variants={"plugnmeet": args.plugnmeet_version},
        credentials=creds,
        cors_origins=cors,
        admin=not args.no_admin,
        scenario=args.scenario,
        specs_dir=args.specs or str(SPECS_DIR),
        fixtures_dir=args.fixtures,
        only_fixtures=args.only_fixtures,
        state=getattr(args, "state", "") or "",
        admin_token=getattr(args, "admin_token", "") or "",
        webhooks=tuple(getattr(args, "webhook", None) or ()),
        zoom_webhook_secret=getattr(args, "zoom_webhook_secret", "") or "demo-webhook-secret",
        clock_speed=getattr(args, "clock_speed", 0.0) or 0.0,
        signing_key=getattr(args, "cloudflare_webhook_key", "") or "",
    )


def shared_state(url: str, workers: int) -> tuple[str, Path | None]:
    """The state URL the server runs with, and a scratch directory the caller must remove.

    One worker keeps its state in memory; several share a SQLite store in a private temp
    directory unless `--state` names Redis; `memory` with several workers would split the state
    again, so it is refused.
    """
    if url in ("", "memory") and workers == 1:
        return "memory", None
    if url == "memory":
        raise ConfigError(
            f"--state memory: {workers} workers would each keep their own state; "
            "drop --state (shared automatically), or pass local or redis://HOST:PORT/DB"
        )
    if url in ("", "local"):
        scratch = Path(tempfile.mkdtemp(prefix="recmock-state-"))
        return local_state.create(scratch), scratch
    return url, None


def port_is_free(host: str, port: int) -> bool:
    """True when nothing stops us listening on host:port (see `bind_problem` for why not)."""
    return not bind_problem(host, port)


def bind_problem(host: str, port: int) -> str:
    """Why uvicorn could not listen on host:port, in words a user can act on ('' if it can).

    Said before uvicorn starts, so the user sees one line instead of its traceback.
    """
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except socket.gaierror:
        return f"--host {host}: cannot resolve this host name; expected an address of this machine"
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return (
                f"--port {port}: {host}:{port} is already in use; stop the other server "
                f"or pick another port (e.g. --port {port % 65535 + 1})"
            )
        if exc.errno == errno.EADDRNOTAVAIL:
            return (
                f"--host {host}: not an address of this machine, so nothing can listen there; "
                "expected 127.0.0.1, 0.0.0.0, ::1 or one of this machine's addresses"
            )
        if exc.errno == errno.EACCES:
            return f"--port {port}: permission denied; ports below 1024 need root, try 8000"
        return f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc})"
    return ""


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGINT/SIGTERM; uvicorn finishes in-flight requests on the way out."""
    config = config_from_args(args)
    if args.workers < 1:
        raise ConfigError(f"--workers: expected at least 1, got {args.workers}")
    if not port_is_free(args.host, args.port):
        raise ConfigError(bind_problem(args.host, args.port) or f"--port {args.port}: in use")
    if args.watch and args.workers != 1:
        raise ConfigError("--watch: reloading works with one worker; drop --workers")
    url, scratch = shared_state(config.state, args.workers)
    try:
        return _serve(args, dataclasses.replace(config, state=url))
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _serve(args: argparse.Namespace, config: ServeConfig) -> int:
    import uvicorn

    state = open_state(config.state)  # Redis unreachable: one line now, not in every worker
    mock = build_mock(config, state)  # fails fast on bad specs, in the parent, with a clear message
    app: ASGIApp = build_app(config, mock)
    if args.watch:
        app = Reloadable(app)
        scenario_paths = scenario_dirs(config.fixtures_dir, shipped=not config.only_fixtures)
        paths = [Path(config.specs_dir), *scenario_paths]
        watch(app, lambda: build_app(config, state=state), [p for p in paths if p.exists()],
              threading.Event())  # fmt: skip
    if args.host not in ("127.0.0.1", "localhost", "::1") and config.admin:
        print(
            f"recmock: warning: listening on {args.host}: other machines reach the mocked APIs; "
            "the /__recmock/ admin API answers them only with --admin-token; pass "
            "--no-admin to turn it off",
            file=sys.stderr,
        )
    _banner(mock, args)
    # Our batched request log instead of uvicorn's per-line access log (see request_log).
    logged = args.log_level in ("trace", "debug", "info")
    if logged:
        app = RequestLog(app)
        os.environ[REQUEST_LOG_ENV] = "1"  # worker processes build their own
    common: dict[str, Any] = {"host": args.host, "port": args.port, "log_level": args.log_level,
                              "access_log": False,
                              "timeout_graceful_shutdown": 10, "timeout_keep_alive": 5,
                              "http": limits.PROTOCOL}  # fmt: skip  # head size, read timeout
    if args.workers == 1:
        uvicorn.run(app, **common)
    else:
        key = cloudflare.private_pem(mock.live.signing_key())  # every worker signs with it
        shared = dataclasses.replace(config, signing_key=key)
        os.environ[CONFIG_ENV] = json.dumps(dataclasses.asdict(shared))
        uvicorn.run("recmock.server.run:app_from_env", factory=True, workers=args.workers, **common)
    state.close()
    return 0


def _banner(mock: Mock, args: argparse.Namespace) -> None:
    base = f"http://{args.host}:{args.port}"
    state = type(mock.state).__name__
    lines = [f"recmock serving on {base} (seed {mock.seed}, scenario {mock.default_scenario}, "
             f"state {state})"]  # fmt: skip
    for op in mock.operations():
        lines.append(f"  {op.method:4} {base}{op.full_path}   [{op.spec_name}]")
    lines.append("  Swagger UI: " + ", ".join(f"{base}{s.prefix}/ui/" for s in mock.specs))
    print("\n".join(lines), file=sys.stderr, flush=True)
