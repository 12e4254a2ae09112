"""The `notes` table."""

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ...domain.notes import MAX_TITLE_LENGTH
from .base import Base, Owned


class NoteRow(Owned, Base):
    """A row of `notes`."""

    __tablename__ = "notes"
    __table_args__ = (
        # Serves the owner's newest-first keyset listing without a sort step.
        Index("ix_notes_owner_id_created_at_id", "owner_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE_LENGTH))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]
