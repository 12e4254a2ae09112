"""The log-in budget of each account, and the devices that are exempt from it; the reset budget of each address.

The per-address limit (`web/rate_limit.py`) slows one client; guessing one account's password from
many addresses needs a limit per account too: AUTH_RATE_LIMIT_PER_MINUTE log-in attempts a minute,
whatever their address. A limit per account alone would let anyone lock its owner out, so the
attempts of a device that has logged in to the account before do not count: each successful log-in
hands the client a device token (the pages keep it in a cookie, API clients send it back as
`device_token`), an HMAC of the account's address under SECRET_KEY. An attacker who cannot learn it
meets the limit; the owner, on a device they used before, never does.

Password-reset links are limited per address the same way (each address gets AUTH_RATE_LIMIT_PER_MINUTE
requests a minute, whether or not an account has it), so nobody can flood one inbox from many clients.
"""

import hashlib
import hmac

from fastapi import Request

from ..bootstrap import Container
from ..domain.accounts import normalize_email
from ..domain.errors import ValidationFailed
from .rate_limit import RateLimiter

TOO_MANY_FOR_THE_ACCOUNT = "Too many log-in attempts for this account from devices that never logged in to it."
TOO_MANY_FOR_THE_ADDRESS = "Too many reset links were asked for this address; wait before asking again."


def device_token(container: Container, email: str) -> str:
    """The token of every device that logged in to the account with this (normalized) address."""
    key = container.settings.secret_key.get_secret_value().encode()
    return hmac.new(key, f"device:{email}".encode(), hashlib.sha256).hexdigest()


def record_account_attempt(request: Request, email: str, presented_device_token: str | None) -> float | None:
    """Count a log-in attempt against the account's budget; the wait before the next one if refused.

    Not counted: an attempt from a device that logged in to this account before, and one with an address
    no account can have (refused without a look-up anyway).
    """
    try:
        normalized = normalize_email(email)
    except ValidationFailed:
        return None
    container: Container = request.app.state.container
    expected = device_token(container, normalized).encode()
    if presented_device_token and hmac.compare_digest(expected, presented_device_token.encode()):
        return None
    return _hit_for_address(request, "log-in-account", normalized)


def record_reset_request(request: Request, email: str) -> float | None:
    """Count a request for a reset link against the (normalized) address's budget; the wait if refused."""
    return _hit_for_address(request, "password-reset-address", email)


def _hit_for_address(request: Request, action: str, normalized_email: str) -> float | None:
    limiter: RateLimiter = request.app.state.rate_limiter
    # Hashed: no e-mail address in the limiter's keys (in Redis, they outlive the request).
    return limiter.hit(f"{action}:{hashlib.sha256(normalized_email.encode()).hexdigest()}")
