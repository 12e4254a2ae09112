"""A real browser drives a generated project's pages: sign up, write, page through, delete, log out;
change the password, reset a forgotten one from the e-mailed link, verify the address from the
welcome e-mail's link, delete the account.

Headless Chromium is Debian's `chromium` package driven through Playwright (`.ci/run` installs it;
Playwright's own browser download is never used). Set MVPSCAFFOLD_SCREENSHOTS=1 to refresh
docs/screenshot-notes.png, the picture in our README.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_server import app_env, run_in_app_venv, serve
from conftest import IN_CI, REPO_ROOT

pytestmark = pytest.mark.slow

CHROMIUM = os.environ.get("MVPSCAFFOLD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PAGE_SIZE = 20  # the generated app's DEFAULT_PAGE_SIZE
SCREENSHOT = REPO_ROOT / "docs" / "screenshot-notes.png"

# What a first week of notes looks like; enough of them to need a second page.
SAMPLE_NOTES = [
    ("Ship the sign-up page", "Pages work without JavaScript; forms post, then redirect."),
    ("Call the accountant", "Quarterly VAT return is due on the 7th."),
    ("Ideas for the landing page", "Short headline.\nOne screenshot.\nA single call to action."),
    ("Book flights to Lisbon", "Conference runs Wed to Fri; arrive Tuesday evening."),
    ("Interview notes: Priya", "Keeps lists in three apps. Wants search across all of them."),
    ("Groceries", "Oat milk, lemons, coffee beans, basil."),
    ("Read later", "The architecture chapter on units of work."),
]


def _sync_playwright() -> Any:
    """Playwright's sync API, or a skip (a failure in CI) naming what to install."""
    reason = ""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "playwright is not installed: pip install -e '.[test]'"
    if not reason and not Path(CHROMIUM).exists():
        reason = (
            f"no Chromium at {CHROMIUM}: apt-get install chromium (or set MVPSCAFFOLD_CHROMIUM)"
        )
    if reason:
        if IN_CI:
            pytest.fail(f"{reason}; .ci/run must provide it.")
        pytest.skip(reason)
    return sync_playwright


@pytest.fixture
def running_app(copie: Any, app_venv: Path, tmp_path: Path) -> Iterator[str]:
    """Render the default project, migrate a fresh SQLite database, serve it; yield the URL."""
    result = copie.copy(extra_answers={"project_name": "Notebook"})
    assert result.exception is None, result.exception
    project = Path(result.project_dir)
    # JOBS_IMMEDIATE (set by app_env): the welcome e-mail is sent in-process, no worker to start.
    env = app_env(
        app_venv,
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.sqlite3'}",
        JOBS_SQLITE_PATH=str(tmp_path / "jobs.sqlite3"),
    )
    run_in_app_venv(project, app_venv, env, "alembic", "upgrade", "head")
    # The app prints its e-mails there (EMAIL_BACKEND=console): the test follows their links.
    with serve(project, "notebook", app_venv, env, output=tmp_path / "app-output.txt") as base_url:
        yield base_url


def test_pages_work_in_a_real_browser(running_app: str, tmp_path: Path) -> None:
    sync_playwright = _sync_playwright()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 1100})
            console: list[str] = []
            page.on("console", lambda message: console.append(message.text))
            _walk_through_the_pages(page, running_app, tmp_path)
            _look_after_the_account(page, running_app, tmp_path / "app-output.txt")
            blocked = [line for line in console if "Content Security Policy" in line]
            assert blocked == [], f"the Content-Security-Policy blocked part of a page: {blocked}"
        finally:
            browser.close()


def _walk_through_the_pages(page: Any, base_url: str, tmp_path: Path) -> None:
    page.goto(base_url + "/")
    # The first Tab lands on the skip link, and it shows itself.
    page.keyboard.press("Tab")
    skip_link = page.locator(".skip-link")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert skip_link.bounding_box()["y"] >= 0
    # The stylesheet is applied (a CSP that blocked it would leave the browser's white page).
    assert (
        page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
        == "rgb(243, 244, 246)"
    )

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    assert page.get_by_text("The password must have at least 8 characters.").first.is_visible()
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Sign up").click()
    page.wait_for_url(base_url + "/notes")
    assert page.get_by_text("ada@example.com").is_visible()

    total = PAGE_SIZE + 3
    for number in range(total):
        title, body = SAMPLE_NOTES[(total - 1 - number) % len(SAMPLE_NOTES)]
        page.get_by_label("Title").fill(
            title if number >= total - len(SAMPLE_NOTES) else f"{title} ({number})"
        )
        page.get_by_label("Body").fill(body)
        page.get_by_role("button", name="Add note").click()
        page.wait_for_url(base_url + "/notes")
    notes = page.locator("li.record")
    assert notes.count() == PAGE_SIZE
    assert notes.first.locator("h3").inner_text() == SAMPLE_NOTES[0][0]

    page.get_by_role("link", name="Older notes →").click()
    assert page.locator("li.record").count() == total - PAGE_SIZE
    page.get_by_role("link", name="← Newest notes").click()
    assert page.locator("li.record").count() == PAGE_SIZE

    doomed = page.locator("li.record").first.locator("h3").inner_text()
    page.locator("li.record").first.get_by_role("button", name="Delete").click()
    page.wait_for_url(base_url + "/notes")
    assert page.locator("li.record").first.locator("h3").inner_text() != doomed
    assert doomed not in page.locator("li.record h3").all_inner_texts()

    screenshot = tmp_path / "screenshot-notes.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")
    if os.environ.get("MVPSCAFFOLD_SCREENSHOTS") == "1":
        shutil.copyfile(screenshot, SCREENSHOT)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base_url + "/login")
    page.goto(base_url + "/notes")
    assert page.url == base_url + "/login"


def _look_after_the_account(page: Any, base_url: str, app_output: Path) -> None:
    password, new_password, reset_password = "correct horse battery", "new passphrase", "reset one"
    page.goto(base_url + "/login")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/notes")

    # The welcome e-mail's link verifies the address (before a password change ends every link).
    page.goto(base_url + _last_link(app_output, "/verify-email"))
    verified = page.get_by_role("status").inner_text()
    assert verified == "Your e-mail address ada@example.com is verified."
    page.get_by_role("link", name="Go to your account").click()
    page.wait_for_url(base_url + "/account")
    assert page.get_by_text("(verified)").is_visible()
    page.get_by_label("Current password").fill("not the password")
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Change the password").click()
    assert page.get_by_text("The current password is wrong.").first.is_visible()
    page.get_by_label("Current password").fill(password)
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Change the password").click()
    page.wait_for_url(base_url + "/account?done=password")
    assert page.get_by_role("status").inner_text().startswith("Your password is changed.")
    assert page.get_by_text("(this browser)").is_visible()

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(base_url + "/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url(base_url + "/forgot-password?sent=1")
    link = _last_link(app_output, "/reset-password")
    page.goto(base_url + link)
    page.get_by_label("New password").fill(reset_password)
    page.get_by_role("button", name="Set the password").click()
    page.wait_for_url(base_url + "/login?reset=done")
    page.goto(base_url + link)  # a second use of the link sets nothing
    page.get_by_label("New password").fill("one more passphrase")
    page.get_by_role("button", name="Set the password").click()
    assert page.get_by_text("used already or expired").first.is_visible()

    page.goto(base_url + "/login")
    page.get_by_label("E-mail address").fill("ada@example.com")
    page.get_by_label("Password").fill(reset_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(base_url + "/notes")
    page.get_by_role("link", name="ada@example.com").click()
    page.get_by_label("Your password, to delete the account").fill(reset_password)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(base_url + "/?deleted=1")
    notice = page.get_by_role("status").inner_text()
    assert notice == "Your account and everything it held are deleted."


def _last_link(app_output: Path, path: str) -> str:
    """The last link to `path` the app e-mailed (printed by the console e-mail adapter)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        printed = app_output.read_text(errors="replace")
        links = re.findall(re.escape(path) + r"\?token=[\w-]+", printed)
        if links:
            return str(links[-1])
        time.sleep(0.2)
    raise AssertionError(f"no {path} link in the app's output:\n{app_output.read_text()[-3000:]}")
