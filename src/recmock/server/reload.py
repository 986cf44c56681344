"""`recmock serve --watch`: rebuild the app when specs or fixtures change, keep the last good one.

The swap is one attribute assignment, so a request is served entirely by the old app or
entirely by the new one. A rebuild that fails (bad YAML, invalid scenario) changes nothing and
says why on stderr. Whatever a file holds, the watch thread never dies: an unexpected exception
is reported in one line like any refused file, and the next change is reloaded again.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from recmock.errors import RecmockError
from recmock.server.app import ASGIApp, Receive, Scope, Send


class Reloadable:
    """An ASGI app that forwards to whichever app was built last."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


def try_rebuild(target: Reloadable, rebuild: Callable[[], ASGIApp]) -> str:
    """Swap in a freshly built app; on a RecmockError keep the old one. Returns what happened."""
    try:
        target.app = rebuild()
    except RecmockError as exc:
        return f"recmock: reload failed, still serving the last good version: {exc}"
    except Exception as exc:
        kind = type(exc).__name__
        return f"recmock: reload failed ({kind}), still serving the last good version: {exc}"
    return "recmock: reloaded specs and fixtures"


def watch(target: Reloadable, rebuild: Callable[[], ASGIApp], paths: Sequence[Path],
          stop: threading.Event) -> threading.Thread:  # fmt: skip
    """Start a daemon thread that rebuilds `target` whenever a file under `paths` changes."""
    from watchfiles import watch as watch_files

    def loop() -> None:
        while not stop.is_set():
            try:
                for _changes in watch_files(*paths, stop_event=stop, debounce=300):
                    print(try_rebuild(target, rebuild), file=sys.stderr, flush=True)
                return
            except Exception as exc:
                print(f"recmock: watching files failed ({exc}); retrying", file=sys.stderr)
                stop.wait(1.0)

    thread = threading.Thread(target=loop, name="recmock-watch", daemon=True)
    thread.start()
    return thread
