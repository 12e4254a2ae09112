"""The pages of notes: the list with a form for a new one (notes.html), and an edit form (note_edit.html)."""

from ...services.notes import NoteService
from ..records import owned_pages
from .rendering import NavLink

router = owned_pages(NoteService, "/notes")
NAV_LINK = NavLink("Notes", "/notes")
