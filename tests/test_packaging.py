"""The wheel works outside this checkout: built with `python -m build`, installed with pip into
a fresh virtualenv (no system site-packages), run from an unrelated directory.

This is what a team adding recmock to its own project gets: the specs and shipped scenarios
come from inside the wheel (importlib.resources), not from a checkout that is not there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from live_server import ROOT, free_port
from recmock import auth

pytestmark = pytest.mark.slow

SESSION = "5ee8b016-0818-4425-9a59-cac9fc5e1f92"
CF = ("/client/v4/accounts/023e105f4ecef8ad9ca31a8372d0c353/realtime/kit/"
      "4f6ab9c5-3c2c-4b4e-9c57-2a0b6d8d3b7e/recordings/182bd5e5-6e1a-4fe4-a799-aa6d9a6ab26e")  # fmt: skip


def run(command: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip
    assert done.returncode == 0, (
        f"{command} exited {done.returncode}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, str]]]:
    """(an empty working directory, the environment of a venv holding only the built wheel)."""
    base = tmp_path_factory.mktemp("packaging")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    run([sys.executable, "-m", "build", "--outdir", str(base / "dist"), str(ROOT)], base, env)
    (wheel,) = (base / "dist").glob("recmock-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)], base, env)
    env = {**env, "VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}{os.pathsep}{env['PATH']}"}
    # Dependencies come from the package registry (pip's cache keeps repeat runs quick).
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], base, env)
    work = base / "elsewhere"
    work.mkdir()
    yield work, env


def test_version_and_data_come_from_the_wheel(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    assert run(["recmock", "--version"], work, env).strip() == "recmock 0.1.0"
    where = run(["python", "-c", "import recmock.specs as s, recmock.scenarios as f; "
                 "print(s.SPECS_DIR); print(f.FIXTURES_DIR)"], work, env).split()  # fmt: skip
    venv = Path(env["VIRTUAL_ENV"])
    for directory in where:
        assert Path(directory).is_relative_to(venv), f"{directory} is not inside the venv"
        assert not Path(directory).is_relative_to(ROOT)
    listed = run(["recmock", "scenarios", "list"], work, env)
    names = {line.split()[0] for line in listed.splitlines() if line.strip()}
    assert names == {p.stem for p in (ROOT / "fixtures").glob("*.yaml")} | {"default"}


def test_serve_and_verify_from_the_wheel(installed: tuple[Path, dict[str, str]]) -> None:
    work, env = installed
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (work / "serve.log").open("w")
    server = subprocess.Popen(["recmock", "serve", "--port", str(port), "--log-level", "warning"],
                              cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, (work / "serve.log").read_text()
            try:
                httpx.get(url + "/__recmock/health", timeout=0.5)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline, "recmock serve did not answer within 30 s"
                time.sleep(0.2)
        body = b'{"room_ids":["room01"],"limit":5}'
        fetch = httpx.post(url + "/auth/recording/fetch", content=body, timeout=10,
                           headers=auth.plugnmeet_headers(body, "demo-key", "demo-secret"))  # fmt: skip
        assert fetch.status_code == 200 and fetch.json()["result"]["recordings_list"]
        signalwire = httpx.get(f"{url}/api/video/room_sessions/{SESSION}/recordings",
                               headers=auth.basic("demo-project", "demo-token"), timeout=10)  # fmt: skip
        assert signalwire.status_code == 200 and signalwire.json()["data"]
        token = auth.zoom_jwt("demo-key", "demo-secret", ttl=600)
        zoom = httpx.get(f"{url}/v2/videosdk/sessions/KkMHZ4y8QhSUWAHi5sWvfg==/recordings",
                         headers=auth.bearer(token), timeout=10)  # fmt: skip
        assert zoom.status_code == 200 and zoom.json()["recording_files"]
        cloudflare = httpx.get(url + CF, headers=auth.bearer("demo-token"), timeout=10)
        assert cloudflare.status_code == 200 and cloudflare.json()["data"]["id"] == CF[-36:]
        for asset in ("", "recmock-ui.js", "swagger-ui-bundle.js"):  # our JS and the package's
            assert httpx.get(f"{url}/api/video/ui/{asset}", timeout=10).status_code == 200, asset

        verify = subprocess.run(
            ["recmock", "verify", "signalwire", "--base-url", url + "/api/video",
             "--basic", "demo-project:demo-token", "--max-examples", "20", "--seed", "1"],
            cwd=work, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert verify.returncode == 0, verify.stdout[-3000:] + verify.stderr[-3000:]
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
