"""The only ASGI code (see app.py)."""

import warnings

# Connexion imports starlette.testclient, which warns on import that it would rather have httpx2;
# recmock never uses that test client, and the notice would open every `recmock serve` start
# and every error message. Set here so it precedes app.py's Connexion imports.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
