"""`python -m staging --port 8765 [--variant NAME]` from tests/verify: the double by hand."""

from .server import main

main()
