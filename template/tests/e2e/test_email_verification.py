"""Verifying an e-mail address and moving to a new one, over the API and the pages, with links from the outbox."""

import re
from dataclasses import replace

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import AuthHeaders
from tests.e2e.test_pages import PASSWORD, post_form, sign_up
from tests.fakes import FakeEmailSender, FakeJobQueue

ADA = {"email": "ada@example.com", "password": PASSWORD}


def deliver_verification_link(app: FastAPI, job_queue: FakeJobQueue, outbox: FakeEmailSender) -> str:
    """Run the last verification job enqueued, as the worker would; the path of the link it e-mailed."""
    app.state.container.accounts.send_email_verification(*job_queue.email_verifications[-1])
    return link_in(outbox)


def deliver_welcome_link(app: FastAPI, job_queue: FakeJobQueue, outbox: FakeEmailSender) -> str:
    """Run the last welcome job enqueued; the path of the verification link the welcome e-mail carries."""
    app.state.container.accounts.send_welcome_email(job_queue.welcome_emails[-1])
    return link_in(outbox)


def link_in(outbox: FakeEmailSender) -> str:
    """The path of the verification link in the last e-mail sent."""
    found = re.search(r"http://localhost:8000(/verify-email\?token=\S+)", outbox.sent[-1].body)
    assert found is not None, outbox.sent[-1].body
    return found.group(1)


def signed_up_and_logged_in(client: TestClient) -> AuthHeaders:
    """Sign ada up over the API and log her in."""
    assert client.post("/api/accounts", json=ADA).status_code == 201
    response = client.post("/api/sessions", json=ADA)
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_link_from_sign_up_verifies_the_address_once(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    session = signed_up_and_logged_in(client)
    assert client.get("/api/accounts/me", headers=session).json()["email_verified_at"] is None
    link = deliver_welcome_link(app, job_queue, outbox)
    assert (outbox.sent[-1].to, outbox.sent[-1].subject) == ("ada@example.com", "Welcome!")
    token = link.partition("token=")[2]

    assert client.post("/api/accounts/email-verification", json={"token": token}).status_code == 204
    assert client.get("/api/accounts/me", headers=session).json()["email_verified_at"] is not None
    again = client.post("/api/accounts/email-verification", json={"token": token})
    assert again.status_code == 422
    assert "used already or expired" in again.json()["detail"]
    assert client.post("/api/accounts/me/verification", headers=session).status_code == 409


def test_the_export_needs_a_verified_address(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    session = signed_up_and_logged_in(client)
    right = {"current_password": PASSWORD}
    refused = client.post("/api/accounts/me/export", json=right, headers=session)
    assert refused.status_code == 403
    assert "Verify your e-mail address first" in refused.json()["detail"]
    assert client.get("/api/accounts/me", headers=session).status_code == 200  # everything else is open

    asked = client.post("/api/accounts/me/verification", headers=session)
    assert asked.status_code == 202
    token = deliver_verification_link(app, job_queue, outbox).partition("token=")[2]
    assert client.post("/api/accounts/email-verification", json={"token": token}).status_code == 204
    assert client.post("/api/accounts/me/export", json=right, headers=session).status_code == 200


def test_changing_the_address_moves_the_account_when_the_new_address_follows_the_link(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    session = signed_up_and_logged_in(client)
    wrong = {"current_password": "not the password", "new_email": "ada@new.example.com"}
    assert client.put("/api/accounts/me/email", json=wrong, headers=session).status_code == 422
    assert client.post("/api/accounts", json={**ADA, "email": "bob@example.com"}).status_code == 201
    taken = {"current_password": PASSWORD, "new_email": "Bob@example.com"}
    assert client.put("/api/accounts/me/email", json=taken, headers=session).status_code == 409

    change = {"current_password": PASSWORD, "new_email": "ada@new.example.com"}
    assert client.put("/api/accounts/me/email", json=change, headers=session).status_code == 202
    assert client.get("/api/accounts/me", headers=session).json()["email"] == "ada@example.com"
    token = deliver_verification_link(app, job_queue, outbox).partition("token=")[2]
    assert outbox.sent[-1].to == "ada@new.example.com"
    assert client.post("/api/accounts/email-verification", json={"token": token}).status_code == 204

    me = client.get("/api/accounts/me", headers=session).json()
    assert me["email"] == "ada@new.example.com"
    assert me["email_verified_at"] is not None
    assert job_queue.email_changed_notices == [(me["id"], "ada@example.com")]
    app.state.container.accounts.send_email_changed_notice(*job_queue.email_changed_notices[0])
    assert outbox.sent[-1].to == "ada@example.com"
    assert client.post("/api/sessions", json=ADA).status_code == 401
    assert client.post("/api/sessions", json={**ADA, "email": "ada@new.example.com"}).status_code == 201


def test_a_new_address_taken_before_its_link_is_followed_is_a_conflict(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    session = signed_up_and_logged_in(client)
    change = {"current_password": PASSWORD, "new_email": "ada@new.example.com"}
    assert client.put("/api/accounts/me/email", json=change, headers=session).status_code == 202
    token = deliver_verification_link(app, job_queue, outbox).partition("token=")[2]
    assert client.post("/api/accounts", json={**ADA, "email": "ada@new.example.com"}).status_code == 201
    assert client.post("/api/accounts/email-verification", json={"token": token}).status_code == 409
    assert client.get("/api/accounts/me", headers=session).json()["email"] == "ada@example.com"


def test_the_pages_verify_and_change_the_address(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    sign_up(client)
    page = client.get("/account")
    assert "not verified yet" in page.text
    assert "Download your data" not in page.text
    assert post_form(client, "/account", "/account/export", export_password=PASSWORD).status_code == 403

    asked = post_form(client, "/account", "/account/verification")
    assert asked.headers["location"] == "/account?done=verification"
    link = deliver_verification_link(app, job_queue, outbox)
    visitor = TestClient(app)  # the link works in any browser, signed in or not
    followed = visitor.get(link)
    assert followed.status_code == 200
    assert "is verified" in followed.text
    used = visitor.get(link)
    assert used.status_code == 422
    assert "used already or expired" in used.text
    assert "(verified)" in client.get("/account").text
    assert post_form(client, "/account", "/account/export", export_password=PASSWORD).status_code == 200

    wrong = post_form(client, "/account", "/account/email", new_email="ada@new.example.com", email_password="no")
    assert wrong.status_code == 422
    assert "The current password is wrong." in wrong.text
    moved = post_form(client, "/account", "/account/email", new_email="ada@new.example.com", email_password=PASSWORD)
    assert moved.headers["location"] == "/account?done=email"
    assert client.get(deliver_verification_link(app, job_queue, outbox)).status_code == 200
    assert "ada@new.example.com" in client.get("/account").text
    assert len(job_queue.email_changed_notices) == 1


def test_with_verified_email_required_an_unverified_account_reaches_no_resource(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    container = app.state.container
    strict = container.settings.model_copy(update={"verified_email_required": True})
    app.state.container = replace(container, settings=strict)
    session = signed_up_and_logged_in(client)
    note = {"title": "Call Bob", "body": "About the invoice"}

    refused = client.post("/api/notes", json=note, headers=session)
    assert refused.status_code == 403
    assert "Verify your e-mail address first" in refused.json()["detail"]
    assert client.get("/api/notes", headers=session).status_code == 403
    assert client.get("/api/accounts/me", headers=session).status_code == 200  # the account stays its own
    token = deliver_welcome_link(app, job_queue, outbox).partition("token=")[2]
    assert client.post("/api/accounts/email-verification", json={"token": token}).status_code == 204
    assert client.post("/api/notes", json=note, headers=session).status_code == 201

    pages = TestClient(app)
    sign_up(pages, "grace@example.com")
    assert pages.get("/notes").status_code == 403
    assert pages.get("/account").status_code == 200
