"""Password hashing with Argon2id; the cost is configurable so tests stay fast.

How many hashes run at once is the web layer's to bound (`HASHING_SLOTS` in `web/rate_limit.py`):
it makes the surplus wait on the event loop rather than in a worker thread.
"""

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class PasswordHasher:
    """Hashes and verifies passwords; the hash string carries its own parameters and salt."""

    def __init__(self, time_cost: int, memory_cost_kib: int) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost_kib)
        # Verifying against this when the account does not exist keeps timing the same,
        # so response time does not reveal which e-mail addresses have accounts.
        self._dummy_hash = self._argon2.hash("timing-equalizer")

    def hash(self, password: str) -> str:
        """Return a salted Argon2id hash of the password."""
        return self._argon2.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Tell whether the password matches; with no hash, spend the same time and say no."""
        try:
            verified = self._argon2.verify(password_hash or self._dummy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return verified and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """Tell whether the hash was made with other parameters than the current ones."""
        return self._argon2.check_needs_rehash(password_hash)
