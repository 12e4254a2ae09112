"""No two routes answer the same request, so none can shadow another whatever order modules load in;
every GET route answers HEAD too.

A static path (`/invoices/overdue`) next to a parameterised one (`/invoices/{invoice_id}`) is safe
only when the parameter cannot take that value: ids are written `{invoice_id:int}`, which
`overdue` is not. A route added later is checked without an edit.
"""

import re
from itertools import combinations

import anyio
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import compile_path
from starlette.types import Message

from tests.routes import all_routes

PARAMETER = re.compile(r"{\w+(?::(\w+))?}")


def example_path(path: str) -> str:
    """A concrete address the route answers: `1` for an int parameter, `x` for any other."""
    return PARAMETER.sub(lambda found: "1" if found[1] == "int" else "x", path)


def overlap(first: str, second: str) -> bool:
    """Whether one route's path can answer an address of the other's."""
    return any(compile_path(one)[0].match(example_path(other)) for one, other in ((first, second), (second, first)))


def test_no_two_routes_answer_the_same_request(app: FastAPI) -> None:
    routes = [
        (route.path, set(route.methods) - {"HEAD"}) for route in all_routes(app) if getattr(route, "methods", None)
    ]
    clashes = [
        f"{sorted(first_methods & second_methods)} {first} and {second}"
        for (first, first_methods), (second, second_methods) in combinations(routes, 2)
        if first_methods & second_methods and overlap(first, second)
    ]
    assert not clashes, f"routes that answer the same request (write ids as name:int, or rename one): {clashes}"


def test_the_check_sees_a_static_page_behind_a_parameterised_one() -> None:
    assert overlap("/invoices/{invoice_id}", "/invoices/overdue")
    assert overlap("/invoices/overdue", "/invoices/{invoice_id}")
    assert not overlap("/invoices/{invoice_id:int}", "/invoices/overdue")
    assert not overlap("/invoices/{invoice_id:int}/edit", "/invoices/{invoice_id:int}/delete")


def test_every_get_route_answers_head_like_get_without_a_body(client: TestClient, app: FastAPI) -> None:
    # Uptime monitors ask with HEAD; FastAPI's own routes would answer it 405 and the site would look down.
    paths = {example_path(route.path) for route in all_routes(app) if "GET" in (getattr(route, "methods", None) or ())}
    assert {"/healthz", "/readyz", "/", "/login"} <= paths
    for path in sorted(paths):
        got, head = client.get(path, follow_redirects=False), client.head(path, follow_redirects=False)
        assert head.status_code == got.status_code, path
        assert head.headers.get("content-type") == got.headers.get("content-type"), path
    for path in ("/healthz", "/readyz"):
        assert client.head(path).headers["content-length"] == client.get(path).headers["content-length"]
    assert client.post("/healthz").status_code == 405  # only HEAD is answered as GET


def test_a_head_answer_carries_no_body(client: TestClient, app: FastAPI) -> None:
    # The test client drops a HEAD answer's body itself, so this asks the app as a server would.
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "HEAD", "scheme": "http",
        "path": "/login", "raw_path": b"/login", "root_path": "", "query_string": b"",
        "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 50000), "server": ("testserver", 80),
    }  # fmt: skip
    anyio.run(app, scope, receive, send)
    assert sent[0]["status"] == 200
    assert int(dict(sent[0]["headers"])[b"content-length"]) > 0
    assert b"".join(message.get("body", b"") for message in sent[1:]) == b""
