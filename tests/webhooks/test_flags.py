"""--webhook and --zoom-webhook-secret: bad values are one line naming the flag, exit 2."""

from __future__ import annotations

import pytest

from recmock import cli
from recmock.server.run import config_from_args


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("teams=http://127.0.0.1:9/x", "PROVIDER zoom, plugnmeet or cloudflare"),
        ("signalwire=http://127.0.0.1:9/x", "SignalWire documents no recording webhook"),
        ("zoom", "expected an http:// or https:// URL"),
        ("zoom=ftp://127.0.0.1/x", "expected an http:// or https:// URL"),
    ],
)
def test_bad_webhook_values(value: str, words: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = cli.main(["serve", "--webhook", value])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--webhook" in err and words in err
    assert "Traceback" not in err


def test_webhook_flags_reach_the_config() -> None:
    args = cli.build_parser().parse_args(["serve", "--webhook", "zoom=http://127.0.0.1:9/a", "--webhook",
                              "zoom=http://127.0.0.1:9/b", "--zoom-webhook-secret", "s"])  # fmt: skip
    config = config_from_args(args)
    assert config.webhooks == (("zoom", "http://127.0.0.1:9/a"), ("zoom", "http://127.0.0.1:9/b"))
    assert config.zoom_webhook_secret == "s"
    assert "zoom_webhook_secret" not in repr(config)  # a secret is never printed


@pytest.mark.parametrize("value", ["-1", "fast", "1e7", "nan"])
def test_bad_clock_speed(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        code = cli.main(["serve", "--clock-speed", value])
    except SystemExit as exc:
        code = exc.code  # type: ignore[assignment]
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--clock-speed" in err and "expected 0 to 1000000" in err
