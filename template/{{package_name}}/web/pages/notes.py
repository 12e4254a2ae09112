"""Pages for the signed-in account's notes: the list (newest first, keyset pages), create, edit and delete.

Another account's note is a 404 page, exactly like a note that does not exist.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import Response

from ...bootstrap import Container
from ...domain.accounts import Account
from ...domain.errors import NotFound, ValidationFailed
from ...domain.notes import MAX_BODY_LENGTH, MAX_TITLE_LENGTH, check_body, clean_title
from ...domain.pagination import Cursor, PageRequest
from ..dependencies import ContainerDep, RecordId
from .browser_session import CsrfChecked, SignedInAccount
from .rendering import NavLink, field_errors, not_found_page, redirect, render

router = APIRouter(include_in_schema=False)
NAV_LINK = NavLink("Notes", "/notes")

CursorParam = Annotated[str, Query(max_length=200)]
TitleField = Annotated[str, Form()]
BodyField = Annotated[str, Form()]


def notes_url(cursor: str = "") -> str:
    """The address of a page of notes: the newest page without a cursor."""
    return f"/notes?{urlencode({'cursor': cursor})}" if cursor else "/notes"


def _form_errors(title: str, body: str) -> dict[str, str]:
    return field_errors(title=(clean_title, title), body=(check_body, body))


def _list_page(
    request: Request,
    container: Container,
    account: Account,
    cursor: str,
    *,
    status_code: int = 200,
    draft: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    try:
        page_request = PageRequest(cursor=Cursor.decode(cursor) if cursor else None)
    except ValidationFailed:  # an edited or stale link: the newest page is the useful answer
        return redirect(notes_url())
    page = container.notes.list_page(account.id, page_request)
    return render(
        request,
        "notes.html",
        account=account,
        status_code=status_code,
        notes=page.items,
        cursor=cursor,
        next_url=notes_url(page.next_cursor.encode()) if page.next_cursor else None,
        draft=draft or {"title": "", "body": ""},
        errors=errors or {},
        max_title_length=MAX_TITLE_LENGTH,
        max_body_length=MAX_BODY_LENGTH,
    )


def _edit_page(
    request: Request,
    account: Account,
    note_id: int,
    draft: dict[str, str],
    errors: dict[str, str],
    status_code: int,
) -> Response:
    return render(
        request,
        "note_edit.html",
        account=account,
        status_code=status_code,
        note_id=note_id,
        draft=draft,
        errors=errors,
        max_title_length=MAX_TITLE_LENGTH,
        max_body_length=MAX_BODY_LENGTH,
    )


@router.get("/notes")
def list_notes(
    request: Request, account: SignedInAccount, container: ContainerDep, cursor: CursorParam = ""
) -> Response:
    """One page of the account's notes, with the form for a new one."""
    return _list_page(request, container, account, cursor)


@router.post("/notes", dependencies=[CsrfChecked])
def create_note(
    request: Request,
    account: SignedInAccount,
    container: ContainerDep,
    title: TitleField = "",
    body: BodyField = "",
) -> Response:
    """Write a note and show the list; the list with the draft and the reasons when it is refused."""
    errors = _form_errors(title, body)
    if not errors:
        container.notes.create(account.id, title, body)
        return redirect(notes_url())
    draft = {"title": title, "body": body}
    return _list_page(request, container, account, "", status_code=422, draft=draft, errors=errors)


@router.get("/notes/{note_id}/edit")
def edit_note_form(
    request: Request,
    note_id: RecordId,
    account: SignedInAccount,
    container: ContainerDep,
) -> Response:
    """The form that changes one of the account's notes."""
    try:
        note = container.notes.get(account.id, note_id)
    except NotFound:
        return not_found_page(request, account)
    return _edit_page(request, account, note.id, {"title": note.title, "body": note.body}, {}, 200)


@router.post("/notes/{note_id}/edit", dependencies=[CsrfChecked])
def edit_note(
    request: Request,
    note_id: RecordId,
    account: SignedInAccount,
    container: ContainerDep,
    title: TitleField = "",
    body: BodyField = "",
) -> Response:
    """Change the note and go back to the list; the form with the reasons when it is refused."""
    errors = _form_errors(title, body)
    if errors:
        return _edit_page(request, account, note_id, {"title": title, "body": body}, errors, 422)
    try:
        container.notes.update(account.id, note_id, title=title, body=body)
    except NotFound:
        return not_found_page(request, account)
    return redirect(notes_url())


@router.post("/notes/{note_id}/delete", dependencies=[CsrfChecked])
def delete_note(
    request: Request,
    note_id: RecordId,
    account: SignedInAccount,
    container: ContainerDep,
    cursor: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Delete one of the account's notes and go back to the page it was on; 404 for anyone else's."""
    try:
        container.notes.delete(account.id, note_id)
    except NotFound:
        return not_found_page(request, account)
    return redirect(notes_url(cursor))
