"""The pages in a real headless browser: styles load under the Content-Security-Policy, keyboard and forms work.

Optional: it runs when Playwright and a Chromium are installed, and is skipped (saying how) otherwise.
    make install EXTRAS="dev browser"      then either
    playwright install chromium            (Playwright's own build) or
    CHROMIUM_PATH=/usr/bin/chromium        (a system Chromium, e.g. Debian's `apt-get install chromium`)
"""

import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.fakes import FakeEmailSender, FakeJobQueue
from tests.live_server import serve

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HOW_TO_ENABLE = 'make install EXTRAS="dev browser", then `playwright install chromium` or set CHROMIUM_PATH'


def chromium_path() -> str | None:
    """A system Chromium, if there is one; None lets Playwright use the browser it installed itself."""
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    return next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)


@pytest.fixture
def live_url(app: FastAPI) -> Iterator[str]:
    """Serve the test app on a free local port (a browser needs a real socket, not the TestClient)."""
    with serve(app) as url:
        yield url


@pytest.fixture
def page() -> Iterator[Any]:
    """A fresh browser tab; skipped with instructions when Playwright or a browser is missing."""
    sync_api = pytest.importorskip("playwright.sync_api", reason=f"Playwright is not installed: {HOW_TO_ENABLE}")
    with sync_api.sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        except sync_api.Error as error:
            pytest.skip(f"no Chromium could be started ({str(error).splitlines()[0]}): {HOW_TO_ENABLE}")
        try:
            yield browser.new_page()
        finally:
            browser.close()


def test_sign_up_write_delete_and_log_out_in_a_browser(page: Any, live_url: str) -> None:
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(f"{live_url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    # The stylesheet applied: a Content-Security-Policy that blocked it would leave the page unstyled.
    assert page.evaluate("getComputedStyle(document.documentElement).backgroundColor") == "rgb(243, 244, 246)"

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_url}/notes")

    for title in ("First note", "Second note"):
        page.get_by_label("Title").fill(title)
        page.get_by_label("Body").fill(f"What {title.lower()} says.")
        page.get_by_role("button", name="Add note").click()
        page.wait_for_url(f"{live_url}/notes")
    assert page.locator("li.record h3").all_inner_texts() == ["Second note", "First note"]

    page.locator("li.record").first.get_by_role("button", name="Delete").click()
    page.wait_for_url(f"{live_url}/notes")
    assert page.locator("li.record h3").all_inner_texts() == ["First note"]

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_url}/login")
    assert [line for line in console if "Content Security Policy" in line] == []


def test_change_a_password_then_reset_it_from_the_e_mailed_link_in_a_browser(
    page: Any, live_url: str, app: FastAPI, job_queue: FakeJobQueue, outbox: FakeEmailSender
) -> None:
    page.goto(f"{live_url}/signup")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(f"{live_url}/notes")

    page.get_by_role("link", name="ada@example.com").click()
    page.wait_for_url(f"{live_url}/account")
    page.get_by_label("Current password").fill("correct horse battery")
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url(f"{live_url}/account?done=password")
    assert page.get_by_role("status").inner_text().startswith("Your password is changed.")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_url}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(f"{live_url}/forgot-password?sent=1")

    app.state.container.accounts.send_password_reset(job_queue.password_resets[-1])  # what the worker does
    link = re.search(r"/reset-password\?token=\S+", outbox.sent[-1].body)
    assert link is not None
    page.goto(live_url + link.group(0))
    page.get_by_label("New password").fill("the passphrase after")
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(f"{live_url}/login?reset=done")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("the passphrase after")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_url}/notes")
