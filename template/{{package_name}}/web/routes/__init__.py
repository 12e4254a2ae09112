"""The JSON API, one module per feature: every module here that defines a `router` serves it."""

import importlib
import pkgutil

from fastapi import APIRouter


def api_routers() -> list[APIRouter]:
    """The `router` of every module in this package, in the order of the modules' names."""
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    return [module.router for module in modules if isinstance(getattr(module, "router", None), APIRouter)]
