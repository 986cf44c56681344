"""The mock `recmock drift` compares against when no --mock URL is given: `recmock serve` with
the default scenario (or a --fixtures scenario) on a free 127.0.0.1 port, in a thread.

It accepts the credentials the target gets, so both sides see the very same requests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any

import uvicorn

from recmock.errors import ConfigError
from recmock.providers import Credentials as MockCredentials
from recmock.server.run import ServeConfig, build_app
from recmock.verify.credentials import Credentials

STARTUP_SECONDS = 30.0


def mock_credentials(
    creds: Credentials, known: Mapping[tuple[str, str], tuple[Any, ...]]
) -> MockCredentials:
    """The mock's accepted credentials made equal to the ones given for the target."""
    values: dict[str, str] = {}
    if creds.basic:
        values["signalwire_project"], values["signalwire_token"] = creds.basic
    if creds.bearer:
        values["cloudflare_token"] = creds.bearer
    if creds.plugnmeet:
        values["plugnmeet_key"], values["plugnmeet_secret"] = creds.plugnmeet
    if creds.zoom:
        values["zoom_key"], values["zoom_secret"] = creds.zoom
    account = known.get(("path", "account_id"))
    if account:
        values["cloudflare_account"] = str(account[0])
    return MockCredentials(**values)


class InProcessMock:
    """`with InProcessMock(config) as url:` the mock's root URL while the block runs."""

    def __init__(self, config: ServeConfig) -> None:
        self.config = config
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.port = int(self._socket.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> str:
        app = build_app(self.config)
        server = uvicorn.Server(uvicorn.Config(app, log_level="error", lifespan="off"))
        self._server = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_SECONDS
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise ConfigError(f"--mock: the in-process mock did not start on port {self.port}")
            time.sleep(0.02)
        return self.url

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._socket.close()
