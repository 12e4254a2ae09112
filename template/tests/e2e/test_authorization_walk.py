"""Authorization walk: every route the app serves, API and pages, is either public on purpose or refuses strangers.

The routes come from the app itself (its OpenAPI schema and its route table), so a route added
later is walked without editing this file, and a route the walk cannot classify fails loudly here.
For every protected API operation: no token or a forged one is a 401. For every operation on a
record (a path with `{parameters}`): account A creates the record through the collection's POST,
account B tries the operation and gets a 404, and A's record is unchanged afterwards. Every page
sends a visitor without a session to the log-in page, and every page of a record is a 404 for B.
Leaks are found by record ids: B's lists and pages never name an id of A's records. And every
reference field of every operation and form (`x-references` in the schema) is tried with one of
B's records: A is answered exactly as for a record that does not exist, and nothing is written.
"""

import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders, LogInAs
from tests.routes import all_routes, served_routes

# Operations anyone may call. Keep this list short: each entry is a deliberate decision.
PUBLIC_OPERATIONS = {
    ("GET", "/healthz"),  # liveness probe
    ("GET", "/readyz"),  # readiness probe
    ("POST", "/api/accounts"),  # sign-up
    ("POST", "/api/sessions"),  # log-in
    ("POST", "/api/password-resets"),  # a forgotten password: ask for a link
    ("POST", "/api/password-resets/use"),  # ...and use it (the link's token is the proof)
    ("POST", "/api/accounts/email-verification"),  # a verification link, opened anywhere (its token is the proof)
}
# Pages anyone may see or post to: the way in and out.
PUBLIC_PAGES = {
    ("GET", "/"),
    ("GET", "/signup"),
    ("POST", "/signup"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("GET", "/forgot-password"),
    ("POST", "/forgot-password"),
    ("GET", "/reset-password"),
    ("POST", "/reset-password"),
    ("GET", "/verify-email"),
}
# Routes on one of the account's own sessions, not on an owned record: no POST makes a session with an `id`
# and no GET reads one back, so the record walks below cannot; tests/e2e/test_sessions_api.py proves that
# another account's session is a 404 there, and stays.
SESSION_ROUTES = {("DELETE", "/api/sessions/{session_id}"), ("POST", "/account/sessions/{session_id}/end")}
# Routes served outside the API schema, with the reason they are not walked as API operations: by path...
HIDDEN_ROUTES = {
    "/openapi.json": "the API schema",
    "/docs": "interactive API docs",
    "/metrics": "Prometheus scraping, behind METRICS_TOKEN in production",
    "/static": "stylesheets and scripts of the pages",
}
# ...or by the module (inside the package) that serves them.
HIDDEN_ROUTE_MODULES = {
    "web.pages": "server-rendered pages: walked by the page tests below, with cookie sessions and CSRF",
    "web.records": "the pages every owned resource has, walked with the other pages",
}
MISSING_ID = 2**31 - 1  # an id no test creates: what a reference to nothing looks like
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    """One method on one path template of the API schema."""

    method: str
    path: str
    spec: dict[str, Any]

    @property
    def has_path_parameters(self) -> bool:
        """Whether the operation acts on one record (or a record inside one)."""
        return "{" in self.path


def api_operations(app: FastAPI) -> Iterator[Operation]:
    """Every operation of the app's OpenAPI schema."""
    for path, item in app.openapi()["paths"].items():
        for method, spec in item.items():
            if method in HTTP_METHODS:
                yield Operation(method.upper(), path, spec)


class ExampleMaker:
    """Builds valid values from the OpenAPI schemas, for every type and format a field can have."""

    def __init__(self, schema: dict[str, Any]) -> None:
        self.components = schema.get("components", {}).get("schemas", {})
        self.reference: Callable[[str], int] = lambda table: pytest.fail(f"no record of {table} to refer to")

    def body(self, operation: Operation, reference: Callable[[str], int] | None = None) -> Any:
        """A valid JSON body for the operation (None when it takes none); `reference(table)` is a record's id."""
        content = operation.spec.get("requestBody", {}).get("content", {})
        if not content:
            return None
        if "application/json" not in content:
            pytest.fail(f"{operation.method} {operation.path}: the walk only knows JSON bodies; extend ExampleMaker")
        if reference is not None:
            self.reference = reference
        return self.value(content["application/json"]["schema"])

    def references(self, operation: Operation) -> dict[str, str]:
        """The body's reference fields and the table each refers to."""
        content = operation.spec.get("requestBody", {}).get("content", {}).get("application/json", {})
        schema = content.get("schema", {})
        schema = self.components[schema["$ref"].rsplit("/", 1)[-1]] if "$ref" in schema else schema
        return {
            name: prop["x-references"] for name, prop in schema.get("properties", {}).items() if "x-references" in prop
        }

    def value(self, schema: dict[str, Any]) -> Any:  # noqa: PLR0911 - one return per JSON type
        """A valid value for one JSON schema."""
        if "x-references" in schema:
            return self.reference(schema["x-references"])
        if "$ref" in schema:
            return self.value(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [option for option in schema[key] if option.get("type") != "null"]
                return self.value(options[0])
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            return {name: self.value(prop) for name, prop in schema.get("properties", {}).items()}
        if kind == "array":
            return [self.value(schema["items"]) for _ in range(schema.get("minItems", 0))]
        if kind == "integer":
            return max(schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1, 1)
        if kind == "number":
            return float(max(schema.get("minimum", 1), 1))
        if kind == "boolean":
            return True
        return self.text(schema)

    @staticmethod
    def text(schema: dict[str, Any]) -> str:
        """A string that fits the schema's format and length bounds."""
        formats = {
            "email": f"walk-{uuid.uuid4().hex[:8]}@example.com",
            "date": "2024-01-02",
            "date-time": "2024-01-02T03:04:05Z",
            "time": "03:04:05",
            "uuid": str(uuid.uuid4()),
            "uri": "https://example.com/walk",
        }
        if schema.get("format") in formats:
            return formats[str(schema["format"])]
        if "pattern" in schema or "format" in schema:
            pytest.fail(f"the walk cannot build a value for {schema}; extend ExampleMaker.text")
        length: int = max(min(schema.get("maxLength", 4), 4), schema.get("minLength", 1))
        return "w" * length


class RecordMaker:
    """Creates, as one account, the records a path template needs: `/a/{a_id}/b/{b_id}` POSTs /a, then /a/1/b."""

    def __init__(self, client: TestClient, operations: list[Operation], examples: ExampleMaker) -> None:
        self.client = client
        self.creators = {op.path: op for op in operations if op.method == "POST"}
        self.examples = examples
        self.created: dict[str, int | str] = {}  # concrete collection path -> the id of the record made there
        # table -> the path template of its collection, from the routes named `list_<table>`
        assert isinstance(client.app, FastAPI)
        self.collections = {
            name.removeprefix("list_"): normalized(path)
            for path, name in ((getattr(r, "path", ""), getattr(r, "name", "")) for r in all_routes(client.app))
            if name.startswith("list_")
        }

    def reference(self, table: str, headers: AuthHeaders) -> int:
        """The id of a record of `table` the account owns (made, with whatever it refers to, on first use)."""
        if table not in self.collections:
            pytest.fail(f"no route named list_{table} to find the records {table} refers to; teach the walk")
        item = self.collections[table] + "/{id}"
        return int(self.concrete_path(item, headers).rsplit("/", 1)[1])

    def concrete_path(self, template: str, headers: AuthHeaders) -> str:
        """The template with every parameter replaced by the id of a record the account owns."""
        path = ""
        for segment in template.strip("/").split("/"):
            if segment.startswith("{"):
                path = f"{path}/{self._record_in(path, template, headers)}"
            else:
                path = f"{path}/{segment}"
        return path

    def _record_in(self, collection: str, template: str, headers: AuthHeaders) -> int | str:
        if collection not in self.created:
            creator = self.creators.get(_template_of(collection, self.creators))
            if creator is None:
                pytest.fail(f"{template}: no POST {collection} to create the record it acts on; teach the walk")
            body = self.examples.body(creator, lambda table: self.reference(table, headers))
            response = self.client.post(collection, json=body, headers=headers)
            assert response.status_code == 201, f"POST {collection}: {response.status_code} {response.text}"
            self.created[collection] = response.json()["id"]
        return self.created[collection]


def _template_of(concrete: str, templates: dict[str, Operation]) -> str:
    """The path template matching a concrete collection path (ids in place of parameters)."""
    parts = concrete.strip("/").split("/")
    for template in templates:
        pieces = template.strip("/").split("/")
        if len(pieces) == len(parts) and all(p == c or p.startswith("{") for p, c in zip(pieces, parts, strict=True)):
            return template
    return concrete


def _record_path(concrete: str) -> str:
    """The path of the record an operation acts on: up to and including the last id."""
    parts = concrete.split("/")
    last_id = max(i for i, part in enumerate(parts) if part.isdigit() or _looks_like_id(part))
    return "/".join(parts[: last_id + 1])


def _looks_like_id(part: str) -> bool:
    try:
        uuid.UUID(part)
    except ValueError:
        return False
    return True


def call(client: TestClient, method: str, path: str, headers: AuthHeaders, body: Any) -> Any:
    """Send one request; the body goes as JSON when there is one."""
    if body is None:
        return client.request(method, path, headers=headers)
    return client.request(method, path, headers=headers, json=body)


def normalized(path: str) -> str:
    """A route's path as the API schema writes it: `/notes/{note_id}`, not `/notes/{note_id:int}`."""
    return re.sub(r"{(\w+):\w+}", r"{\1}", path)


def page_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every page the app serves: a route outside the API schema, from a module of pages."""
    documented = set(app.openapi()["paths"])
    pages = {
        (method, normalized(path))
        for path, module, methods in served_routes(app)
        if normalized(path) not in documented
        and any(module == owner or module.startswith(f"{owner}.") for owner in HIDDEN_ROUTE_MODULES)
        for method in methods
    }
    return sorted(pages)


def record_ids(payload: Any) -> set[Any]:
    """The ids of the records in a list response (a page, or a plain list; nothing in anything else)."""
    items = payload.get("items", []) if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        return set()
    return {item["id"] for item in items if isinstance(item, dict) and "id" in item}


def test_public_operations_exist(app: FastAPI) -> None:
    documented = {(op.method, op.path) for op in api_operations(app)}
    assert documented >= PUBLIC_OPERATIONS, f"stale entries: {PUBLIC_OPERATIONS - documented}"
    assert set(page_routes(app)) >= PUBLIC_PAGES, f"stale entries: {PUBLIC_PAGES - set(page_routes(app))}"


def test_every_route_outside_the_schema_is_known(app: FastAPI) -> None:
    documented = set(app.openapi()["paths"])
    unknown = sorted(
        normalized(path)
        for path, module, _methods in served_routes(app)
        if normalized(path) not in documented
        and path not in HIDDEN_ROUTES
        and not any(module == owner or module.startswith(f"{owner}.") for owner in HIDDEN_ROUTE_MODULES)
    )
    assert not unknown, f"routes hidden from the API schema that the walk cannot classify: {unknown}"


def test_protected_operations_refuse_missing_and_forged_tokens(client: TestClient, app: FastAPI) -> None:
    examples = ExampleMaker(app.openapi())
    walked = 0
    for op in api_operations(app):
        if (op.method, op.path) in PUBLIC_OPERATIONS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", op.path)  # any id will do: the token is checked first
        for headers in ({}, {"Authorization": "Bearer forged-token"}):
            response = call(client, op.method, path, headers, examples.body(op, lambda _table: 1))
            assert response.status_code == 401, f"{op.method} {op.path} with {headers or 'no token'}: {response.text}"
        walked += 1
    assert walked > 0


def test_another_accounts_records_are_404_and_unchanged(client: TestClient, app: FastAPI, log_in_as: LogInAs) -> None:
    owner, stranger = log_in_as("owner@example.com"), log_in_as("stranger@example.com")
    walked = PUBLIC_OPERATIONS | SESSION_ROUTES
    operations = [op for op in api_operations(app) if (op.method, op.path) not in walked]
    examples = ExampleMaker(app.openapi())
    records = RecordMaker(client, operations, examples)
    on_records = [(op, records.concrete_path(op.path, owner)) for op in operations if op.has_path_parameters]
    assert on_records, "no operation on a record was found: is the walk still reading the schema?"
    before = {path: client.get(path, headers=owner) for path in {_record_path(p) for _, p in on_records}}
    for path, response in before.items():
        assert response.status_code == 200, f"the owner cannot read {path} back: {response.status_code}"
    owners_ids = {response.json()["id"] for response in before.values()}

    for op, path in on_records:
        response = call(client, op.method, path, stranger, examples.body(op, lambda _table: MISSING_ID))
        assert response.status_code == 404, f"{op.method} {path} as another account: {response.status_code}"

    for path, response in before.items():
        assert client.get(path, headers=owner).json() == response.json(), f"{path} changed under another account"
    lists = [op.path for op in operations if op.method == "GET" and not op.has_path_parameters]
    for collection in [*lists, *records.created]:  # top-level lists, and the lists inside the owner's records
        if collection in records.created and "{" not in _template_of(collection, records.creators):
            continue  # a top-level collection: already in `lists`
        shown = record_ids(client.get(collection, headers=stranger).json())
        assert not shown & owners_ids, f"GET {collection} shows another account's records {shown & owners_ids}"


def _page_session(app: FastAPI, headers: AuthHeaders) -> TestClient:
    """A browser signed in as the account whose bearer token is in `headers` (the session cookie holds it)."""
    browser = TestClient(app, follow_redirects=False)
    browser.cookies.set("session", headers["Authorization"].removeprefix("Bearer "))
    return browser


def _form_fields(browser: TestClient, body: dict[str, Any] | None = None) -> dict[str, str]:
    """A valid CSRF token and the fields of a JSON body, as a browser would post them in a form."""
    # A new browser in the same session (if any) gets its CSRF cookie, and the session's token, from the
    # first page it is shown (the log-in page sends a signed-in visitor on to theirs).
    session = browser.cookies.get("session")
    fresh = TestClient(browser.app, cookies={"session": session} if session else None)
    match = CSRF_FIELD.search(fresh.get("/login").text)
    assert match is not None, "the first page of a signed-in visitor has no CSRF field"
    browser.cookies.delete("csrf")
    browser.cookies.set("csrf", fresh.cookies["csrf"])
    fields = {
        name: str(value).lower() if isinstance(value, bool) else str(value) for name, value in (body or {}).items()
    }
    return {"csrf_token": match.group(1), **fields}


def test_every_page_sends_strangers_to_log_in(app: FastAPI) -> None:
    visitor = TestClient(app, follow_redirects=False)
    walked = 0
    for method, path in page_routes(app):
        if (method, path) in PUBLIC_PAGES or path.startswith("/static"):
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        data = _form_fields(visitor) if method == "POST" else None
        response = visitor.request(method, concrete, data=data)
        assert response.status_code == 303, f"{method} {path} without a session: {response.status_code}"
        assert response.headers["location"] == "/login", f"{method} {path} sends a visitor elsewhere"
        walked += 1
    assert walked > 0


def test_another_accounts_pages_are_404_and_leave_the_record_unchanged(
    client: TestClient, app: FastAPI, log_in_as: LogInAs
) -> None:
    owner, stranger = log_in_as("owner@example.com"), log_in_as("stranger@example.com")
    operations = [op for op in api_operations(app) if (op.method, op.path) not in PUBLIC_OPERATIONS]
    examples = ExampleMaker(app.openapi())
    records = RecordMaker(client, operations, examples)
    browser = _page_session(app, stranger)
    record_pages = [route for route in page_routes(app) if "{" in route[1] and route not in SESSION_ROUTES]
    assert record_pages, "no page of a record was found: is the walk still reading the routes?"
    for method, path in record_pages:
        # The page of a record is the API's path of that record without `/api`: /notes/{id}/edit, /api/notes/{id}.
        api_record = "/api" + path[: path.rindex("}") + 1]
        api_path = records.concrete_path(api_record, owner)
        before = client.get(api_path, headers=owner)
        assert before.status_code == 200, f"{path}: no API record at {api_record} to walk it with"
        creator = records.creators.get(api_record.rsplit("/", 1)[0])
        body = examples.body(creator, lambda _table: MISSING_ID) if creator is not None else None
        data = _form_fields(browser, body) if method == "POST" else None
        response = browser.request(method, path.replace(api_record[4:], api_path[4:]), data=data)
        assert response.status_code == 404, f"{method} {path} as another account: {response.status_code}"
        assert client.get(api_path, headers=owner).json() == before.json(), f"{method} {path} changed the record"

    owners_records = {(collection[4:], record_id) for collection, record_id in records.created.items()}
    for method, path in page_routes(app):
        if method != "GET" or "{" in path or (method, path) in PUBLIC_PAGES or path.startswith("/static"):
            continue
        html = browser.get(path).text
        for collection, record_id in owners_records:
            assert f"{collection}/{record_id}/" not in html, f"GET {path} links another account's record"


def _without_ids(text: str, *ids: int) -> str:
    """An answer with the given ids blanked out, to compare answers about two different ids."""
    for record_id in ids:
        text = re.sub(rf"\b{record_id}\b", "ID", text)
    return text


def test_a_reference_to_another_accounts_record_answers_as_a_missing_one(
    client: TestClient, app: FastAPI, log_in_as: LogInAs
) -> None:
    owner, stranger = log_in_as("owner@example.com"), log_in_as("stranger@example.com")
    operations = [op for op in api_operations(app) if (op.method, op.path) not in PUBLIC_OPERATIONS]
    examples = ExampleMaker(app.openapi())
    mine, theirs = RecordMaker(client, operations, examples), RecordMaker(client, operations, examples)
    walked: set[tuple[str, str]] = set()
    for op in operations:
        for field, table in examples.references(op).items():
            path = mine.concrete_path(op.path, owner)
            body = examples.body(op, lambda table: mine.reference(table, owner))
            stranger_id = theirs.reference(table, stranger)
            collection = path if op.method == "POST" else path.rsplit("/", 1)[0]
            before = client.get(collection, headers=owner).json()
            answers = [
                call(client, op.method, path, owner, {**body, field: record_id})
                for record_id in (stranger_id, MISSING_ID)
            ]
            where = f"{op.method} {op.path} with {field} of another account"
            assert answers[0].status_code == answers[1].status_code == 422, f"{where}: {answers[0].status_code}"
            texts = [_without_ids(answer.text, stranger_id, MISSING_ID) for answer in answers]
            assert texts[0].replace(answers[0].headers["x-request-id"], "") == texts[1].replace(
                answers[1].headers["x-request-id"], ""
            ), where
            assert client.get(collection, headers=owner).json() == before, f"{where} wrote something"
            walked.add((table, field))
    declared = {(table, field) for op in operations for field, table in examples.references(op).items()}
    assert walked == declared


def test_a_form_with_another_accounts_reference_answers_as_a_missing_one(
    client: TestClient, app: FastAPI, log_in_as: LogInAs
) -> None:
    owner, stranger = log_in_as("owner@example.com"), log_in_as("stranger@example.com")
    operations = [op for op in api_operations(app) if (op.method, op.path) not in PUBLIC_OPERATIONS]
    by_route = {(op.method, op.path): op for op in operations}
    examples = ExampleMaker(app.openapi())
    mine, theirs = RecordMaker(client, operations, examples), RecordMaker(client, operations, examples)
    browser = _page_session(app, owner)
    for method, page in page_routes(app):
        # A form that writes a record posts to the API's path without /api: a new record to the list, a change to /edit.
        api = ("POST", f"/api{page}") if not page.endswith("/edit") else ("PATCH", f"/api{page.removesuffix('/edit')}")
        if method != "POST" or api not in by_route:
            continue
        op = by_route[api]
        for field, table in examples.references(op).items():
            api_path = mine.concrete_path(op.path, owner)
            collection = api_path if op.method == "POST" else api_path.rsplit("/", 1)[0]
            before = client.get(collection, headers=owner).json()
            form = _form_fields(browser, examples.body(op, lambda table: mine.reference(table, owner)))
            stranger_id = theirs.reference(table, stranger)
            url = api_path.removeprefix("/api") + ("/edit" if page.endswith("/edit") else "")
            answers = [
                browser.post(url, data={**form, field: str(record_id)}) for record_id in (stranger_id, MISSING_ID)
            ]
            where = f"POST {page} with {field} of another account"
            assert answers[0].status_code == answers[1].status_code == 422, f"{where}: {answers[0].status_code}"
            texts = [_without_ids(answer.text, stranger_id, MISSING_ID) for answer in answers]
            assert texts[0] == texts[1], where
            assert client.get(collection, headers=owner).json() == before, f"{where} wrote something"
