"""`update` asks git about many files in one process each time, never one process per file."""

from __future__ import annotations

from pathlib import Path

import pytest
from template_repos import V1, V2, generate, isolated_home, make_template_repo, run

from mvpscaffold import tools
from mvpscaffold.projects.update import update_project

__all__ = ["isolated_home"]
DROPPED = [f"template/app/old_{n}.py" for n in range(12)]


def test_files_the_template_dropped_are_compared_in_one_git_process_each_way(
    tmp_path: Path, isolated_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = {**V1, **{path: f"N = {n}\n" for n, path in enumerate(DROPPED)}}
    template = make_template_repo(tmp_path / "tpl", {"1.0.0": old, "2.0.0": V2})
    project = generate(str(template), tmp_path / "proj", "1.0.0")
    (project / "app" / "old_0.py").write_text("N = 0  # the owner's\n")
    (project / "app" / "old 1.py").write_text("spaces and no template counterpart\n")
    run(project, "git", "add", "-A")
    run(project, "git", "commit", "-qm", "owner edits")
    calls: list[list[str]] = []
    real = tools.run_git

    def recording(args: list[str], *rest: object) -> object:
        calls.append(args)
        return real(args, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(tools, "run_git", recording)
    report = update_project(project, to="2.0.0")

    assert report.kept == ["app/old_0.py"]
    assert sorted(report.deleted) == sorted(
        p.replace("template/", "") for p in [*DROPPED[1:], "template/app/obsolete.py"]
    )
    asked = [args[0] if args[0] != "--literal-pathspecs" else args[1] for args in calls]
    assert asked.count("hash-object") == 1 and asked.count("ls-tree") == 1
    assert not [args for args in calls if args[:1] == ["rev-parse"] and "HEAD:" in args[-1]]
    assert asked.count("rev-parse") < len(DROPPED)  # a fixed number of times, not once a file
