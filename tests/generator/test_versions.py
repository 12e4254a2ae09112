"""The offline release history: deterministic bundles, the release map, the shared cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import read_answers, run_cli
from packaging.version import Version
from template_repos import V1, V2, bundle_of, generate, isolated_home, run, write_tree

from mvpscaffold import __version__
from mvpscaffold.projects import update
from mvpscaffold.templates import source
from mvpscaffold.templates.versions import available_versions, newest_version, parse_commit

__all__ = ["isolated_home"]


def _tags(bundle: Path) -> dict[str, str]:
    heads = run(bundle.parent, "git", "bundle", "list-heads", str(bundle))
    return {
        ref.removeprefix("refs/tags/"): sha
        for sha, ref in (line.split() for line in heads.splitlines())
        if ref.startswith("refs/tags/")
    }


def _release_repo(root: Path) -> tuple[Path, str]:
    """A repository like ours: release 1.0.0 committed, the working tree already at 2.0.0."""
    root.mkdir()
    run(root, "git", "init", "-q", "-b", "main")
    write_tree(root, V1)
    run(root, "git", "add", "-A")
    run(root, "git", "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-qm", "release 1.0.0")
    commit = run(root, "git", "rev-parse", "HEAD").strip()
    return root, commit


def test_a_build_gives_the_same_bundle_bytes_and_commits_every_time(tmp_path: Path) -> None:
    repo, _commit = _release_repo(tmp_path / "repo")
    one = source.build_bundle(repo, "1.0.0", tmp_path / "one")
    two = source.build_bundle(repo, "1.0.0", tmp_path / "two")
    assert one.read_bytes() == two.read_bytes()
    assert set(_tags(one)) == {"1.0.0"}
    assert source.build_bundle(repo, "1.0.0", tmp_path / "one") == one  # reused, by content


def test_commit_dates_follow_the_version() -> None:
    assert source.commit_timestamp("0.1.0") < source.commit_timestamp("0.1.1")
    assert source.commit_timestamp("0.1.1") < source.commit_timestamp("0.2.0")
    assert source.commit_timestamp("0.9.0") < source.commit_timestamp("1.0.0")


def test_a_release_rebuilt_later_from_the_map_has_the_same_commit(tmp_path: Path) -> None:
    repo, commit = _release_repo(tmp_path / "repo")
    at_release = source.build_bundle(repo, "1.0.0", tmp_path / "at-release")  # the 1.0.0 wheel's

    (repo / "template-versions.toml").write_text(f'[releases]\n"1.0.0" = "{commit}"\n')
    write_tree(repo, V2)  # the working tree moves on to 2.0.0 (even uncommitted files count)
    later = source.build_bundle(repo, "2.0.0", tmp_path / "later")

    early, late = _tags(at_release), _tags(later)
    assert early["1.0.0"] == late["1.0.0"]
    assert set(late) == {"1.0.0", "2.0.0"}
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(later), str(clone))
    assert run(clone, "git", "show", "2.0.0:template/app/health.py") == V2["template/app/health.py"]
    assert run(clone, "git", "rev-parse", "2.0.0^") == run(clone, "git", "rev-parse", "1.0.0")
    assert "template/app/health.py" not in run(
        clone, "git", "ls-tree", "-r", "--name-only", "1.0.0"
    )


def test_a_version_older_than_the_map_is_refused(tmp_path: Path) -> None:
    repo, commit = _release_repo(tmp_path / "repo")
    (repo / "template-versions.toml").write_text(f'[releases]\n"1.0.0" = "{commit}"\n')
    with pytest.raises(RuntimeError, match="older than the newest release"):
        source.build_bundle(repo, "0.9.0", tmp_path / "out")


def test_default_template_publishes_this_version_under_the_home_cache(isolated_home: Path) -> None:
    src, ref = source.default_template()

    assert src == "~/.cache/mvpscaffold/template.bundle" and ref == __version__
    assert (isolated_home / ".cache" / "mvpscaffold" / "template.bundle").is_file()
    assert Version(__version__) in available_versions(src)


def test_the_cache_keeps_the_versions_of_every_installation(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for version, files in (("3.0.0", V2), ("2.0.0", V1)):
        bundle = bundle_of({version: files}, tmp_path / f"{version}.bundle")
        monkeypatch.setattr(source, "packaged_bundle", lambda b=bundle: b)
        source.publish_history()

    versions = available_versions(source.BUNDLE_LITERAL)
    assert {Version("2.0.0"), Version("3.0.0")} <= set(versions)
    cache = isolated_home / ".cache" / "mvpscaffold"
    head = run(cache, "git", "-C", "history.git", "rev-parse", "main")
    assert head == run(cache, "git", "-C", "history.git", "rev-parse", "3.0.0^{commit}")


@pytest.mark.parametrize(
    ("commit", "expected"),
    [
        ("1.2.0", "1.2.0"),
        ("v1.2", "1.2"),
        ("1.2.0-3-gabc1234", "1.2.0.post3"),
        ("abc1234", None),
        ("0.3.0.dev0", "0.3.0.dev0"),
        ("0.3.0.dev0-2-gabc1234", "0.3.0.dev0+2.gabc1234"),  # past a dev tag, still before 0.3.0
        ("0.4.0+acme.1-1-gabc1234", "0.4.0+acme.1.1.gabc1234"),  # past a fork's tag: its label kept
        ("0.4.0rc1+acme.1-3-gabc1234", "0.4.0rc1+acme.1.3.gabc1234"),
    ],
)
def test_recorded_commit_is_read_as_a_version(commit: str, expected: str | None) -> None:
    parsed = parse_commit(commit)
    assert (str(parsed) if parsed else None) == expected


@pytest.mark.parametrize(
    ("commit", "after", "before"),
    [
        ("1.2.0-3-gabc1234", "1.2.0", "1.2.1"),
        ("0.3.0.dev0-2-gabc1234", "0.3.0.dev0", "0.3.0"),
        ("0.4.0+acme.1-1-gabc1234", "0.4.0+acme.1", "0.4.0+acme.2"),
        ("0.4.0+acme.1-12-gabc1234", "0.4.0+acme.1", "0.4.0+acme.2"),
    ],
)
def test_a_commit_past_a_tag_sorts_after_it_and_before_the_next(
    commit: str, after: str, before: str
) -> None:
    parsed = parse_commit(commit)
    assert parsed is not None
    assert Version(after) < parsed < Version(before)


def test_source_checkout_bundle_is_cached_by_content(isolated_home: Path) -> None:
    # From nothing, as on the first run in a HOME: built once, then found by its content.
    shutil.rmtree(isolated_home / ".cache" / "mvpscaffold" / "builds", ignore_errors=True)
    first = source.packaged_bundle()
    assert source.packaged_bundle() == first
    assert (
        subprocess.run(["git", "bundle", "verify", str(first)], capture_output=True).returncode == 0
    )


def test_a_development_version_rebuilt_with_other_content_is_re_tagged(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, files in enumerate((V1, V2, V1)):
        bundle = bundle_of({"0.5.0.dev0": files}, tmp_path / f"{number}.bundle")
        monkeypatch.setattr(source, "packaged_bundle", lambda b=bundle: b)
        exported = source.publish_history()
        assert _tags(exported)["0.5.0.dev0"] == _tags(bundle)["0.5.0.dev0"]


def _project_at_1_0_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project made at 1.0.0 from the published history of an installation with 1.0.0, 2.0.0."""
    _ship({"1.0.0": V1, "2.0.0": V2}, tmp_path, monkeypatch)
    source.publish_history()
    return generate(source.BUNDLE_LITERAL, tmp_path / "proj", "1.0.0")


def test_plain_copier_update_works_from_the_published_history(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Projects record the literal ~/.cache path, so copier alone can update them too."""
    project = _project_at_1_0_0(tmp_path, monkeypatch)

    copier = Path(sys.executable).with_name("copier")
    run(project, str(copier), "update", "--trust", "--defaults", "--skip-answered")

    answers = (project / ".copier-answers.yml").read_text()
    assert "_commit: 2.0.0" in answers
    assert "_src_path: ~/.cache/mvpscaffold/template.bundle" in answers
    assert (project / "app" / "health.py").is_file()


def test_on_a_fresh_machine_update_pretend_is_the_one_command_plain_copier_needs(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: where mvpscaffold never ran, `mvpscaffold update --pretend` fills the cache."""
    project = _project_at_1_0_0(tmp_path, monkeypatch)
    shutil.rmtree(isolated_home / ".cache")  # a teammate's machine: the project, no cache
    copier = [str(Path(sys.executable).with_name("copier")), "update", "--trust", "--defaults"]
    fresh = subprocess.run(copier, cwd=project, capture_output=True, text=True, check=False)
    assert fresh.returncode != 0

    pretend = run_cli(["update", str(project), "--pretend"])
    assert pretend.exit_code == 0, pretend.output
    run(project, *copier)

    assert "_commit: 2.0.0" in (project / ".copier-answers.yml").read_text()


def test_a_released_version_with_a_changed_template_needs_a_version_bump(tmp_path: Path) -> None:
    repo, commit = _release_repo(tmp_path / "repo")
    (repo / "template-versions.toml").write_text(f'[releases]\n"1.0.0" = "{commit}"\n')
    assert set(_tags(source.build_bundle(repo, "1.0.0", tmp_path / "same"))) == {"1.0.0"}

    (repo / "template" / "app" / "extras.py").write_text("EXTRA = 2\n")
    with pytest.raises(RuntimeError, match=r"changed since release 1\.0\.0.*bump __version__"):
        source.build_bundle(repo, "1.0.0", tmp_path / "release")
    development = source.build_bundle(repo, "1.0.0", tmp_path / "dev", worktree_wins=True)
    clone = tmp_path / "clone"
    run(tmp_path, "git", "clone", "-q", str(development), str(clone))
    assert run(clone, "git", "show", "1.0.0:template/app/extras.py") == "EXTRA = 2\n"


def test_versions_sort_as_pep_440_orders_them() -> None:
    ordered = ["0.2.0", "0.3.0.dev0", "0.3.0.dev1", "0.3.0a1", "0.3.0rc1", "0.3.0", "0.3.0.post1"]
    assert sorted(reversed(ordered), key=source.release_key) == ordered
    assert sorted(["0.10.0", "0.9.1"], key=source.release_key) == ["0.9.1", "0.10.0"]
    with pytest.raises(ValueError, match="not a version"):
        source.release_key("1.0.0-beta")


def test_a_development_version_of_a_mapped_release_is_older_than_it(tmp_path: Path) -> None:
    repo, commit = _release_repo(tmp_path / "repo")
    (repo / "template-versions.toml").write_text(f'[releases]\n"1.0.0" = "{commit}"\n')

    with pytest.raises(RuntimeError, match="older than the newest release"):
        source.build_bundle(repo, "1.0.0.dev0", tmp_path / "out")
    assert set(_tags(source.build_bundle(repo, "1.1.0.dev0", tmp_path / "out"))) == {
        "1.0.0",
        "1.1.0.dev0",
    }


def test_the_release_map_refuses_a_development_version(tmp_path: Path) -> None:
    repo, commit = _release_repo(tmp_path / "repo")
    (repo / "template-versions.toml").write_text(f'[releases]\n"1.0.0.dev0" = "{commit}"\n')
    with pytest.raises(RuntimeError, match=r"maps development version 1\.0\.0\.dev0"):
        source.build_bundle(repo, "1.1.0.dev0", tmp_path / "out")


def test_every_mapped_release_is_the_version_its_commit_declares(tmp_path: Path) -> None:
    """The map is this repository's own: each commit's __version__ is the release it maps."""
    root = Path(__file__).resolve().parents[2]
    releases = source.read_release_map(root)
    assert "0.2.0" in releases
    for version, commit in releases.items():
        init = run(root, "git", "show", f"{commit}:src/mvpscaffold/__init__.py")
        assert f'__version__ = "{version}"' in init, (version, commit)
    newest = next(reversed(releases))
    assert source.release_key(__version__) >= source.release_key(newest)
    source.build_bundle(
        root, __version__, tmp_path
    )  # a mapped __version__ has its commit's template


def _ship(
    versions: dict[str, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """This installation ships these versions of a template (copier.yml and template/ files)."""
    bundle = bundle_of(versions, tmp_path / "shipped.bundle")
    monkeypatch.setattr(source, "packaged_bundle", lambda: bundle)


def _ship_development_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """This installation: release 0.2.0 (V1) and the development build 0.3.0.dev0 (V2)."""
    _ship({"0.2.0": V1, "0.3.0.dev0": V2}, tmp_path, monkeypatch)
    monkeypatch.setattr(source, "__version__", "0.3.0.dev0")


def test_a_development_build_generates_projects_that_record_its_version(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ship_development_build(tmp_path, monkeypatch)

    result = run_cli(["new", str(tmp_path / "fresh"), "--defaults", "--no-git", "-q"])

    assert result.exit_code == 0, result.output
    assert read_answers(tmp_path / "fresh")["_commit"] == "0.3.0.dev0"


def test_a_release_project_is_behind_a_development_build_and_updates_to_it(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _ship_development_build(tmp_path, monkeypatch)
    source.publish_history()
    project = generate(source.BUNDLE_LITERAL, tmp_path / "proj", "0.2.0")

    checked = run_cli(["check", str(project), "--json"])
    assert checked.exit_code == 1, checked.output
    assert json.loads(checked.stdout)[0] | {"path": None} == {
        "path": None,
        "name": "Demo",
        "template": source.BUNDLE_LITERAL,
        "current": "0.2.0",
        "newest": "0.3.0.dev0",
        "state": "behind",
        "error": None,
    }

    report = update.update_project(project, defaults=True)

    assert report.to_version == "0.3.0.dev0"
    assert read_answers(project)["_commit"] == "0.3.0.dev0"
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "update to the development build")
    assert run_cli(["check", str(project)]).exit_code == 0


def test_the_guide_gives_the_sections_an_update_crosses_oldest_first() -> None:
    from packaging.version import Version

    from mvpscaffold.templates.versions import guide_sections

    guide = "# Guide\n\n## 0.4.0+acme.1: ours\n\nA.\n\n## 0.4.0: theirs\n\nB.\n\n## 0.3.0: old\n"

    def crossed(after: str, upto: str) -> list[str]:
        return [s.split(":")[0] for s in guide_sections(guide, Version(after), Version(upto))]

    assert crossed("0.3.0", "0.4.0.dev0") == ["## 0.4.0"]  # a development build reads its release's
    assert crossed("0.3.0", "0.4.0+acme.2") == ["## 0.4.0", "## 0.4.0+acme.1"]
    assert crossed("0.4.0+acme.1", "0.4.0+acme.2") == []
    assert crossed("0.2.0", "0.3.0") == ["## 0.3.0"]


@pytest.mark.parametrize(
    ("current", "newest"),
    [
        (None, "0.3.0+acme.1"),  # pre-releases are not offered to a project on a release
        ("0.3.0+acme.1", "0.3.0+acme.1"),
        ("0.4.0.dev0+acme.1", "0.4.0.dev0+acme.2"),  # a fork that tags its main: those from it on
        ("0.4.0.dev0+acme.2", "0.4.0.dev0+acme.2"),
    ],
)
def test_the_newest_version_counts_pre_releases_once_a_project_is_on_one(
    current: str | None, newest: str
) -> None:
    tags = ["0.2.0", "0.3.0+acme.1", "0.4.0.dev0+acme.1", "0.4.0.dev0+acme.2"]
    offered = {Version(tag): tag for tag in tags}
    on = Version(current) if current else None
    assert newest_version(offered, on) == Version(newest)
