"""How long a default `recmock verify` takes per spec against an independent staging deployment.

    python benchmarks/verify_staging.py [--runs 1] [--spec signalwire ...]

Serves the correct staging double from tests/verify/staging/ (shares no code with the mock) on a
free loopback port in this process, then runs `python -m recmock verify SPEC` in a subprocess
with the double's credentials and known ids (the double's choices per spec as in the
tests) (`--param`) and otherwise default settings
(max examples, time limit, workers), as a CI job would. Prints wall-clock seconds, the exit
code and the request count per spec; asserts nothing (issue 9's budget is 60 s per provider on
a 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "verify"))

from staging import StagingApp, ThreadedServer  # noqa: E402
from staging.targets import CHOICES, SPECS, choices_for, verify_args  # noqa: E402


def one_run(spec: str, url: str) -> tuple[float, int, str]:
    """(seconds, exit code, requests sent) of one default verify run."""
    command = [sys.executable, "-m", "recmock", "verify", *verify_args(spec, url)]
    started = time.monotonic()
    done = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, "CI": "true"}, timeout=600
    )
    seconds = time.monotonic() - started
    found = re.search(r": (\d+) requests in", done.stdout)
    return seconds, done.returncode, found.group(1) if found else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1, help="runs per spec (median reported)")
    parser.add_argument("--spec", action="append", choices=sorted(SPECS), help="only these")
    args = parser.parse_args()
    app = StagingApp(choices=CHOICES)
    server = ThreadedServer(app)
    try:
        print(f"{'spec':<14} {'median s':>9} {'max s':>7} {'exit':>5} {'requests':>9}")
        for spec in args.spec or sorted(SPECS):
            app.choices = choices_for(spec)
            runs = [one_run(spec, server.url) for _ in range(args.runs)]
            seconds = [r[0] for r in runs]
            codes = ",".join(sorted({str(r[1]) for r in runs}))
            print(
                f"{spec:<14} {statistics.median(seconds):>9.1f} {max(seconds):>7.1f} "
                f"{codes:>5} {runs[-1][2]:>9}"
            )
    finally:
        server.stop()


if __name__ == "__main__":
    main()
