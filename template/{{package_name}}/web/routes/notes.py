"""The JSON API of notes: the signed-in account's own; another account's note answers 404, never 403."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from ...domain.notes import MAX_BODY_LENGTH, MAX_TITLE_LENGTH
from ..dependencies import ContainerDep, CurrentAccount, RecordId
from ..schemas import Page, PageQuery

router = APIRouter(prefix="/api/notes", tags=["notes"])


class NoteCreate(BaseModel):
    """A new note."""

    title: str = Field(min_length=1, max_length=MAX_TITLE_LENGTH)
    body: str = Field(default="", max_length=MAX_BODY_LENGTH)


class NoteUpdate(BaseModel):
    """A partial change of a note: omitted fields stay as they are."""

    title: str | None = Field(default=None, min_length=1, max_length=MAX_TITLE_LENGTH)
    body: str | None = Field(default=None, max_length=MAX_BODY_LENGTH)


class NotePublic(BaseModel):
    """A note as its owner sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    body: str
    created_at: datetime
    updated_at: datetime


@router.post("", status_code=201)
def create_note(form: NoteCreate, account: CurrentAccount, container: ContainerDep) -> NotePublic:
    """Write a new note."""
    note = container.notes.create(account.id, form.title, form.body)
    return NotePublic.model_validate(note)


@router.get("")
def list_notes(
    page: Annotated[PageQuery, Query()], account: CurrentAccount, container: ContainerDep
) -> Page[NotePublic]:
    """The account's notes, newest first; larger limits are capped at the maximum page size."""
    notes = container.notes.list_page(account.id, page.request())
    return Page[NotePublic].of(notes, NotePublic.model_validate)


@router.get("/{note_id}")
def read_note(note_id: RecordId, account: CurrentAccount, container: ContainerDep) -> NotePublic:
    """One note."""
    return NotePublic.model_validate(container.notes.get(account.id, note_id))


@router.patch("/{note_id}")
def update_note(
    note_id: RecordId,
    form: NoteUpdate,
    account: CurrentAccount,
    container: ContainerDep,
) -> NotePublic:
    """Change the title and/or body of a note."""
    note = container.notes.update(account.id, note_id, title=form.title, body=form.body)
    return NotePublic.model_validate(note)


@router.delete("/{note_id}", status_code=204)
def delete_note(note_id: RecordId, account: CurrentAccount, container: ContainerDep) -> Response:
    """Delete a note."""
    container.notes.delete(account.id, note_id)
    return Response(status_code=204)
