"""Reads across every account, for jobs and operators: the one place where a statement spans owners.

A request acts for one account and reads only its records (`owned_by`). A job that must see every
account's records (a daily report, reminders of what is due) reads them here, each statement
marked with `across_owners` and the reason it may, which the tests' ownership guard accepts and
a reviewer reads. Keep such reads out of services and routes.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, distinct, func, select
from sqlalchemy.orm import Session

from .records import across_owners
from .tables import TABLES


@dataclass(frozen=True, slots=True)
class Activity:
    """What one resource gained: its new records, and how many accounts wrote them."""

    resource: str
    records: int
    accounts: int


def activity_since(engine: Engine, since: datetime) -> list[Activity]:
    """The records each resource gained since `since`, in every account (one statement per resource)."""
    found = []
    with Session(engine) as session:
        for table in sorted(TABLES.values(), key=lambda table: table.name):
            counted = select(func.count(), func.count(distinct(table.c.owner_id))).where(table.c.created_at >= since)
            reason = "the activity report counts every account's new records, and shows none of them"
            records, accounts = session.execute(across_owners(counted, reason)).one()
            found.append(Activity(table.name, records, accounts))
    return found
