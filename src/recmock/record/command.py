"""`recmock record`: a validating, recording reverse proxy on 127.0.0.1 until SIGINT/SIGTERM
(or --max-requests), then one scenario file of what the target answered."""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import yaml

from recmock.errors import ConfigError
from recmock.record.capture import catalog_of, scenario_document, supported
from recmock.record.proxy import Proxy, Recorder
from recmock.record.scrub import Faker
from recmock.specs import Spec, load_spec
from recmock.verify.config import check_base_url, provider_spec

_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
MAX_RECORDINGS = 64  # per session, the scenario format's bound


def _checked(args: argparse.Namespace) -> tuple[Spec, str, Path]:

    out = Path(args.out)
    if out.suffix != ".yaml" or not _NAME.match(out.stem):
        raise ConfigError(f"--out: expected fixtures/NAME.yaml with NAME like 'staging-week' "
                          f"(a-z, 0-9, '-'), got {args.out!r}")  # fmt: skip
    spec = load_spec(provider_spec(args.provider))
    try:
        target = check_base_url(args.target, spec)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("--base-url", "--target")) from None
    return spec, target, out


def run_record(args: argparse.Namespace, stream: TextIO | None = None) -> int:
    """Proxy until stopped, then write --out; 0 when every exchange conformed, 1 otherwise."""
    import uvicorn

    from recmock.server.run import bind_problem

    out_stream = stream or sys.stdout
    spec, target, out = _checked(args)
    problem = bind_problem("127.0.0.1", args.port)
    if problem:
        raise ConfigError(problem)

    def log(line: str) -> None:
        print(line, file=out_stream, flush=True)

    recorder = Recorder(spec=spec, faker=Faker(args.seed), log=log, max_requests=args.max_requests)
    proxy = Proxy(target, recorder, timeout=args.timeout)
    server = uvicorn.Server(
        uvicorn.Config(
            proxy,
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
            lifespan="off",
            server_header=False,
            date_header=False,
        )
    )
    recorder.on_limit = lambda: setattr(server, "should_exit", True)
    log(f"recmock record: proxying http://127.0.0.1:{args.port}{spec.prefix} -> {target}")
    # uvicorn re-raises a caught signal to the handlers it found at start: ours only asks it to
    # stop, so the process survives Ctrl-C/SIGTERM long enough to write the scenario.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: setattr(server, "should_exit", True))
    if not any(supported(spec.provider, op.operation_id) for op in spec.operations):
        log(f"note: {spec.name} answers are validated, not yet turned into scenario records")
    server.run()  # returns on SIGINT/SIGTERM or --max-requests
    write_scenario(recorder, out, log)
    return 1 if recorder.with_violations else 0


def write_scenario(recorder: Recorder, out: Path, say: Callable[[str], None]) -> None:
    """The scenario file and the run's summary."""
    catalog = catalog_of(recorder.captures)
    for session, records in catalog.recordings.items():
        if len(records) > MAX_RECORDINGS:
            newest = sorted(records.values(), key=lambda r: r.get("invoked", 0))[-MAX_RECORDINGS:]
            catalog.recordings[session] = {str(r.get("id", i)): r for i, r in enumerate(newest)}
            say(f"note: session {session}: kept the newest {MAX_RECORDINGS} recordings")
    document = scenario_document(out.stem, catalog, int(time.time()))
    out.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=False), encoding="utf-8")
    skipped = {
        c.operation_id for c in recorder.captures if not supported(c.provider, c.operation_id)
    }
    total = sum(len(r) for r in catalog.recordings.values())
    say(f"recorded {total} recordings of {len(catalog.recordings)} sessions to {out}")
    if skipped:
        say(f"note: not turned into records (not supported yet): {sorted(skipped)}")
    say(f"{recorder.requests} requests, {recorder.with_violations} with violations")
    for line, count in sorted(recorder.violations.items(), key=lambda kv: -kv[1]):
        say(f"  {count:5}x {line}")
