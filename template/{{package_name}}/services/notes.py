"""Note use cases: those every owned resource has (`OwnedService`); a use case of notes alone is a method here."""

from ..domain.notes import Note
from .records import OwnedService


class NoteService(OwnedService[Note]):
    """Create, read, list, change and delete the notes of one owner."""
