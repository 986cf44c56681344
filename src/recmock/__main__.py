"""`python -m recmock` is the `recmock` command."""

import sys

from recmock.cli import main

sys.exit(main())
