"""Every template source form copier takes works the same in `new`, `check` and `update`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import read_answers, run_cli
from template_repos import V1, V2, isolated_home, make_template_repo, run

from mvpscaffold.templates.source import copier_source, git_url, same_source

__all__ = ["isolated_home"]


def _worktree(repo: Path) -> str:
    return str(repo)


def _bare_path(repo: Path) -> str:
    bare = repo.parent / "fork-bare"  # no .git suffix: copier alone would not read it as git
    run(repo.parent, "git", "clone", "-q", "--bare", str(repo), str(bare))
    return str(bare)


def _file_url(repo: Path) -> str:
    return f"file://{repo}"


def _git_file_url(repo: Path) -> str:
    return f"git+file://{_bare_path(repo)}"


def _bundle(repo: Path) -> str:
    bundle = repo.parent / "fork.bundle"
    run(repo, "git", "bundle", "create", "-q", str(bundle), "--all")
    return str(bundle)


FORMS: dict[str, Callable[[Path], str]] = {
    "worktree": _worktree,
    "bare-path": _bare_path,
    "file-url": _file_url,
    "git-file-url": _git_file_url,
    "bundle": _bundle,
}


@pytest.mark.parametrize("form", list(FORMS))
def test_new_check_and_update_take_the_same_source(
    form: str, tmp_path: Path, isolated_home: Path
) -> None:
    repo = make_template_repo(tmp_path / "fork", {"v1.0.0": V1, "v2.0.0": V2})
    src = FORMS[form](repo)

    made = run_cli(["new", "client", "--template", src, "--ref", "v1.0.0", "--defaults"], tmp_path)
    assert made.exit_code == 0, made.output
    project = tmp_path / "client"
    recorded = read_answers(project)
    assert recorded["_commit"] == "v1.0.0"
    assert same_source(str(recorded["_src_path"]), src)

    checked = run_cli(["check", str(project), "--json"])
    assert checked.exit_code == 1, checked.output
    status = json.loads(checked.stdout)[0]
    assert (status["current"], status["newest"], status["state"]) == ("1.0.0", "2.0.0", "behind")

    updated = run_cli(["update", str(project), "--defaults", "--template", src])
    assert updated.exit_code == 0, updated.output
    assert read_answers(project)["_commit"] == "v2.0.0"
    assert (project / "app" / "health.py").is_file()
    assert run_cli(["check", str(project)]).exit_code == 0


def test_a_plain_folder_is_refused_by_new_in_one_sentence(
    tmp_path: Path, isolated_home: Path
) -> None:
    folder = tmp_path / "plain"
    for name, text in V1.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)

    result = run_cli(["new", "client", "--template", str(folder), "--defaults"], tmp_path)

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "plain folder, not a git repository" in result.stderr
    assert "git tag 1.0.0" in result.stderr
    assert not (tmp_path / "client").exists()


@pytest.mark.parametrize(
    ("src", "url"),
    [
        ("gh:acme/template", "https://github.com/acme/template.git"),
        ("gh:/acme/template.git", "https://github.com/acme/template.git"),
        ("gl:acme/template", "https://gitlab.com/acme/template.git"),
        ("git+https://git.acme.example/template", "https://git.acme.example/template"),
        ("git+file:///srv/template", "file:///srv/template"),
        ("git@github.com:acme/template.git", "git@github.com:acme/template.git"),
        ("https://github.com/acme/template", "https://github.com/acme/template"),
    ],
)
def test_remote_forms_name_one_git_url(src: str, url: str) -> None:
    assert git_url(src) == url
    assert copier_source(src) == src  # copier reads each of them back as it is


def test_forms_copier_alone_would_not_read_as_git_get_a_git_prefix(tmp_path: Path) -> None:
    repo = make_template_repo(tmp_path / "fork", {"v1.0.0": V1})
    bare = Path(_bare_path(repo))

    assert copier_source(f"file://{repo}") == f"git+file://{repo}"
    assert copier_source(str(bare)) == f"git+file://{bare}"
    assert copier_source("https://git.acme.example/template") == (
        "git+https://git.acme.example/template"
    )
    assert copier_source(str(repo)) == str(repo)
    assert same_source(f"git+file://{repo}", str(repo))
