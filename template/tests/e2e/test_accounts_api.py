"""Sign-up, log-in, log-out and the current account, over HTTP."""

import argon2
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import LogInAs, account_records
from tests.fakes import FakeJobQueue

CREDENTIALS = {"email": "ada@example.com", "password": "correct horse battery"}


def test_sign_up_answers_201_and_enqueues_the_welcome_email(client: TestClient, job_queue: FakeJobQueue) -> None:
    response = client.post("/api/accounts", json=CREDENTIALS)
    assert response.status_code == 201
    body = response.json()
    assert body["email"] == "ada@example.com"
    assert "password" not in response.text
    assert "password_hash" not in body
    assert job_queue.welcome_emails == [body["id"]]


def test_passwords_are_hashed_at_the_configured_argon2_cost(client: TestClient, app: FastAPI) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    container = app.state.container
    with account_records(container)(read_only=True) as uow:
        account = uow.repository.get_by_email(CREDENTIALS["email"])
    assert account is not None
    parameters = argon2.extract_parameters(account.password_hash)
    cost = (container.settings.password_hash_time_cost, container.settings.password_hash_memory_cost)
    assert (parameters.time_cost, parameters.memory_cost) == cost


def test_signing_up_twice_is_a_409_problem(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    response = client.post("/api/accounts", json={**CREDENTIALS, "email": "ADA@example.com"})
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 409


def test_a_malformed_sign_up_is_a_422_problem_with_the_fields(client: TestClient) -> None:
    response = client.post("/api/accounts", json={"email": "not-an-address", "password": "short"})
    assert response.status_code == 422
    problem = response.json()
    assert {tuple(error["loc"]) for error in problem["errors"]} == {("body", "email"), ("body", "password")}
    assert problem["request_id"] == response.headers["x-request-id"]


def test_log_in_then_read_me_then_log_out(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    response = client.post("/api/sessions", json=CREDENTIALS)
    assert response.status_code == 201
    session = response.json()
    assert session["token_type"] == "bearer"
    headers = {"Authorization": f"Bearer {session['access_token']}"}

    me = client.get("/api/accounts/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["email"] == "ada@example.com"

    assert client.delete("/api/sessions/current", headers=headers).status_code == 204
    assert client.get("/api/accounts/me", headers=headers).status_code == 401


def test_a_wrong_password_is_a_401_with_a_bearer_challenge(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    response = client.post("/api/sessions", json={**CREDENTIALS, "password": "wrong password"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_me_without_or_with_a_bad_token_is_401(client: TestClient) -> None:
    assert client.get("/api/accounts/me").status_code == 401
    assert client.get("/api/accounts/me", headers={"Authorization": "Bearer forged"}).status_code == 401
    assert client.delete("/api/sessions/current").status_code == 401


def test_each_log_in_gets_its_own_token(client: TestClient, log_in_as: LogInAs) -> None:
    first = log_in_as("ada@example.com")
    second = client.post("/api/sessions", json=CREDENTIALS).json()["access_token"]
    client.delete("/api/sessions/current", headers=first)
    assert client.get("/api/accounts/me", headers={"Authorization": f"Bearer {second}"}).status_code == 200
