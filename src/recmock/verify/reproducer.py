"""Copy-paste `curl` reproducers: a request as sent, with credentials only as placeholders.

Its own module because it joins two others: the request (`wire`) and how credentials are
rebuilt by hand (`credentials`); keeping it in either made them import each other.
"""

from __future__ import annotations

import shlex

from recmock.verify.credentials import Reproduction
from recmock.verify.wire import WireRequest


def curl_command(request: WireRequest, base_url: str, repro: Reproduction) -> str:
    """A copy-paste `curl` reproducer; credentials appear only as placeholders."""
    lines = list(repro.preamble)
    args = ["curl", "-sS", "-X", request.method, shlex.quote(request.url(base_url)), *repro.args]
    body = request.body
    if body is not None:
        text = body.decode("utf-8", "strict") if _is_text(body) else None
        if text is not None:
            lines.append(f"BODY={shlex.quote(text)}")
            source, data = "printf '%s' \"$BODY\" | ", '"$BODY"'
        else:
            octal = "".join(f"\\{b:03o}" for b in body)
            lines.append(f"printf '{octal}' > recmock-body.bin")
            source, data = "cat recmock-body.bin | ", "@recmock-body.bin"
        if repro.sign_with:
            lines.append(
                f"SIG=$({source}openssl dgst -sha256 -hmac {repro.sign_with} -r | cut -d' ' -f1)"
            )
        args += ["-H", shlex.quote("Content-Type: application/json"), "--data-binary", data]
    return "\n".join([*lines, " ".join(args)])


def _is_text(body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return "\x00" not in text
