"""copier.yml's naming rules (template/.macros/names.jinja, their one copy), as copier runs them.

The macros are rendered in copier's own Jinja environment (sandboxed, with the Ansible filters
copier loads), fast; the end-to-end tests show plain copier and `mvpscaffold new` refusing alike.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from helpers import read_answers, run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def names() -> Any:
    """The macros of template/.macros/names.jinja, as copier.yml imports them."""
    from jinja2 import FileSystemLoader
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(REPO_ROOT)),
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
    )
    return env.get_template("template/.macros/names.jinja").module


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("My App", "my-app"),
        ("Café Ünïcode", "cafe-unicode"),
        ("  --Hello,  World!--  ", "hello-world"),
        ("ÆON Straße Łódź", "aeon-strasse-lodz"),
        ("Ærøskøbing Việt Nam", "aeroskobing-viet-nam"),
        ("Şişli Çay Ğ", "sisli-cay-g"),
        ("東京 App", "app"),
        ("日本", ""),
    ],
)
def test_a_slug_is_the_name_in_ascii(names: Any, name: str, slug: str) -> None:
    assert str(names.slug(name)) == slug


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("shop", "Shop"),
        ("my-shop", "My Shop"),
        ("my_shop", "My Shop"),
        ("pty project", "Pty Project"),
        ("shop.v2", "Shop V2"),
        ("myShop", "MyShop"),
        ("café", "Café"),
        ("123", "My App"),  # no valid slug: the template's own default
        ("json", "My App"),
        ("tests", "My App"),
        ("class", "My App"),
        ("日本", "My App"),
        ("---", "My App"),
        ("very-" * 11, "My App"),
    ],
)
def test_a_project_is_named_after_its_folder_when_that_makes_a_valid_name(
    names: Any, folder: str, name: str
) -> None:
    assert str(names.project_name(folder, "My App")) == name


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("class", "keyword"),
        ("json", "standard library"),
        ("asyncore", "standard library"),  # removed in 3.12: a project may still run on 3.11
        ("fastapi", "depends on"),
        ("sentry_sdk", "depends on"),
        ("tests", "depends on"),
        ("1app", "start with a letter"),
        ("My_App", "start with a letter"),
        ("my-app", "underscores"),
        ("a/b", "path separators"),
        ("..", "path separators"),
        ("a\tb", "control characters"),
        ("", "empty"),
        ("a" * 51, "at most 50"),
    ],
)
def test_package_name_rules(names: Any, value: str, fragment: str) -> None:
    assert fragment in str(names.identifier_problem("package_name", value))


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("my--app", "single dashes"),
        ("-app", "start with a letter"),
        ("app-", "single dashes"),
        ("my_app", "single dashes"),
        ("pydantic-settings", "depends on"),
        ("asyncio", "standard library"),
        ("../evil", "path separators"),
    ],
)
def test_slug_rules(names: Any, value: str, fragment: str) -> None:
    assert fragment in str(names.identifier_problem("project_slug", value))


@pytest.mark.parametrize("value", ["my-app", "a", "shop2", "acme-crm-v2"])
def test_good_slugs_pass(names: Any, value: str) -> None:
    assert str(names.identifier_problem("project_slug", value)) == ""
    assert str(names.identifier_problem("package_name", value.replace("-", "_"))) == ""


@pytest.mark.parametrize("email", ["nope", "a@b", "a b@c.de", "a@b@c.de", 'a"b@c.de', "a\\b@c.de"])
def test_bad_emails(names: Any, email: str) -> None:
    assert "must look like name@example.com" in str(names.email_problem(email))


def test_good_email(names: Any) -> None:
    assert str(names.email_problem("ana@example.co.uk")) == ""


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 201])
def test_bad_project_names(names: Any, name: str) -> None:
    assert str(names.text_problem("project_name", name)) != ""


@pytest.mark.parametrize("name", ['Say "Hi"', "O'Neil & Sons", "C:\\Apps", "x" * 200])
def test_quotes_backslashes_and_200_characters_are_fine_in_free_text(names: Any, name: str) -> None:
    assert str(names.text_problem("project_name", name)) == ""
    assert str(names.text_problem("description", name)) == ""


def test_no_project_may_be_named_after_a_package_its_pyproject_requires(names: Any) -> None:
    """A project named `uv` or `locust` would depend on itself: uv.lock and make install break."""
    pyproject = (REPO_ROOT / "template" / "pyproject.toml.jinja").read_text(encoding="utf-8")
    requirements = pyproject.split("\n[tool.", 1)[0]  # build-system, dependencies and extras
    required = set(re.findall(r'"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?[<>=!~]', requirements))
    assert {"fastapi", "uv", "locust", "hatchling", "playwright", "psycopg"} <= required
    for name in sorted(required):
        slug = name.lower().replace("_", "-")
        assert "depends on" in str(names.identifier_problem("project_slug", slug)), name


BAD_ANSWERS = [  # one of each rule: an identifier, free text, the e-mail address
    ("package_name", "fastapi"),
    ("project_slug", "my--app"),
    ("description", "x" * 201),
    ("author_email", 'a"b@example.com'),
]


@pytest.mark.parametrize(("key", "value"), BAD_ANSWERS)
def test_plain_copier_refuses_what_new_refuses_in_the_same_sentence(
    key: str, value: str, tmp_path: Path
) -> None:
    from copier import run_copy

    refused = run_cli(["new", "app", "--defaults", "--no-git", "--set", f"{key}={value}"], tmp_path)
    assert refused.exit_code == 2, refused.output
    sentence = refused.stderr.strip().removeprefix("Error: ")

    with pytest.raises(ValueError, match="Validation error") as copier_refusal:
        run_copy(str(REPO_ROOT), tmp_path / "plain", data={key: value}, defaults=True, quiet=True,
                 vcs_ref="HEAD")  # fmt: skip
    assert str(copier_refusal.value).endswith(f": {sentence}")
    assert not (tmp_path / "plain").exists()


def test_plain_copier_names_a_project_after_its_folder_as_new_does(tmp_path: Path) -> None:
    from copier import run_copy

    # The names are answers: the answers file is the one file plain copier needs to write.
    run_copy(str(REPO_ROOT), tmp_path / "plain" / "acme-crm", defaults=True, quiet=True,
             vcs_ref="HEAD", exclude=["*", "!.copier-answers.yml"])  # fmt: skip
    made = run_cli(["new", "acme-crm", "--defaults", "--no-git", "-q"], tmp_path)
    assert made.exit_code == 0, made.output
    for project in (tmp_path / "plain" / "acme-crm", tmp_path / "acme-crm"):
        answers = read_answers(project)
        assert (answers["project_name"], answers["package_name"]) == ("Acme Crm", "acme_crm")


def test_pytest_copie_gets_the_same_refusal(copie: Any) -> None:
    result = copie.copy(extra_answers={"package_name": "class"})
    assert "The package name 'class' is a Python keyword" in str(result.exception)
