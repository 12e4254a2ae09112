"""The JSON API of notes: the signed-in account's own; another account's note answers 404, never 403."""

from ...services.notes import NoteService
from ..records import owned_api

router = owned_api(NoteService, "/api/notes")
