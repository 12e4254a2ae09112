"""The tables, one module per feature; importing this package registers every table on `Base.metadata`.

A new table goes in a new module here and is found by itself: Alembic, the tests and the app all
see the same metadata without a list to keep up to date.
"""

import importlib
import pkgutil

from .base import TABLES, Base, Owned, UtcDateTime, owned_table

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["TABLES", "Base", "Owned", "UtcDateTime", "owned_table"]
