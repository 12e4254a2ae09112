"""The pages that change a password and reset a forgotten one, driven like a browser without JavaScript."""

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.test_email_verification import deliver_welcome_link
from tests.e2e.test_pages import PASSWORD, post_form, sign_up
from tests.fakes import FakeEmailSender, FakeJobQueue

NEW_PASSWORD = "a brand new passphrase"


def test_changing_the_password_keeps_this_browser_and_signs_out_the_others(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue
) -> None:
    sign_up(client)
    other = TestClient(app)
    assert post_form(other, "/login", "/login", email="ada@example.com", password=PASSWORD).status_code == 303
    wrong = post_form(client, "/account", "/account/password", current_password="not it", new_password=NEW_PASSWORD)
    assert wrong.status_code == 422
    assert "The current password is wrong." in wrong.text

    changed = post_form(client, "/account", "/account/password", current_password=PASSWORD, new_password=NEW_PASSWORD)
    assert changed.headers["location"] == "/account?done=password"
    page = client.get("/account")
    assert page.status_code == 200
    assert "Every other session is signed out" in page.text
    assert other.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert len(job_queue.password_changed_notices) == 1


def test_a_forgotten_password_is_reset_with_the_link_from_the_outbox(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    sign_up(client)
    visitor = TestClient(app)
    for email in ["ada@example.com", "nobody@example.com"]:
        asked = post_form(visitor, "/forgot-password", "/forgot-password", email=email)
        assert asked.headers["location"] == "/forgot-password?sent=1"  # the same answer for both
    assert "a link to reset its password is on its way" in visitor.get("/forgot-password?sent=1").text

    app.state.container.accounts.send_password_reset(job_queue.password_resets[0])
    app.state.container.accounts.send_password_reset(job_queue.password_resets[1])
    assert [message.to for message in outbox.sent] == ["ada@example.com"]
    link = re.search(r"http://localhost:8000(/reset-password\?token=\S+)", outbox.sent[0].body)
    assert link is not None
    form = visitor.get(link.group(1))
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    assert token is not None

    done = post_form(visitor, link.group(1), "/reset-password", token=token.group(1), password=NEW_PASSWORD)
    assert done.headers["location"] == "/login?reset=done"
    assert "Log in with the new one" in visitor.get("/login?reset=done").text
    assert client.get("/account", follow_redirects=False).headers["location"] == "/login"  # signed out
    again = post_form(visitor, link.group(1), "/reset-password", token=token.group(1), password="another passphrase")
    assert again.status_code == 422
    assert "used already or expired" in again.text
    assert post_form(visitor, "/login", "/login", email="ada@example.com", password=NEW_PASSWORD).status_code == 303


def test_the_account_page_downloads_the_data_and_deletes_the_account(
    app: FastAPI, client: TestClient, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    sign_up(client)
    assert client.get(deliver_welcome_link(app, job_queue, outbox)).status_code == 200
    wrong = post_form(client, "/account", "/account/export", export_password="not it")
    assert wrong.status_code == 422
    download = post_form(client, "/account", "/account/export", export_password=PASSWORD)
    assert download.headers["content-disposition"] == 'attachment; filename="my-data.json"'
    assert download.json()["account"]["email"] == "ada@example.com"

    assert post_form(client, "/account", "/account/delete", delete_password="not it").status_code == 422
    deleted = post_form(client, "/account", "/account/delete", delete_password=PASSWORD)
    assert deleted.headers["location"] == "/?deleted=1"
    assert "everything it held are deleted" in client.get("/?deleted=1").text
    assert post_form(client, "/login", "/login", email="ada@example.com", password=PASSWORD).status_code == 400
