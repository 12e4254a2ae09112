"""The JSON API and the pages every owned resource has, built from its record's declaration.

`owned_api(NoteService, "/api/notes")` serves create, list, read, change and delete, and
`owned_pages(NoteService, "/notes")` the list with a form for a new record (`notes.html`) and an
edit form per record (`note_edit.html`). A `{name}` in the prefix is a reference the path fixes
(`/api/invoices/{invoice_id}/lines`): the records listed and made there are that invoice's, which
must be the caller's. Another account's record answers 404, exactly like a missing one. A route of
a resource's own goes in its module, beside these.
"""

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, create_model

from ..data.tables import TABLES
from ..domain.errors import NotFound, ValidationFailed
from ..domain.pagination import MAX_PAGE_SIZE, Cursor, PageRequest
from ..domain.records import MAX_INTEGER, MIN_INTEGER, Number, Record, Reference, Text, fields, label_of
from ..domain.records import Field as RecordField
from ..services.records import OwnedService
from .dependencies import ContainerDep, CurrentAccount, check_verified_if_required
from .pages.browser_session import CsrfChecked, SignedInAccount, check_verified_page_if_required
from .pages.rendering import redirect, render
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


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of a record's form, as `record_field` in `_macros.html` draws it."""

    name: str
    label: str
    input: str  # text, textarea, number, date, datetime-local, select, or reference (a number, the newest suggested)
    value: str
    required: bool
    limits: dict[str, object] = field(default_factory=dict)  # maxlength, min, max, step
    options: list[tuple[str, str]] = field(default_factory=list)  # a select's (value, label) pairs


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
        form = [_form_field(container, account.id, field, draft.get(field.name, "")) for field in given]
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
        labels = _labels(container, account.id, given, found.items)
        return page(request, account, container, path, records=found.items, labels=labels, cursor=cursor,
                    next_url=more, **context)  # fmt: skip

    def show_list(request: Request, account: Any, container: Any, cursor: str = "", **path: int) -> Response:
        return listing(request, account, container, path, cursor)

    def create_record(request: Request, account: Any, container: Any, **values: Any) -> Response:
        path = {name: values.pop(name) for name in fixed}

        def write(form: dict[str, Any]) -> object:
            return _path_is_found(lambda: container.service(service).create(account.id, {**path, **form}), path)

        errors = _submit(write, create, values)
        if not errors:
            return redirect(url(path))
        return listing(request, account, container, path, status_code=422, draft=values, errors=errors)

    def edit_form(request: Request, account: Any, container: Any, **path: int) -> Response:
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        draft = {field.name: _shown(getattr(found, field.name)) for field in given}
        return page(request, account, container, path, record_id=found.id, draft=draft)

    def edit_record(request: Request, account: Any, container: Any, **values: Any) -> Response:
        path = {name: values.pop(name) for name in (*fixed, record_id)}
        found = _owned(container.service(service), account.id, path.pop(record_id), path)
        errors = _submit(lambda form: container.service(service).update(account.id, found.id, form), create, values)
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


def _submit(
    write: Callable[[dict[str, Any]], object], schema: type[BaseModel], posted: Mapping[str, str]
) -> dict[str, str]:
    """Parse a posted form with the API's schema and write it; the reasons by field name when either refuses."""
    given = {name: _utc(value) for name, value in posted.items() if value.strip()}
    try:
        write(schema.model_validate(given).model_dump())
    except ValidationError as error:
        errors: dict[str, str] = {}
        for problem in error.errors():
            errors.setdefault(str(problem["loc"][0]) if problem["loc"] else "form", problem["msg"])
        return errors
    except ValidationFailed as error:
        return {error.field or "form": error.message}
    return {}


def _form_field(container: Any, owner_id: int, field: RecordField, value: str) -> FormField:
    """The input for one field: its kind, its limits, and for a reference the owner's records to choose from."""
    label, required, rule = field.label.capitalize(), field.required, field.rule
    if isinstance(rule, Reference):
        choices, more = _choices(container, owner_id, rule, value)
        kind = "reference" if more else "select"  # more than a drop-down holds: any one by its number
        return FormField(field.name, label, kind, value, required, options=choices)
    if field.type is bool:
        return FormField(field.name, label, "select", value, required, options=[("true", "Yes"), ("false", "No")])
    if isinstance(rule, Text):
        kind = "textarea" if rule.multiline else "text"
        return FormField(field.name, label, kind, value, required, {"maxlength": rule.max_length})
    if isinstance(rule, Number):
        step = 1 if field.type is int else Decimal(1).scaleb(-rule.places)
        limits: dict[str, object] = {"min": rule.min, "max": rule.max, "step": step}
        return FormField(field.name, label, "number", value, required, limits)
    return FormField(field.name, label, "datetime-local" if field.type is datetime else "date", value, required)


def _choices(container: Any, owner_id: int, rule: Reference, current: str) -> tuple[list[tuple[str, str]], bool]:
    """A reference's (id, how it reads) choices: the owner's newest records and the one chosen; whether more exist."""
    target = _service_of(container, rule.to)
    page = target.list_page(owner_id, PageRequest(MAX_PAGE_SIZE))
    records = page.items
    if current.isdigit() and int(current) not in {record.id for record in records}:
        with suppress(NotFound):  # deleted meanwhile: the form says so when it is sent
            records.append(target.get(owner_id, int(current)))
    return [(str(record.id), _reads(record)) for record in records], page.next_cursor is not None


def _labels(
    container: Any, owner_id: int, given: Sequence[RecordField], records: Sequence[Record]
) -> dict[str, dict[int, str]]:
    """How the records a page's references name read, by field and id: one statement per resource referred to.

    A list page shows `customer_id` as the customer reads, as the form's choice does; the records are read
    among the owner's own, like every reference.
    """
    references = {field.name: field.rule.to for field in given if isinstance(field.rule, Reference)}
    wanted: dict[str, set[int]] = {}
    for name, table in references.items():
        ids = wanted.setdefault(table, set())
        ids.update(value for record in records if (value := getattr(record, name)) is not None)
    read: dict[str, dict[int, str]] = {}
    for table, ids in wanted.items():
        found = _service_of(container, table).get_many(owner_id, ids)
        read[table] = {record_id: _reads(record) for record_id, record in found.items()}
    return {name: read[table] for name, table in references.items()}


def _service_of(container: Any, table: str) -> OwnedService[Any]:
    """The use cases of the resource stored in `table`."""
    return next(found for found in container.resources.values() if TABLES[found.record].name == table)


def _reads(record: Record) -> str:
    """How a record reads where another names it: its first one-line text (a customer's name), else `customer 7`."""
    title = next((f.name for f in fields(type(record)) if isinstance(f.rule, Text) and not f.rule.multiline), None)
    return str(getattr(record, title)) if title else f"{label_of(type(record))} {record.id}"


def _shown(value: object) -> str:
    """A stored value as a form input shows it: `datetime-local` in UTC, booleans as the select's values."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    return str(value)


def _utc(value: str) -> str:
    """A `datetime-local` input's value (no offset) read as UTC; any other value stays as it is."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return value
    return parsed.replace(tzinfo=UTC).isoformat() if "T" in value and parsed.tzinfo is None else value


def _snake(record: type[Record]) -> str:
    return label_of(record).replace(" ", "_")
