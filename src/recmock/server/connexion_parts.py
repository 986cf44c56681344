"""The Connexion pieces recmock uses, imported with Connexion's own DeprecationWarnings silenced.

Connexion 3 imports jsonschema's deprecated `RefResolver` when it is first imported. That is
Connexion's to fix, yet it would show in the test runs of every team using the pytest plugin
(and fail those run with `-W error::DeprecationWarning`). The filter is scoped to this import
(`catch_warnings`) and to warnings attributed to Connexion's modules, never set globally.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"connexion(\.|$)")
    from connexion import AsyncApp
    from connexion.middleware.context import ContextMiddleware
    from connexion.middleware.exceptions import ExceptionMiddleware
    from connexion.middleware.lifespan import LifespanMiddleware
    from connexion.middleware.routing import RoutingMiddleware
    from connexion.middleware.server_error import ServerErrorMiddleware
    from connexion.middleware.swagger_ui import SwaggerUIMiddleware
    from connexion.resolver import Resolver

__all__ = [
    "AsyncApp",
    "ContextMiddleware",
    "ExceptionMiddleware",
    "LifespanMiddleware",
    "Resolver",
    "RoutingMiddleware",
    "ServerErrorMiddleware",
    "SwaggerUIMiddleware",
]
