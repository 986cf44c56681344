"""recmock: an OpenAPI-first mock server and contract tester for recording APIs."""

from recmock.errors import ConfigError, RecmockError, ScenarioError, SpecError, TargetError

__all__ = ["ConfigError", "RecmockError", "ScenarioError", "SpecError", "TargetError"]
__version__ = "0.1.0"
