"""The routes an app serves, for tests that walk all of them: a route added later is walked too."""

from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI


def all_routes(app: FastAPI) -> Iterator[Any]:
    """Every route of the app, looking inside included routers (each has a name, path, methods and endpoint)."""
    for route in app.routes:
        # Recent FastAPI versions keep included routers whole in app.routes and expand them lazily.
        expand = getattr(route, "effective_route_contexts", None)
        yield from expand() if expand else [route]


def served_routes(app: FastAPI) -> Iterator[tuple[str, str, set[str]]]:
    """(path, serving module inside the package, methods) of every route."""
    for served in all_routes(app):
        module = getattr(getattr(served, "endpoint", None), "__module__", "") or ""
        methods = set(getattr(served, "methods", None) or ()) - {"HEAD"}
        yield getattr(served, "path", ""), module.partition(".")[2], methods
