"""Every error recmock raises on purpose; each also inherits the matching built-in."""

from __future__ import annotations


class RecmockError(Exception):
    """Base for every error recmock raises on purpose."""


class SpecError(RecmockError, ValueError):
    """A file in specs/ is unreadable, invalid OpenAPI 3.1, or breaks the x-recmock rules."""


class ScenarioError(RecmockError, ValueError):
    """A fixtures/ file contradicts the spec or the world rules."""


class ConfigError(RecmockError, ValueError):
    """A command-line option or environment variable has an impossible value."""


class TargetError(RecmockError, ConnectionError):
    """The deployment under test cannot be reached or answers with something other than HTTP."""
