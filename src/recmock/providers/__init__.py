"""One module per provider; this registry maps a spec's folder name to its provider."""

from __future__ import annotations

from recmock.errors import SpecError
from recmock.providers.base import Credentials, Provider, Reply, View
from recmock.providers.cloudflare import Cloudflare
from recmock.providers.plugnmeet import PlugNmeet
from recmock.providers.signalwire import SignalWire
from recmock.providers.zoom import Zoom

PROVIDERS: dict[str, Provider] = {
    p.name: p for p in (PlugNmeet(), SignalWire(), Zoom(), Cloudflare())
}


def provider_for(name: str) -> Provider:
    """The provider serving specs/<name>/; a spec folder without a module is a clear error."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise SpecError(
            f"specs/{name}/: no provider module recmock.providers.{name}; "
            f"expected one of {sorted(PROVIDERS)}"
        ) from None


__all__ = ["PROVIDERS", "Credentials", "Provider", "Reply", "View", "provider_for"]
