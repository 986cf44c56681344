"""An independent staging double of all four provider APIs, for testing `recmock verify`.

Written from the provider docs alone: it imports nothing from `recmock` (a test parses every
import to prove it), keeps its own dataset and ids, and makes its own valid choices where the
docs leave room. `defects.VARIANTS` seeds one defect at a time into it.
"""

from .data import SECRETS
from .defects import PROVIDERS, VARIANTS, Variant
from .exchange import Choices
from .server import StagingApp, ThreadedServer

__all__ = ["PROVIDERS", "SECRETS", "VARIANTS", "Choices", "StagingApp", "ThreadedServer", "Variant"]
