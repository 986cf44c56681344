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


def test_replicas_given_one_key_file_sign_alike(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """--cloudflare-webhook-key: two servers (replicas behind a balancer) publish the public
    half of the key the test made itself, so an event of either verifies with either's key."""
    import httpx
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "rtk.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))  # fmt: skip
    mine = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    first = start_server("--cloudflare-webhook-key", str(path))
    second = start_server(env={"RECMOCK_CLOUDFLARE_WEBHOOK_KEY": str(path)})
    for server in (first, second):
        document = httpx.get(server.url + "/.well-known/webhooks.json", timeout=5).json()
        assert document["data"]["publicKey"].strip() == mine.strip()
        assert "PRIVATE KEY" not in server.output()  # the key never reaches the log
