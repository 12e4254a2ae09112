"""The account's sessions over HTTP and on its page: listed with their client, ended one by one or all but this one."""

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.e2e.test_pages import PASSWORD, post_form, sign_up

CREDENTIALS = {"email": "ada@example.com", "password": PASSWORD}


def log_in(client: TestClient, user_agent: str) -> dict[str, str]:
    """Log ada in from `user_agent`; the headers of the new session."""
    response = client.post("/api/sessions", json=CREDENTIALS, headers={"User-Agent": user_agent})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def test_the_owner_sees_each_session_with_its_client_and_ends_one(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    laptop, phone = log_in(client, "Firefox on a laptop"), log_in(client, "Safari on a phone")
    listed = client.get("/api/sessions", headers=laptop).json()
    assert [(s["client"], s["current"]) for s in listed] == [
        ("Safari on a phone", False),
        ("Firefox on a laptop", True),
    ]
    assert "token" not in str(listed)
    phone_id = listed[0]["id"]
    assert client.delete(f"/api/sessions/{phone_id}", headers=laptop).status_code == 204
    assert client.get("/api/accounts/me", headers=phone).status_code == 401
    assert client.delete(f"/api/sessions/{phone_id}", headers=laptop).status_code == 404


def test_ending_the_other_sessions_keeps_this_one(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    this, others = log_in(client, "this"), [log_in(client, "other") for _ in range(2)]
    assert client.delete("/api/sessions/others", headers=this).status_code == 204
    assert [client.get("/api/accounts/me", headers=h).status_code for h in [this, *others]] == [200, 401, 401]
    assert [s["client"] for s in client.get("/api/sessions", headers=this).json()] == ["this"]


def test_another_accounts_session_is_a_404_and_stays(client: TestClient) -> None:
    client.post("/api/accounts", json=CREDENTIALS)
    adas = log_in(client, "ada's")
    client.post("/api/accounts", json={**CREDENTIALS, "email": "bob@example.com"})
    bobs = client.post("/api/sessions", json={**CREDENTIALS, "email": "bob@example.com"}).json()["access_token"]
    ada_session = client.get("/api/sessions", headers=adas).json()[0]["id"]
    refused = client.delete(f"/api/sessions/{ada_session}", headers={"Authorization": f"Bearer {bobs}"})
    assert refused.status_code == 404
    assert client.get("/api/accounts/me", headers=adas).status_code == 200
    bobs_browser = TestClient(client.app, cookies={"session": bobs})
    assert post_form(bobs_browser, "/account", f"/account/sessions/{ada_session}/end").status_code == 404
    assert client.get("/api/accounts/me", headers=adas).status_code == 200


def test_the_account_page_lists_the_sessions_and_signs_out_the_others(app: FastAPI, client: TestClient) -> None:
    sign_up(client)
    other = TestClient(app, headers={"User-Agent": "Another browser"})
    assert post_form(other, "/login", "/login", **CREDENTIALS).status_code == 303
    page = client.get("/account")
    assert "Another browser" in page.text
    assert "(this browser)" in page.text
    ended = post_form(client, "/account", "/account/sessions/others/end")
    assert ended.headers["location"] == "/account?done=others"
    assert other.get("/account", follow_redirects=False).headers["location"] == "/login"
    assert "Another browser" not in client.get("/account").text


def test_the_account_page_signs_out_one_session(app: FastAPI, client: TestClient) -> None:
    sign_up(client)
    other = TestClient(app, headers={"User-Agent": "Another browser"})
    post_form(other, "/login", "/login", **CREDENTIALS)
    accounts = app.state.container.accounts
    ada = accounts.find_account("ada@example.com")
    other_id = next(s.id for s in accounts.sessions(ada.id, "") if s.client == "Another browser")
    ended = post_form(client, "/account", f"/account/sessions/{other_id}/end")
    assert ended.headers["location"] == "/account?done=session"
    assert "That session is signed out." in client.get("/account?done=session").text
    assert other.get("/account", follow_redirects=False).headers["location"] == "/login"
