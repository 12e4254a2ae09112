"""Opaque bearer tokens: random, revocable, stored only as SHA-256 hashes."""

import hashlib
import secrets


def new_token() -> str:
    """Return a fresh token with 256 bits of randomness, shown to the client once."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Return the hex SHA-256 of a token; a fast hash is enough for 256-bit random secrets."""
    return hashlib.sha256(token.encode()).hexdigest()
