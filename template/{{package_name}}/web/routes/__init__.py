"""The JSON API, one router per feature."""

from fastapi import APIRouter

from . import accounts, health, notes, sessions

# Every router of the API, in the order FastAPI matches them.
ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    accounts.router,
    sessions.router,
    notes.router,
)
