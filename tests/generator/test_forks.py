"""Forks of the template: projects a fork's build makes are never taken for stock mvpscaffold's."""

from __future__ import annotations

import importlib
import importlib.util
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import commit_all, read_answers, run_cli
from template_repos import (
    V1,
    V2,
    bundle_of,
    generate,
    isolated_home,
    make_template_repo,
    run,
    write_tree,
)

import mvpscaffold
from mvpscaffold.errors import ToolError
from mvpscaffold.templates import source

__all__ = ["isolated_home"]
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def as_build_named(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Switch this process to a build whose TEMPLATE_NAME is the given name (stock afterwards)."""

    def switch(name: str, bundle: Path | None = None) -> None:
        monkeypatch.setattr(mvpscaffold, "TEMPLATE_NAME", name)
        importlib.reload(source)
        if bundle is not None:
            monkeypatch.setattr(source, "packaged_bundle", lambda: bundle)

    yield switch
    monkeypatch.undo()
    importlib.reload(source)


def test_a_release_published_again_with_other_content_is_refused(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock = bundle_of({"2.0.0": V1}, tmp_path / "stock.bundle")
    fork = bundle_of({"2.0.0": V2}, tmp_path / "fork.bundle")
    monkeypatch.setattr(source, "packaged_bundle", lambda: stock)
    source.publish_history()
    monkeypatch.setattr(source, "packaged_bundle", lambda: fork)

    with pytest.raises(ToolError, match=r"already holds template 2\.0\.0 with other content"):
        source.publish_history()


def test_a_fork_build_records_its_own_source_and_stock_never_moves_its_projects(
    isolated_home: Path, tmp_path: Path, as_build_named: object
) -> None:
    acme = bundle_of({"1.0.0": V1, "2.0.0": V2}, tmp_path / "acme.bundle")
    as_build_named("acme-scaffold", acme)  # type: ignore[operator]
    src, _ = source.default_template()
    assert src == "~/.cache/acme-scaffold/template.bundle"
    project = generate(src, tmp_path / "client", "1.0.0")
    as_build_named("mvpscaffold")  # type: ignore[operator]

    checked = run_cli(["check", str(project), "--json"])
    status = json.loads(checked.stdout)[0]
    assert (status["template"], status["current"], status["newest"]) == (
        "~/.cache/acme-scaffold/template.bundle",
        "1.0.0",
        "2.0.0",
    )

    moved = run_cli(["update", str(project), "--template", "~/.cache/mvpscaffold/template.bundle"])
    assert moved.exit_code == 2
    assert moved.stderr.count("\n") == 1
    assert "made from the template ~/.cache/acme-scaffold/template.bundle" in moved.stderr
    assert "not ~/.cache/mvpscaffold/template.bundle" in moved.stderr

    updated = run_cli(["update", str(project), "--defaults"])
    assert updated.exit_code == 0, updated.output
    assert read_answers(project)["_commit"] == "2.0.0"
    assert read_answers(project)["_src_path"] == "~/.cache/acme-scaffold/template.bundle"


def test_the_build_refuses_a_renamed_distribution_that_kept_the_template_name(
    tmp_path: Path,
) -> None:
    spec = importlib.util.spec_from_file_location("hatch_build", REPO_ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)

    assert hook.template_name_problem(REPO_ROOT, "mvpscaffold") is None
    problem = hook.template_name_problem(REPO_ROOT, "Acme_Scaffold")
    assert "TEMPLATE_NAME in src/mvpscaffold/__init__.py (now 'mvpscaffold')" in problem
    assert "must both be 'acme-scaffold'" in problem
    fork = tmp_path / "fork"
    (fork / "src" / "mvpscaffold").mkdir(parents=True)
    (fork / "src" / "mvpscaffold" / "__init__.py").write_text('TEMPLATE_NAME = "acme-scaffold"\n')
    (fork / "copier.yml").write_text((REPO_ROOT / "copier.yml").read_text())
    problem = hook.template_name_problem(fork, "acme-scaffold")
    assert "TEMPLATE_NAME in src/mvpscaffold/__init__.py (now 'acme-scaffold')" in problem
    assert "copier.yml's template_id (now 'mvpscaffold') must both be 'acme-scaffold'" in problem
    copier_yml = (
        (fork / "copier.yml")
        .read_text()
        .replace("  default: mvpscaffold\n", "  default: acme-scaffold\n")
    )
    (fork / "copier.yml").write_text(copier_yml)
    assert hook.template_name_problem(fork, "acme-scaffold") is None


def _git(repo: Path, *args: str) -> str:
    return run(repo, "git", "-c", "user.name=Acme", "-c", "user.email=dev@acme.example", *args)


def test_an_agency_forks_tags_presets_pulls_an_upstream_release_and_updates_its_clients(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/FORKS.md, step by step."""
    upstream = make_template_repo(tmp_path / "upstream", {"1.0.0": V1})
    # 1. Fork, make it the agency's own (a question, a file), tag a release after upstream's.
    fork = tmp_path / "fork"
    _git(tmp_path, "clone", "-q", "--no-tags", str(upstream), str(fork))
    _git(fork, "remote", "rename", "origin", "upstream")
    config = (fork / "copier.yml").read_text()
    hosting = "hosting:\n  type: str\n  choices: [fly, render]\n  default: render\n"
    (fork / "copier.yml").write_text(config.replace("template\n", f"template\n{hosting}", 1))
    (fork / "template" / "HOSTING.md.jinja").write_text("Hosted on {{ hosting }}.\n")
    _git(fork, "add", "-A")
    _git(fork, "commit", "-qm", "Acme: hosting")
    _git(fork, "tag", "1.0.0+acme.1")
    served = tmp_path / "acme-template.git"
    _git(tmp_path, "clone", "-q", "--bare", str(fork), str(served))
    url = f"file://{served}"
    # 2. Presets: shared answers for every template, the fork's own in its section.
    presets = tmp_path / "defaults.yml"
    presets.write_text(f"license: Proprietary\n_templates:\n  {url}:\n    hosting: fly\n")
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", str(presets))
    # 3. Two clients.
    for client, extra in (("client-a", []), ("client-b", ["--set", "hosting=render"])):
        made = run_cli(["new", client, "--template", url, "--defaults", *extra], tmp_path)
        assert made.exit_code == 0, made.output
        assert "license" in made.stderr  # the fork asks no license: left out, with a note
    assert (tmp_path / "client-a" / "HOSTING.md").read_text() == "Hosted on fly.\n"
    assert (tmp_path / "client-b" / "HOSTING.md").read_text() == "Hosted on render.\n"
    readme = tmp_path / "client-a" / "README.md"
    readme.write_text(readme.read_text().replace("None.", "Client A's notes."))
    _git(tmp_path / "client-a", "commit", "-qam", "client notes")
    # 4. Upstream releases 2.0.0; the fork merges it without upstream's tags and tags its own.
    write_tree(upstream, V2)
    _git(upstream, "add", "-A")
    _git(upstream, "commit", "-qm", "template 2.0.0")
    _git(upstream, "tag", "2.0.0")
    _git(fork, "fetch", "-q", "--no-tags", "upstream")
    _git(fork, "merge", "-q", "--no-edit", "upstream/main")
    _git(fork, "tag", "2.0.0+acme.1")
    _git(fork, "push", "-q", str(served), "HEAD:main", "2.0.0+acme.1")

    behind = run_cli(["check", str(tmp_path / "client-a"), str(tmp_path / "client-b"), "--json"])
    assert behind.exit_code == 1, behind.output
    assert {s["newest"] for s in json.loads(behind.stdout)} == {"2.0.0+acme.1"}
    # 5. Both clients updated; then check --json.
    for client in ("client-a", "client-b"):
        updated = run_cli(["update", str(tmp_path / client), "--defaults"])
        assert updated.exit_code == 0, updated.output
        _git(tmp_path / client, "add", "-A")
        _git(tmp_path / client, "commit", "-qm", "Template 2.0.0+acme.1")
    checked = run_cli(["check", str(tmp_path / "client-a"), str(tmp_path / "client-b"), "--json"])

    assert checked.exit_code == 0, checked.output
    assert [
        (s["name"], s["template"], s["current"], s["state"]) for s in json.loads(checked.stdout)
    ] == [
        ("Demo", f"git+{url}", "2.0.0+acme.1", "current"),  # the template names its projects
        ("Demo", f"git+{url}", "2.0.0+acme.1", "current"),
    ]
    assert "Client A's notes." in readme.read_text()  # the owner's edit survived
    assert (tmp_path / "client-a" / "app" / "health.py").is_file()  # upstream's release arrived
    assert (tmp_path / "client-b" / "HOSTING.md").read_text() == "Hosted on render.\n"


def test_new_uses_the_default_template_the_user_set_and_says_which(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fork = make_template_repo(tmp_path / "acme", {"1.0.0": V1})
    monkeypatch.chdir(tmp_path)
    presets = tmp_path / "defaults.yml"
    presets.write_text("_template: ./acme\n")  # a relative path, as the user typed it
    monkeypatch.setenv("MVPSCAFFOLD_CONFIG", str(presets))

    made = run_cli(["new", str(tmp_path / "one"), "--defaults", "--no-git"])

    assert made.exit_code == 0, made.output
    assert f"Template: {fork} 1.0.0 (_template in {presets})" in made.stdout
    assert read_answers(tmp_path / "one")["_src_path"] == str(fork)

    monkeypatch.setenv("MVPSCAFFOLD_TEMPLATE", "~/../acme")  # the environment wins over the file
    made = run_cli(["new", str(tmp_path / "two"), "--defaults", "--no-git"])

    assert made.exit_code == 0, made.output
    assert "Template: ~/../acme 1.0.0 (MVPSCAFFOLD_TEMPLATE)" in made.stdout
    assert read_answers(tmp_path / "two")["_src_path"] == "~/../acme"


def test_update_many_projects_one_line_each_going_on_past_a_failure(
    isolated_home: Path, tmp_path: Path
) -> None:
    fork = make_template_repo(tmp_path / "acme", {"1.0.0": V1, "2.0.0": V2})
    clients = tmp_path / "clients"
    for name in ("a", "b"):
        generate(str(fork), clients / name, "1.0.0")
    (clients / "b" / "app" / "orders.py").write_text("uncommitted = True\n")
    (clients / "notes").mkdir()  # not a project: left out of --all

    done = run_cli(["update", "--all", str(clients), "--defaults"])

    lines = done.stdout.splitlines()
    assert lines[0] == f"{clients / 'a'}: updated template 1.0.0 -> 2.0.0"
    assert lines[1].startswith(f"{clients / 'b'}: not updated: ")
    assert "uncommitted changes" in lines[1]
    assert lines[2:] == ["2 projects: 1 updated, 1 failed"]
    assert done.exit_code == 2  # the highest of the projects' codes: b refused
    assert read_answers(clients / "a")["_commit"] == "2.0.0"

    commit_all(clients / "a", "Update to 2.0.0")
    again = run_cli(["update", "--all", str(clients), "--defaults"])
    assert again.stdout.splitlines()[-1] == "2 projects: 0 updated, 1 already current, 1 failed"

    empty = run_cli(["update", "--all", str(clients / "notes")])
    assert (
        empty.exit_code == 2 and "none of its folders holds a .copier-answers.yml" in empty.stderr
    )


def test_every_project_of_several_hears_the_upgrade_steps(
    isolated_home: Path, tmp_path: Path
) -> None:
    """The steps of the second project write their notes too: copier gives its tasks the
    environment of the moment it was imported, so the notes file stays the same for all."""
    step = (
        "import json, os; open(os.environ['MVPSCAFFOLD_UPGRADE_NOTES'], 'a').write(json.dumps("
        "dict(kind='done', path='app/settings.py', what='noted')) + chr(10))"
    )
    noting = {
        **V2,
        "copier.yml": V2["copier.yml"]
        + f'_migrations:\n  - version: "2.0.0"\n    command: ["python3", "-c", "{step}"]\n',
    }
    fork = make_template_repo(tmp_path / "acme", {"1.0.0": V1, "2.0.0": noting})
    clients = tmp_path / "clients"
    for name in ("a", "b"):
        generate(str(fork), clients / name, "1.0.0")

    # A process of its own, as a user runs it: copier is imported by the first project's update.
    command = [sys.executable, "-m", "mvpscaffold", "update", "--all", str(clients)]
    done = subprocess.run(
        [*command, "--defaults", "--trust", "--json"], capture_output=True, text=True, check=False
    )

    assert done.returncode == 0, done.stdout + done.stderr
    reports = json.loads(done.stdout)
    assert [report["done"] for report in reports] == [["app/settings.py: noted"]] * 2


def test_a_project_moves_onto_a_fork_and_back_and_follows_a_moved_clone(
    isolated_home: Path, tmp_path: Path
) -> None:
    stock = make_template_repo(tmp_path / "stock", {"1.0.0": V1, "2.0.0": V2})
    fork = tmp_path / "acme"
    run(tmp_path, "git", "clone", "-q", str(stock), str(fork))
    run(fork, "git", "checkout", "-q", "1.0.0")
    run(fork, "git", "tag", "1.0.0+acme.1")  # the fork's tag of upstream 1.0.0
    run(fork, "git", "checkout", "-q", "2.0.0")
    (fork / "template" / "app" / "acme.py").write_text("AGENCY = 'acme'\n")
    run(fork, "git", "add", "-A")
    run(fork, "git", "commit", "-qm", "acme on 2.0.0")
    run(fork, "git", "tag", "2.0.0+acme.1")
    run(fork, "git", "tag", "-d", "1.0.0", "2.0.0")  # the fork's own tags only
    project = generate(str(stock), tmp_path / "client", "1.0.0")

    refused = run_cli(["update", str(project), "--template", str(fork)])
    assert refused.exit_code == 2 and "pass --move as well" in refused.stderr

    moved = run_cli(["update", str(project), "--template", str(fork), "--move", "--defaults"])

    assert moved.exit_code == 0, moved.output
    assert (
        f"Moved from template {stock} to {fork}, recorded at its tag 1.0.0+acme.1" in moved.stdout
    )
    answers = read_answers(project)
    assert (answers["_src_path"], answers["_commit"]) == (str(fork), "2.0.0+acme.1")
    assert (project / "app" / "acme.py").is_file()  # the fork's own file arrived, three-way
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "on the fork")

    clone = tmp_path / "moved" / "acme"  # the same fork, cloned elsewhere
    run(tmp_path, "git", "clone", "-q", str(fork), str(clone))
    run(clone, "git", "fetch", "-q", "--tags")
    followed = run_cli(["update", str(project), "--template", str(clone), "--move"])
    assert followed.exit_code == 0, followed.output
    assert read_answers(project)["_src_path"] == str(clone)
    assert read_answers(project)["_commit"] == "2.0.0+acme.1"
    run(project, "git", "commit", "-qam", "the fork's new place")

    back = run_cli(["update", str(project), "--template", str(stock), "--move"])
    assert back.exit_code == 0, back.output
    assert (read_answers(project)["_src_path"], read_answers(project)["_commit"]) == (
        str(stock),
        "2.0.0",
    )
    run(project, "git", "commit", "-qam", "back on stock")

    lonely = make_template_repo(tmp_path / "lonely", {"5.0.0": V1})
    missing = run_cli(["update", str(project), "--template", str(lonely), "--move"])
    assert missing.exit_code == 2
    assert "has no version 2.0.0" in missing.stderr and "tag its commit" in missing.stderr


def test_a_move_brings_what_the_fork_changes_at_the_same_version(
    isolated_home: Path, tmp_path: Path
) -> None:
    stock = make_template_repo(tmp_path / "stock", {"1.0.0": V1})
    fork = tmp_path / "acme"
    run(tmp_path, "git", "clone", "-q", str(stock), str(fork))
    (fork / "template" / "ACME.md").write_text("Made by Acme.\n")
    settings = fork / "template" / "app" / "settings.py.jinja"
    settings.write_text(settings.read_text().replace("PAGE_SIZE = 50", "PAGE_SIZE = 100"))
    run(fork, "git", "add", "-A")
    run(fork, "git", "commit", "-qm", "acme on 1.0.0")
    run(fork, "git", "tag", "1.0.0+acme.1")
    run(fork, "git", "tag", "-d", "1.0.0")
    project = generate(str(stock), tmp_path / "client", "1.0.0")
    owned = project / "app" / "settings.py"
    owned.write_text(owned.read_text().replace("TIMEOUT = 10", "TIMEOUT = 20"))
    commit_all(project, "owner edit")

    moved = run_cli(["update", str(project), "--template", str(fork), "--move", "--defaults"])

    assert moved.exit_code == 0, moved.output
    assert read_answers(project)["_commit"] == "1.0.0+acme.1"
    assert (project / "ACME.md").read_text() == "Made by Acme.\n"  # the fork's own file
    text = owned.read_text()
    assert "PAGE_SIZE = 100" in text and "TIMEOUT = 20" in text  # the fork's line, the owner's


def test_a_fork_is_tried_at_an_untagged_commit_with_a_warning(
    isolated_home: Path, tmp_path: Path
) -> None:
    fork = make_template_repo(tmp_path / "acme", {"1.0.0": V1})
    write_tree(fork, V2)
    run(fork, "git", "add", "-A")
    run(fork, "git", "commit", "-qm", "acme: not tagged yet")
    commit = run(fork, "git", "rev-parse", "HEAD").strip()

    made = run_cli(
        [
            "new",
            str(tmp_path / "try"),
            "--template",
            str(fork),
            "--ref",
            commit,
            "--defaults",
            "--set",
            "metrics=true",
        ]
    )

    assert made.exit_code == 0, made.output
    assert f"--ref {commit} is not a version tag of {fork}" in made.stderr
    assert "tag a release before you make projects to keep" in made.stderr
    assert read_answers(tmp_path / "try")["_commit"].startswith("1.0.0-1-g")
    checked = json.loads(run_cli(["check", str(tmp_path / "try"), "--json"]).stdout)
    assert (checked[0]["current"], checked[0]["state"]) == ("1.0.0.post1", "current")


def test_a_project_made_past_a_fork_tag_is_before_its_next_release_and_told_how_to_take_it(
    isolated_home: Path, tmp_path: Path
) -> None:
    """_commit 1.0.0+acme.1-1-g...: after 1.0.0+acme.1, before the fork's next tag 1.0.0+acme.2.

    copier itself drops the +label, reads 1.0.0+acme.2 as 1.0.0, older than the commit, and
    refuses: update says so first, and how to get there.
    """
    fork = make_template_repo(tmp_path / "acme", {"1.0.0+acme.1": V1})
    write_tree(fork, V2)
    run(fork, "git", "add", "-A")
    run(fork, "git", "commit", "-qm", "acme: not tagged yet")
    commit = run(fork, "git", "rev-parse", "HEAD").strip()
    project = tmp_path / "try"
    made = run_cli(["new", str(project), "--template", str(fork), "--ref", commit, "--defaults"])
    assert made.exit_code == 0, made.output
    assert read_answers(project)["_commit"].startswith("1.0.0+acme.1-1-g")
    checked = json.loads(run_cli(["check", str(project), "--json"]).stdout)
    assert checked[0]["current"].startswith("1.0.0+acme.1.1.g")
    assert checked[0]["state"] == "current"

    (fork / "template" / "NEXT.md").write_text("The next release.\n")
    run(fork, "git", "add", "-A")
    run(fork, "git", "commit", "-qm", "acme: next release")
    run(fork, "git", "tag", "1.0.0+acme.2")
    checked = json.loads(run_cli(["check", str(project), "--json"]).stdout)
    assert (checked[0]["newest"], checked[0]["state"]) == ("1.0.0+acme.2", "behind")
    for pretend in (["--pretend"], []):  # copier reads 1.0.0+acme.2 as 1.0.0: what to do instead
        refused = run_cli(["update", str(project), "--defaults", *pretend])
        assert refused.exit_code == 2, refused.output
        assert "set _commit in .copier-answers.yml to 1.0.0+acme.1, commit" in refused.stderr
        assert run(project, "git", "status", "--porcelain") == ""
    answers = project / ".copier-answers.yml"
    recorded = read_answers(project)["_commit"]
    answers.write_text(answers.read_text().replace(recorded, "1.0.0+acme.1"))
    run(project, "git", "commit", "-qam", "The tag it was made past")
    updated = run_cli(["update", str(project), "--defaults"])

    assert updated.exit_code == 0, updated.output
    assert read_answers(project)["_commit"] == "1.0.0+acme.2"
    assert (project / "NEXT.md").is_file()
    assert "METRICS = False" in (project / "app" / "settings.py").read_text()  # the trial's


def _declaring(files: dict[str, str], identity: str) -> dict[str, str]:
    """A template that declares its identity, and whose answers files record it."""
    answers = "template/{{_copier_conf.answers_file}}.jinja"
    return {
        **files,
        "copier.yml": files["copier.yml"]
        + f"template_id:\n  type: str\n  default: {identity}\n  when: false\n",
        answers: files[answers] + "_template_id: {{ template_id }}\n",
    }


def test_a_template_moved_elsewhere_is_known_by_the_identity_it_declares(
    isolated_home: Path, tmp_path: Path
) -> None:
    first = make_template_repo(
        tmp_path / "acme", {"1.0.0": _declaring(V1, "acme"), "2.0.0": _declaring(V2, "acme")}
    )
    project = generate(str(first), tmp_path / "client", "1.0.0")
    assert read_answers(project)["_template_id"] == "acme"
    moved = tmp_path / "srv" / "acme"
    run(tmp_path, "git", "clone", "-q", str(first), str(moved))
    run(tmp_path, "rm", "-rf", str(first))  # only the clone is left
    other = make_template_repo(tmp_path / "other", {"1.0.0": _declaring(V1, "other")})

    refused = run_cli(["update", str(project), "--template", str(other)])
    assert refused.exit_code == 2 and "pass --move as well" in refused.stderr

    updated = run_cli(["update", str(project), "--template", str(moved), "--defaults"])

    assert updated.exit_code == 0, updated.output
    answers = read_answers(project)
    assert (answers["_src_path"], answers["_commit"]) == (str(moved), "2.0.0")
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "2.0.0 from the fork's new place")
    assert run_cli(["check", str(project)]).exit_code == 0


def test_a_bare_fork_named_with_a_tilde_is_read_wherever_a_template_is_named(
    isolated_home: Path, tmp_path: Path
) -> None:
    fork = make_template_repo(tmp_path / "acme", {"1.0.0": V1, "2.0.0": V2})
    run(tmp_path, "git", "clone", "-q", "--bare", str(fork), str(isolated_home / "acme.git"))

    made = run_cli(
        ["new", str(tmp_path / "one"), "--template", "~/acme.git", "--ref", "1.0.0", "--defaults"]
    )

    assert made.exit_code == 0, made.output
    assert read_answers(tmp_path / "one")["_src_path"] == str(isolated_home / "acme.git")
    checked = run_cli(["check", str(tmp_path / "one"), "--template", "~/acme.git"])
    assert checked.exit_code == 1 and "behind" in checked.stdout
    updated = run_cli(["update", str(tmp_path / "one"), "--template", "~/acme.git", "--defaults"])
    assert updated.exit_code == 0, updated.output


def test_a_project_of_the_bundled_template_moves_onto_a_fork_and_back(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock = bundle_of({"1.0.0": V1, "2.0.0": V2}, tmp_path / "stock.bundle")
    monkeypatch.setattr(source, "packaged_bundle", lambda: stock)
    src, _ = source.default_template()
    project = generate(src, tmp_path / "client", "1.0.0")
    fork = make_template_repo(tmp_path / "acme", {"1.0.0+acme.1": V1, "2.0.0+acme.1": V2})

    onto = run_cli(
        ["update", str(project), "--template", str(fork), "--move", "--to", "1.0.0+acme.1"]
    )
    assert onto.exit_code == 0, onto.output
    assert read_answers(project)["_commit"] == "1.0.0+acme.1"
    run(project, "git", "commit", "-qam", "on the fork")

    back = run_cli(["update", str(project), "--template", src, "--move", "--defaults"])

    assert back.exit_code == 0, back.output
    answers = read_answers(project)
    assert (answers["_src_path"], answers["_commit"]) == (src, "2.0.0")
