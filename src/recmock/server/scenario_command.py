"""`recmock scenarios list|check`: what QA runs before committing a fixture."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recmock.errors import RecmockError
from recmock.resources import scenario_dirs
from recmock.scenarios import load_scenario, load_scenarios
from recmock.server.conformance import check_scenario
from recmock.specs import SPECS_DIR, load_specs


def run_scenarios(args: argparse.Namespace) -> int:
    """List scenarios (exit 0) or check files (exit 1 naming each problem if any is invalid)."""
    specs = load_specs(Path(args.specs or SPECS_DIR))
    operations = [op for spec in specs for op in spec.operations]
    fixtures = scenario_dirs(args.fixtures, shipped=not args.only_fixtures)
    if args.action == "list":
        for scenario in load_scenarios(fixtures, operations).values():
            summary = " ".join(scenario.description.split())
            print(f"{scenario.name:16} {summary[:100]}")
        return 0
    folder = fixtures[-1]  # --fixtures DIR when given (the files being written), else shipped
    files = [Path(f) for f in args.files] or sorted(folder.glob("*.yaml"))
    if not files:
        print(f"recmock: no scenario files in {folder}", file=sys.stderr)
        return 2
    failed = 0
    for path in files:
        try:
            problems = check_scenario(load_scenario(path, operations), specs)
        except RecmockError as exc:
            problems = str(exc).splitlines()  # one FAIL line per problem
        if problems:
            failed += 1
            for problem in problems:
                print(f"FAIL {problem}", file=sys.stderr)
        else:
            print(f"ok   {path}")
    print(f"{len(files) - failed} valid, {failed} invalid")
    return 1 if failed else 0
