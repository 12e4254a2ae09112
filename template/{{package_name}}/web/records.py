"""The JSON API and the pages every owned resource has, built from its record's declaration.

`owned_api(NoteService, "/api/notes")` serves create, list, read, change and delete, and
`owned_pages(NoteService, "/notes")` the list with a form for a new record (`notes.html`) and an
edit form per record (`note_edit.html`); web/record_forms.py says what their inputs are. A `{name}`
in the prefix is a reference the path fixes (`/api/invoices/{invoice_id}/lines`): the records
listed and made there are that invoice's, which must be the caller's. Another account's record
answers 404, exactly like a missing one. A route of a resource's own goes in its module, beside these.
"""

import inspect
import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from ..data.tables import TABLES
from ..domain.errors import NotFound, ValidationFailed
from ..domain.pagination import Cursor, PageRequest
from ..domain.records import MAX_INTEGER, MIN_INTEGER, Number, Record, Reference, Text, fields, label_of
from ..domain.records import Field as RecordField
from ..services.records import OwnedService
from .dependencies import ContainerDep, CurrentAccount, check_verified_if_required
from .pages.browser_session import CsrfChecked, SignedInAccount, check_verified_page_if_required
from .pages.rendering import redirect, render
from .record_forms import form_field, reference_labels, shown, submit
from .schemas import Page, PageQuery

Service = type[OwnedService[Any]]
PARAMETER = re.compile(r"{(\w+)}")
ID = Annotated[int, Path()]
_times: dict[str, Any] = {"created_at": (datetime, ...), "updated_at": (datetime, ...)}


def schemas(
    record: type[Record], fixed: tuple[str, ...] = ()
) -> tuple[type[BaseModel], type[BaseModel], type[Any], Any]:
    """The API's schemas of a record type: `<Record>Create`, `<Record>Update`, `<Record>Public` and its page.

    The fields a path fixes (`fixed`) are read from the path, never from a body.
    """
    given = [field for field in fields(record) if field.name not in fixed]
    create: dict[str, Any] = {
        f.name: (_typed(f, f.optional), Field(... if f.required else f.default, **_bounds(f))) for f in given
    }
    change: dict[str, Any] = {f.name: (_typed(f, True), Field(None, **_bounds(f))) for f in given}
    shown: dict[str, Any] = {"id": (int, ...), **{f.name: (_typed(f, f.optional), ...) for f in fields(record)}}
    name, config = record.__name__, ConfigDict(from_attributes=True)
    public = create_model(f"{name}Public", __config__=config, **shown, **_times)
    listed = Page[public]
    return create_model(f"{name}Create", **create), create_model(f"{name}Update", **change), public, listed


def _typed(field: RecordField, optional: bool) -> Any:
    kind = AwareDatetime if field.type is datetime else field.type
    return kind | None if optional else kind


def _bounds(field: RecordField) -> dict[str, Any]:
    rule = field.rule
    if isinstance(rule, Text):
        return {"max_length": rule.max_length, "min_length": 0 if field.optional else 1}
    if isinstance(rule, Reference):
        return {"ge": 1, "le": MAX_INTEGER, "json_schema_extra": {"x-references": rule.to}}
    if not isinstance(rule, Number):
        return {}
    whole = field.type is int
    low, high = (MIN_INTEGER, MAX_INTEGER) if whole else (None, None)
    digits = {} if whole else {"max_digits": rule.digits, "decimal_places": rule.places}
    return {"ge": low if rule.min is None else rule.min, "le": high if rule.max is None else rule.max, **digits}


def owned_api(service: Service, prefix: str) -> APIRouter:
    """The JSON API of one owned resource under `prefix`."""
    record = service.record
    fixed = tuple(PARAMETER.findall(prefix))
    create, change, public, listed = schemas(record, fixed)
    record_id = f"{_snake(record)}_id"
    router = APIRouter(
        prefix=PARAMETER.sub(r"{\1:int}", prefix),
        tags=[label_of(record)],
        dependencies=[Depends(check_verified_if_required)],
    )
    given = {"account": CurrentAccount, "container": ContainerDep, **dict.fromkeys(fixed, ID)}
    one = {**given, record_id: ID}

    def create_record(account: Any, container: Any, form: BaseModel, **path: int) -> Any:
        values = {**path, **form.model_dump()}  # the record the path names is checked first
        return _path_is_found(lambda: container.service(service).create(account.id, values), path)

    def list_records(account: Any, container: Any, page: PageQuery, **path: int) -> Any:
        found = container.service(service).list_page(account.id, page.request(), **path)
        return listed.of(found, public.model_validate)

    def read_record(account: Any, container: Any, **path: int) -> Any:
        return _owned(container.service(service), account.id, path.pop(record_id), path)

    def update_record(account: Any, container: Any, form: BaseModel, **path: int) -> Any:
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        return container.service(service).update(account.id, found.id, form.model_dump(exclude_unset=True))

    def delete_record(account: Any, container: Any, **path: int) -> Response:
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        container.service(service).delete(account.id, found.id)
        return Response(status_code=204)

    item, one_, many = "/{" + record_id + ":int}", _snake(record), TABLES[record].name
    paged = {**given, "page": Annotated[PageQuery, Query()]}
    _route(router, "POST", "", create_record, {**given, "form": create}, name=f"create_{one_}", status_code=201,
           response_model=public)  # fmt: skip
    _route(router, "GET", "", list_records, paged, name=f"list_{many}", response_model=listed)
    _route(router, "GET", item, read_record, one, name=f"read_{one_}", response_model=public)
    _route(router, "PATCH", item, update_record, {**one, "form": change}, name=f"update_{one_}", response_model=public)
    _route(router, "DELETE", item, delete_record, one, name=f"delete_{one_}", status_code=204, response_class=Response)
    return router


def owned_pages(service: Service, prefix: str) -> APIRouter:
    """The pages of one owned resource under `prefix`: forms post, then redirect; they work without JavaScript."""
    record = service.record
    fixed = tuple(PARAMETER.findall(prefix))
    create = schemas(record, fixed)[0]
    given = [field for field in fields(record) if field.name not in fixed]
    record_id = f"{_snake(record)}_id"
    router = APIRouter(
        prefix=PARAMETER.sub(r"{\1:int}", prefix),
        include_in_schema=False,
        dependencies=[Depends(check_verified_page_if_required)],
    )
    common = {"request": Request, "account": SignedInAccount, "container": ContainerDep, **dict.fromkeys(fixed, ID)}
    posted = {field.name: (Annotated[str, Form()], "") for field in given}
    table = TABLES[record].name
    names = {"one": label_of(record), "many": table.replace("_", " "), "table": table}

    def url(path: Mapping[str, int], cursor: str = "") -> str:
        return prefix.format(**path) + (f"?{urlencode({'cursor': cursor})}" if cursor else "")

    def page(request: Request, account: Any, container: Any, path: Mapping[str, int], **context: Any) -> Response:
        """The list page, or with a `record_id` the edit page, with its form (`draft`, `errors`) filled in."""
        draft, errors = context.pop("draft", {}), context.pop("errors", {})
        form = [form_field(container, account.id, field, draft.get(field.name, "")) for field in given]
        template = f"{_snake(record)}_edit.html" if "record_id" in context else f"{table}.html"
        context |= {"names": names, "form": form, "errors": errors, "url": url(path)}
        return render(request, template, account=account, **context)

    def listing(request: Request, account: Any, container: Any, path: Mapping[str, int], cursor: str = "",
                **context: Any) -> Response:  # fmt: skip
        try:
            after = Cursor.decode(cursor) if cursor else None
            found = container.service(service).list_page(account.id, PageRequest(cursor=after), **path)
        except ValidationFailed:  # an edited or stale link: the newest page is the useful answer
            return redirect(url(path))
        more = url(path, found.next_cursor.encode()) if found.next_cursor else None
        labels = reference_labels(container, account.id, given, found.items)
        return page(request, account, container, path, records=found.items, labels=labels, cursor=cursor,
                    next_url=more, **context)  # fmt: skip

    def show_list(request: Request, account: Any, container: Any, cursor: str = "", **path: int) -> Response:
        return listing(request, account, container, path, cursor)

    def create_record(request: Request, account: Any, container: Any, **values: Any) -> Response:
        path = {name: values.pop(name) for name in fixed}

        def write(form: dict[str, Any]) -> object:
            return _path_is_found(lambda: container.service(service).create(account.id, {**path, **form}), path)

        errors = submit(write, create, values)
        if not errors:
            return redirect(url(path))
        return listing(request, account, container, path, status_code=422, draft=values, errors=errors)

    def edit_form(request: Request, account: Any, container: Any, **path: int) -> Response:
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        draft = {field.name: shown(getattr(found, field.name)) for field in given}
        return page(request, account, container, path, record_id=found.id, draft=draft)

    def edit_record(request: Request, account: Any, container: Any, **values: Any) -> Response:
        path = {name: values.pop(name) for name in (*fixed, record_id)}
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        errors = submit(lambda form: container.service(service).update(account.id, found.id, form), create, values)
        if not errors:
            return redirect(url(path))
        return page(request, account, container, path, record_id=found.id, status_code=422, draft=values, errors=errors)

    def delete_record(request: Request, account: Any, container: Any, cursor: str = "", **path: int) -> Response:
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        container.service(service).delete(account.id, found.id)
        return redirect(url(path, cursor))

    item, one, csrf = "/{" + record_id + ":int}", _snake(record), {"dependencies": [CsrfChecked]}
    cursor = {"cursor": (Annotated[str, Form()], "")}
    _route(router, "GET", "", show_list, {**common, "cursor": (Annotated[str, Query()], "")}, name=f"{table}_page")
    _route(router, "POST", "", create_record, {**common, **posted}, name=f"create_{one}_page", **csrf)
    _route(router, "GET", f"{item}/edit", edit_form, {**common, record_id: ID}, name=f"edit_{one}_page")
    _route(router, "POST", f"{item}/edit", edit_record, {**common, record_id: ID, **posted},
           name=f"update_{one}_page", **csrf)  # fmt: skip
    _route(router, "POST", f"{item}/delete", delete_record, {**common, record_id: ID, **cursor},
           name=f"delete_{one}_page", **csrf)  # fmt: skip
    return router


def _route(
    router: APIRouter, method: str, path: str, call: Callable[..., Any], parameters: Mapping[str, Any], **options: Any
) -> None:
    """Add `call` as FastAPI reads it: keyword parameters of these types (with a default: `(type, default)`)."""
    kind = inspect.Parameter.KEYWORD_ONLY
    call.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(name, kind, annotation=hint[0], default=hint[1])
            if isinstance(hint, tuple)
            else inspect.Parameter(name, kind, annotation=hint)
            for name, hint in parameters.items()
        ]
    )
    router.add_api_route(path, call, methods=[method], **options)


def _owned(service: OwnedService[Any], owner_id: int, record_id: int, path: Mapping[str, int]) -> Any:
    """The owner's record, which must also be inside the record the path names; NotFound otherwise."""
    found = service.get(owner_id, record_id)
    if any(getattr(found, name) != value for name, value in path.items()):
        raise service.not_found(record_id)
    return found


def _path_is_found(write: Callable[[], Any], path: Mapping[str, int]) -> Any:
    """Run a write; a reference the path gave that is not the caller's is NotFound (404), not a bad field (422)."""
    try:
        return write()
    except ValidationFailed as error:
        if error.field in path:
            raise NotFound(error.message) from None
        raise


def _snake(record: type[Record]) -> str:
    return label_of(record).replace(" ", "_")
