"""No two routes answer the same request, so none can shadow another whatever order modules load in.

A static path (`/invoices/overdue`) next to a parameterised one (`/invoices/{invoice_id}`) is safe
only when the parameter cannot take that value: ids are written `{invoice_id:int}`, which
`overdue` is not. A route added later is checked without an edit.
"""

import re
from itertools import combinations

from fastapi import FastAPI
from starlette.routing import compile_path

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
