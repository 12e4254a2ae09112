"""Server-rendered pages that work without JavaScript, on the same use cases as the API."""

from types import ModuleType

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from . import accounts, notes
from .browser_session import CsrfRefused, LoginRequired, TooManyAttempts
from .rendering import STATIC_DIRECTORY, TEMPLATES, redirect_to_log_in, refuse_forged_form, refuse_too_many_attempts

# Each feature's page module: its `router`, and the `NAV_LINK` the site header shows for it.
FEATURE_PAGES: tuple[ModuleType, ...] = (notes,)


def install_pages(app: FastAPI) -> None:
    """Add the pages, their stylesheet under /static, and their answers to a missing log-in, CSRF token or budget."""
    app.include_router(accounts.router)
    for feature in FEATURE_PAGES:
        app.include_router(feature.router)
    TEMPLATES.env.globals["nav_links"] = [feature.NAV_LINK for feature in FEATURE_PAGES]
    app.mount("/static", StaticFiles(directory=STATIC_DIRECTORY), name="static")
    app.add_exception_handler(LoginRequired, redirect_to_log_in)
    app.add_exception_handler(CsrfRefused, refuse_forged_form)
    app.add_exception_handler(TooManyAttempts, refuse_too_many_attempts)
