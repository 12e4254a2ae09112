"""The owner filter of owned tables: an account id, or the holder of an API token found in the same statement.

A repository of owned records builds each read twice, once per kind of owner, and picks one per
call with `owner_params`: see `notes.py`. With a `TokenHolder` the statement reads
`owner_id = (SELECT account_id FROM api_tokens WHERE token_hash = ... AND expires_at > ...)`, so
the token is checked where the rows are read, in one round trip; an unknown or expired token gives
NULL, which matches no row.
"""

from typing import Any

from sqlalchemy import ColumnElement, bindparam, select

from ...services.ports import Owner, TokenHolder
from ..tables import ApiTokenRow

_TOKENS = ApiTokenRow.__table__

# The owner's account id as each kind of owner gives it, for `owner_id == ...` in a statement.
ACCOUNT_ID: ColumnElement[Any] = bindparam("owner_id")
TOKEN_HOLDER_ID: ColumnElement[Any] = (
    select(_TOKENS.c.account_id)
    .where(_TOKENS.c.token_hash == bindparam("token_hash"), _TOKENS.c.expires_at > bindparam("now"))
    .scalar_subquery()
)


def owner_params(owner: Owner) -> dict[str, Any]:
    """The bound values of the owner filter: `owner_id`, or `token_hash` and `now`."""
    if isinstance(owner, TokenHolder):
        return {"token_hash": owner.token_hash, "now": owner.now}
    return {"owner_id": owner}
