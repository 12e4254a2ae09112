"""Server-rendered pages that work without JavaScript, on the same use cases as the API.

Every module here that defines a `router` serves its pages; a module with a `NAV_LINK` also gets
a link in the site header of signed-in visitors, and one with a `RECORD_LINK` a link on each record
of another feature's list (an invoice's lines, on each invoice).
"""

import importlib
import pkgutil

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from .browser_session import CsrfRefused, LoginRequired, TooManyAttempts
from .rendering import (
    STATIC_DIRECTORY,
    TEMPLATES,
    NavLink,
    RecordLink,
    redirect_to_log_in,
    refuse_forged_form,
    refuse_too_many_attempts,
)


def install_pages(app: FastAPI) -> None:
    """Add the pages, their stylesheet under /static, and their answers to a missing log-in, CSRF token or budget."""
    modules = [importlib.import_module(f"{__name__}.{info.name}") for info in pkgutil.iter_modules(__path__)]
    nav_links: list[NavLink] = []
    record_links: dict[str, list[RecordLink]] = {}
    for module in modules:
        if isinstance(getattr(module, "router", None), APIRouter):
            app.include_router(module.router)
        if isinstance(getattr(module, "NAV_LINK", None), NavLink):
            nav_links.append(module.NAV_LINK)
        if isinstance(getattr(module, "RECORD_LINK", None), RecordLink):
            record_links.setdefault(module.RECORD_LINK.feature, []).append(module.RECORD_LINK)
    TEMPLATES.env.globals["nav_links"] = sorted(nav_links, key=lambda link: link.label)
    TEMPLATES.env.globals["record_links"] = record_links
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    app.add_exception_handler(LoginRequired, redirect_to_log_in)
    app.add_exception_handler(CsrfRefused, refuse_forged_form)
    app.add_exception_handler(TooManyAttempts, refuse_too_many_attempts)
