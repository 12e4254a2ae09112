"""The `releases` table: each release step that changed the running version or the schema."""

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class ReleaseRow(Base):
    """A row of `releases`: which version and commit went out when, and the migrations it applied."""

    __tablename__ = "releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64))
    git_commit: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(index=True)
    # Revision ids, oldest first; empty when the release changed only the code.
    migrations: Mapped[list[str]] = mapped_column(JSON)
