"""Forks of the template: projects a fork's build makes are never taken for stock mvpscaffold's."""

from __future__ import annotations

import importlib
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import read_answers, run_cli
from template_repos import V1, V2, generate, isolated_home

import mvpscaffold
from mvpscaffold import history, source
from mvpscaffold.errors import ToolError

__all__ = ["isolated_home"]
REPO_ROOT = Path(__file__).resolve().parents[1]


def _bundle(path: Path, versions: dict[str, dict[str, str]]) -> Path:
    """A release history as a build ships it: one synthetic commit and tag per version."""
    snapshots = [
        history.Snapshot(
            version,
            tuple(
                history.TemplateFile(name, "100644", text.encode())
                for name, text in sorted(files.items())
            ),
        )
        for version, files in versions.items()
    ]
    history.write_bundle(snapshots, path)
    return path


@pytest.fixture
def as_build_named(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """Switch this process to a build whose TEMPLATE_NAME is the given name (stock afterwards)."""

    def switch(name: str, bundle: Path | None = None) -> None:
        monkeypatch.setattr(mvpscaffold, "TEMPLATE_NAME", name)
        importlib.reload(source)
        if bundle is not None:
            monkeypatch.setattr(source, "_packaged_bundle", lambda: (bundle, str(bundle)))

    yield switch
    monkeypatch.undo()
    importlib.reload(source)


def test_a_release_published_again_with_other_content_is_refused(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stock = _bundle(tmp_path / "stock.bundle", {"2.0.0": V1})
    fork = _bundle(tmp_path / "fork.bundle", {"2.0.0": V2})
    monkeypatch.setattr(source, "_packaged_bundle", lambda: (stock, "stock"))
    source.publish_history()
    monkeypatch.setattr(source, "_packaged_bundle", lambda: (fork, "fork"))

    with pytest.raises(ToolError, match=r"already holds template 2\.0\.0 with other content"):
        source.publish_history()


def test_a_fork_build_records_its_own_source_and_stock_never_moves_its_projects(
    isolated_home: Path, tmp_path: Path, as_build_named: object
) -> None:
    acme = _bundle(tmp_path / "acme.bundle", {"1.0.0": V1, "2.0.0": V2})
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


def test_the_build_refuses_a_renamed_distribution_that_kept_the_template_name() -> None:
    spec = importlib.util.spec_from_file_location("hatch_build", REPO_ROOT / "hatch_build.py")
    assert spec is not None and spec.loader is not None
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)

    assert hook.template_name_problem(REPO_ROOT, "mvpscaffold") is None
    problem = hook.template_name_problem(REPO_ROOT, "Acme_Scaffold")
    assert "TEMPLATE_NAME = 'mvpscaffold'; set it to 'acme-scaffold'" in problem
