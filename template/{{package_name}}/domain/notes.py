"""Notes: what a note holds, field by field; the table, API schemas and forms follow from it."""

from dataclasses import dataclass
from typing import Annotated

from .records import Record, Text


@dataclass(frozen=True, slots=True, kw_only=True)
class Note(Record):
    """A note, as its owner wrote it."""

    title: Annotated[str, Text(max_length=200)]
    body: Annotated[str | None, Text(max_length=20_000, multiline=True)] = None
