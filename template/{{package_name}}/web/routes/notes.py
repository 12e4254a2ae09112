"""Notes of the signed-in account; another account's note answers 404, never 403.

These are the hot routes, so each costs one worker-thread hop and one unit of work: the route is
`async def` and sends its blocking part to the thread pool in one `run_in_threadpool` call, and the
use case checks the token inside its own unit of work. A sync `def` route would cost two hops
(FastAPI validates a sync route's response in the pool too), and a sync `CurrentAccount` dependency
a third plus a second transaction; each hop is ~0.1-0.2 ms of CPU under load.
"""

from typing import Annotated

from fastapi import APIRouter, Query, Response
from starlette.concurrency import run_in_threadpool

from ...bootstrap import Container
from ...domain.notes import Note
from ...domain.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Cursor, PageRequest
from ...domain.pagination import Page as NotesPage
from ...services.tokens import AccessToken
from ..dependencies import BearerToken, ContainerDep, RecordId
from ..schemas import NoteCreate, NotePublic, NoteUpdate, Page

router = APIRouter(prefix="/api/notes", tags=["notes"])


def _public(note: Note) -> NotePublic:
    return NotePublic.model_validate(note)


def _create(container: Container, token: str, form: NoteCreate) -> Note:
    return container.notes.create(AccessToken(token), form.title, form.body)


def _list(container: Container, token: str, request: PageRequest) -> NotesPage[Note]:
    return container.notes.list(AccessToken(token), request)


def _get(container: Container, token: str, note_id: int) -> Note:
    return container.notes.get(AccessToken(token), note_id)


def _update(container: Container, token: str, note_id: int, form: NoteUpdate) -> Note:
    return container.notes.update(AccessToken(token), note_id, title=form.title, body=form.body)


def _delete(container: Container, token: str, note_id: int) -> None:
    container.notes.delete(AccessToken(token), note_id)


@router.post("", status_code=201)
async def create_note(form: NoteCreate, token: BearerToken, container: ContainerDep) -> NotePublic:
    """Write a new note."""
    return _public(await run_in_threadpool(_create, container, token, form))


@router.get("")
async def list_notes(
    token: BearerToken,
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, description=f"Page size, at most {MAX_PAGE_SIZE}")] = (DEFAULT_PAGE_SIZE),
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[NotePublic]:
    """The account's notes, newest first; larger limits are capped at the maximum page size."""
    request = PageRequest(limit=min(limit, MAX_PAGE_SIZE), cursor=Cursor.decode(cursor) if cursor else None)
    page = await run_in_threadpool(_list, container, token, request)
    return Page[NotePublic](
        items=[_public(note) for note in page.items],
        limit=request.limit,
        next_cursor=page.next_cursor.encode() if page.next_cursor else None,
    )


@router.get("/{note_id}")
async def read_note(note_id: RecordId, token: BearerToken, container: ContainerDep) -> NotePublic:
    """One note."""
    return _public(await run_in_threadpool(_get, container, token, note_id))


@router.patch("/{note_id}")
async def update_note(note_id: RecordId, form: NoteUpdate, token: BearerToken, container: ContainerDep) -> NotePublic:
    """Change the title and/or body of a note."""
    return _public(await run_in_threadpool(_update, container, token, note_id, form))


@router.delete("/{note_id}", status_code=204)
async def delete_note(note_id: RecordId, token: BearerToken, container: ContainerDep) -> Response:
    """Delete a note."""
    await run_in_threadpool(_delete, container, token, note_id)
    return Response(status_code=204)
