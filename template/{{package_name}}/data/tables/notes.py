"""The `notes` table, built from the fields of `Note`."""

from ...domain.notes import Note
from .base import owned_table

NOTES = owned_table("notes", Note)
