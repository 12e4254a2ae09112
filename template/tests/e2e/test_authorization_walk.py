"""Authorization walk: every route the app serves is either public on purpose or refuses strangers.

The routes come from the app itself (its OpenAPI schema and its route table), so a route added
later is walked without editing this file, and a route the walk cannot classify fails loudly here.
For every protected operation: no token or a forged one is a 401. For every operation on a record
(a path with `{parameters}`): account A creates the record through the collection's POST, account B
tries the operation and gets a 404, and A's record is unchanged afterwards. B's answers never show A's data.
"""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders, LogInAs

# Operations anyone may call. Keep this list short: each entry is a deliberate decision.
PUBLIC_OPERATIONS = {
    ("GET", "/healthz"),  # liveness probe
    ("GET", "/readyz"),  # readiness probe
    ("POST", "/api/accounts"),  # sign-up
    ("POST", "/api/sessions"),  # log-in
}
# Routes served outside the API schema, with the reason they are not walked here: by path...
HIDDEN_ROUTES = {
    "/openapi.json": "the API schema",
    "/docs": "interactive API docs",
    "/docs/oauth2-redirect": "interactive API docs",
    "/redoc": "API reference docs",
    "/metrics": "Prometheus scraping (restrict it at the proxy)",
    "/static": "stylesheets and scripts of the pages",
}
# ...or by the module (inside the package) that serves them.
HIDDEN_ROUTE_MODULES = {
    "web.pages": "server-rendered pages: cookie sessions and CSRF, tested by tests/e2e/test_pages*",
}
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
    """Builds valid values from the OpenAPI schemas; strings carry `marker` so leaks can be spotted."""

    def __init__(self, schema: dict[str, Any], marker: str) -> None:
        self.components = schema.get("components", {}).get("schemas", {})
        self.marker = marker

    def body(self, operation: Operation) -> Any:
        """A valid JSON body for the operation, or None when it takes none."""
        content = operation.spec.get("requestBody", {}).get("content", {})
        if not content:
            return None
        if "application/json" not in content:
            pytest.fail(f"{operation.method} {operation.path}: the walk only knows JSON bodies; extend ExampleMaker")
        return self.value(content["application/json"]["schema"])

    def value(self, schema: dict[str, Any]) -> Any:  # noqa: PLR0911 - one return per JSON type
        """A valid value for one JSON schema."""
        if "$ref" in schema:
            return self.value(self.components[schema["$ref"].rsplit("/", 1)[-1]])
        for key in ("anyOf", "oneOf", "allOf"):
            if key in schema:
                options = [option for option in schema[key] if option.get("type") != "null"]
                return self.value(options[0])
        if "enum" in schema:
            return schema["enum"][0]
        kind = schema.get("type")
        if kind == "object":
            return {name: self.value(prop) for name, prop in schema.get("properties", {}).items()}
        if kind == "array":
            return [self.value(schema["items"]) for _ in range(schema.get("minItems", 0))]
        if kind == "integer":
            return max(schema.get("minimum", 1), 1)
        if kind == "number":
            return float(max(schema.get("minimum", 1), 1))
        if kind == "boolean":
            return True
        return self.text(schema)

    def text(self, schema: dict[str, Any]) -> str:
        """A string that fits the schema's format and length bounds."""
        if schema.get("format") == "email":
            return f"{self.marker}@example.com"
        if schema.get("format") == "date-time":
            return "2024-01-01T00:00:00Z"
        text = self.marker.ljust(schema.get("minLength", 0), "x")
        return text[: schema.get("maxLength", len(text))]


class RecordMaker:
    """Creates, as one account, the records a path template needs: `/a/{a_id}/b/{b_id}` POSTs /a, then /a/1/b."""

    def __init__(self, client: TestClient, operations: list[Operation], examples: ExampleMaker) -> None:
        self.client = client
        self.creators = {op.path: op for op in operations if op.method == "POST"}
        self.examples = examples
        self.created: dict[str, int | str] = {}  # concrete collection path -> the id of the record made there

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
            response = self.client.post(collection, json=self.examples.body(creator), headers=headers)
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


def test_public_operations_exist(app: FastAPI) -> None:
    documented = {(op.method, op.path) for op in api_operations(app)}
    assert documented >= PUBLIC_OPERATIONS, f"stale entries: {PUBLIC_OPERATIONS - documented}"


def served_routes(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(path, serving module inside the package) of every route, looking inside included routers."""
    for route in app.routes:
        # Recent FastAPI versions keep included routers whole in app.routes and expand them lazily.
        expand = getattr(route, "effective_route_contexts", None)
        for served in expand() if expand else [route]:
            module = getattr(getattr(served, "endpoint", None), "__module__", "") or ""
            yield getattr(served, "path", ""), module.partition(".")[2]


def test_every_route_outside_the_schema_is_known(app: FastAPI) -> None:
    documented = set(app.openapi()["paths"])
    unknown = sorted(
        path
        for path, module in served_routes(app)
        if path not in documented
        and path not in HIDDEN_ROUTES
        and not any(module == owner or module.startswith(f"{owner}.") for owner in HIDDEN_ROUTE_MODULES)
    )
    assert not unknown, f"routes hidden from the API schema that the walk cannot classify: {unknown}"


def test_protected_operations_refuse_missing_and_forged_tokens(client: TestClient, app: FastAPI) -> None:
    examples = ExampleMaker(app.openapi(), marker=f"walk-{uuid.uuid4().hex[:8]}")
    walked = 0
    for op in api_operations(app):
        if (op.method, op.path) in PUBLIC_OPERATIONS:
            continue
        path = re.sub(r"\{[^}]+\}", "1", op.path)  # any id will do: the token is checked first
        for headers in ({}, {"Authorization": "Bearer forged-token"}):
            response = call(client, op.method, path, headers, examples.body(op))
            assert response.status_code == 401, f"{op.method} {op.path} with {headers or 'no token'}: {response.text}"
        walked += 1
    assert walked > 0


def test_another_accounts_records_are_404_and_unchanged(client: TestClient, app: FastAPI, log_in_as: LogInAs) -> None:
    owner, stranger = log_in_as("owner@example.com"), log_in_as("stranger@example.com")
    operations = [op for op in api_operations(app) if (op.method, op.path) not in PUBLIC_OPERATIONS]
    owner_examples = ExampleMaker(app.openapi(), marker=f"owner-{uuid.uuid4().hex[:8]}")
    records = RecordMaker(client, operations, owner_examples)
    on_records = [(op, records.concrete_path(op.path, owner)) for op in operations if op.has_path_parameters]
    assert on_records, "no operation on a record was found: is the walk still reading the schema?"
    before = {path: client.get(path, headers=owner) for path in {_record_path(p) for _, p in on_records}}
    for path, response in before.items():
        assert response.status_code == 200, f"the owner cannot read {path} back: {response.status_code}"

    stranger_examples = ExampleMaker(app.openapi(), marker=f"stranger-{uuid.uuid4().hex[:8]}")
    for op, path in on_records:
        response = call(client, op.method, path, stranger, stranger_examples.body(op))
        assert response.status_code == 404, f"{op.method} {path} as another account: {response.status_code}"
        assert owner_examples.marker not in response.text

    for path, response in before.items():
        assert client.get(path, headers=owner).json() == response.json(), f"{path} changed under another account"
    for op in operations:
        if op.method == "GET" and not op.has_path_parameters:
            response = client.get(op.path, headers=stranger)
            assert owner_examples.marker not in response.text, f"GET {op.path} shows another account's data"
