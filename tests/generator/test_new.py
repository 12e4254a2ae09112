"""What `new` prints (layout, answers, next steps), `new --install`, help and shell completion."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from generated import ANSWER_SETS, Renders
from helpers import TINY_QUESTIONS, git, make_release, read_answers, run_cli

TINY_FILES = {
    "README.md.jinja": "# {{ project_name }} ({{ flavour }})\n",
    "{{package_name}}/__init__.py.jinja": '"""{{ project_name }}."""\n',
    "{{_copier_conf.answers_file}}.jinja": "{{ _copier_answers|to_nice_yaml -}}\n",
    ".gitignore": "make-ran.log\n",
}


@pytest.fixture(autouse=True)
def _git_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("GIT_AUTHOR", "GIT_COMMITTER"):
        monkeypatch.setenv(f"{key}_NAME", "Test")
        monkeypatch.setenv(f"{key}_EMAIL", "test@example.com")


def _template_with_makefile(root: Path, install: str, check: str) -> Path:
    makefile = f"install:\n\t{install}\n\ncheck:\n\t{check}\n\nrun:\n\t@echo run\n"
    return make_release(root, files={**TINY_FILES, "Makefile": makefile})


def test_output_shows_layout_answers_and_next_steps(tmp_path: Path) -> None:
    result = run_cli(["new", "shop", "--defaults", "--set", "project_name=Café"], cwd=tmp_path)

    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("Created Café in ")
    layout = out.split("\n\n")[1].splitlines()
    assert layout[0] == "shop/"
    assert any(line.endswith(" cafe/") for line in layout)  # the package folder
    assert any(line.endswith(" pyproject.toml") for line in layout)
    assert ".copier-answers.yml" in layout[-1]  # dot-files summed up on the last line
    assert "project_name    Café" in out and "database        sqlite" in out
    assert "error_tracking  no" in out
    steps = out.split("Next steps:\n")[1].splitlines()
    assert steps[0] == "  cd shop"
    assert [line.split()[:2] for line in steps[1:]] == [
        ["make", "install"], ["make", "run"], ["make", "check"],
    ]  # fmt: skip


def test_next_steps_start_the_servers_the_answers_chose_before_make_run(tmp_path: Path) -> None:
    result = run_cli(
        ["new", "shop", "--defaults", "--set", "database=postgresql", "--set", "jobs=redis"],
        cwd=tmp_path,
    )

    assert result.exit_code == 0, result.output
    steps = [
        line.split("#")[0].strip() for line in result.stdout.split("Next steps:\n")[1].splitlines()
    ]
    assert steps == [
        "cd shop",
        "make install",
        "docker compose up -d postgres redis",
        "cp .env.example .env",
        "make run",
        "make check",
    ]
    assert "postgres:" in (tmp_path / "shop" / "compose.yaml").read_text()


def test_secret_answers_are_not_printed(tmp_path: Path) -> None:
    questions = {**TINY_QUESTIONS, "api_token": {"type": "str", "secret": True, "default": "s3"}}
    template = make_release(tmp_path / "tpl", questions=questions)
    result = run_cli(["new", "o", "--template", str(template), "--defaults"], cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "api_token" not in result.stdout and "s3" not in result.stdout


def test_install_runs_make_install_then_make_check(tmp_path: Path) -> None:
    template = _template_with_makefile(
        tmp_path / "tpl", "@echo install >> make-ran.log", "@echo check >> make-ran.log"
    )

    result = run_cli(["new", "o", "--template", str(template), "--defaults", "--install"],
                     cwd=tmp_path)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "make-ran.log").read_text() == "install\ncheck\n"
    assert "installed and checked" in result.stdout
    assert "make run" in result.stdout and "make install" not in result.stdout  # already done
    assert "make check" in result.stderr and "done" in result.stderr  # progress, per step


def test_failing_check_keeps_the_complete_project_and_says_so(tmp_path: Path) -> None:
    template = _template_with_makefile(
        tmp_path / "tpl", "@echo installed", "@echo 'E501 line too long' && exit 2"
    )

    result = run_cli(["new", "o", "--template", str(template), "--defaults", "--install", "-q"],
                     cwd=tmp_path)  # fmt: skip

    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert "is complete and nothing was removed, but `make check` failed (exit 2" in lines[0]
    assert "make check` to see why" in lines[0]
    log = Path(lines[0].split("output in ")[1].split(")")[0])
    assert "E501 line too long" in log.read_text()
    log.unlink()
    assert (tmp_path / "o" / "README.md").is_file()
    assert git(["status", "--porcelain"], tmp_path / "o") == ""  # committed, nothing half-done


def test_failing_install_stops_before_check(tmp_path: Path) -> None:
    template = _template_with_makefile(tmp_path / "tpl", "@exit 3", "@echo check > checked")
    result = run_cli(["new", "o", "--template", str(template), "--defaults", "--install", "-q"],
                     cwd=tmp_path)  # fmt: skip
    assert result.exit_code == 1
    assert "`make install` failed (exit 2" in result.stderr  # make's own code for a failed rule
    assert not (tmp_path / "o" / "checked").exists()
    Path(result.stderr.split("output in ")[1].split(")")[0]).unlink()


def test_install_without_a_makefile_says_the_project_is_complete(tmp_path: Path) -> None:
    template = make_release(tmp_path / "tpl")
    result = run_cli(["new", "o", "--template", str(template), "--defaults", "--install"],
                     cwd=tmp_path)  # fmt: skip
    assert result.exit_code == 1
    assert "is complete, but it has no Makefile" in result.stderr
    assert (tmp_path / "o" / "README.md").is_file()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_during_install_keeps_the_project_and_stops_make(
    tmp_path: Path, sig: signal.Signals
) -> None:
    template = _template_with_makefile(
        tmp_path / "tpl", "@touch installing && sleep 30 && touch installed", "@true"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "mvpscaffold", "new", "o", "--template", str(template),
         "--defaults", "--install", "-q"],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=os.environ,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while not (tmp_path / "o" / "installing").exists():
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)

    process.send_signal(sig)
    _out, err = process.communicate(timeout=15)

    assert process.returncode == 130, err
    assert "Interrupted during `make install`" in err and "is complete" in err
    assert (tmp_path / "o" / "README.md").is_file()
    time.sleep(0.5)
    assert not (tmp_path / "o" / "installed").exists()  # make's sleep was stopped too


@pytest.mark.parametrize("command", [[], ["new"], ["update"], ["check"]])
def test_every_command_has_help_with_an_example_and_exit_codes(command: list[str]) -> None:
    result = run_cli([*command, "--help"])
    assert result.exit_code == 0
    text = " ".join(result.stdout.replace("│", " ").split())
    assert "Example" in text and f"mvpscaffold {' '.join(command)}".strip() in text
    assert "Exit codes" in text and "130" in text


def test_shell_completion_is_enabled() -> None:
    assert "--install-completion" in run_cli(["--help"]).stdout
    done = subprocess.run(
        [sys.executable, "-c", "from mvpscaffold.cli import main; main()"],
        env={**os.environ, "_MVPSCAFFOLD_COMPLETE": "complete_bash",
             "COMP_WORDS": "mvpscaffold ch", "COMP_CWORD": "1"},
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert done.stdout.split() == ["check"], done.stdout + done.stderr


def test_quiet_new_does_not_import_rich(tmp_path: Path, stock_questions: str) -> None:
    """rich costs ~30 ms to import: only output that needs it may load it."""
    probe = (
        "import atexit, sys; atexit.register(lambda: print('rich' in sys.modules));"
        " from mvpscaffold.cli import main; main()"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "new", str(tmp_path / "p"), "--defaults", "--quiet",
         "--no-git", "--template", stock_questions],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == "False\n"


def test_the_executable_bit_reaches_the_first_commit(renders: Renders) -> None:
    result = renders.new("shop", "--defaults")

    assert result.exit_code == 0, result.stdout + result.stderr
    modes = git(["ls-files", "--stage", "docker/entrypoint.sh"], cwd=result.folder / "shop")
    assert modes.startswith("100755 ")


def _tree(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under root (outside .git) with its content and mode."""
    return {
        str(path.relative_to(root)): (path.read_bytes(), path.stat().st_mode)
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }


def _copier_alone(src: str, ref: str | None, answers: dict[str, object], dest: Path) -> None:
    import copier

    copier.run_copy(src, dest, data=answers, vcs_ref=ref, defaults=True, quiet=True)


YIELD_QUESTIONS = {**TINY_QUESTIONS, "plugins": {"type": "yaml", "default": ["alpha", "beta"]}}
YIELD_PART = "{% yield plugin from plugins %}{{ plugin }}{% endyield %}"
YIELD_FILES = {
    **TINY_FILES,
    # A path with copier's yield tag, then plain and templated paths after it: the yield state
    # of one path must not leak into the next.
    f"plugins/{YIELD_PART}/plugin.toml.jinja": 'name = "{{ plugin }}"\n',
    "plugins/README.md": "One folder per plugin.\n",
    f"reports/{YIELD_PART}.txt.jinja": "report on {{ plugin }}\n",  # the yield in the file's name
    "plugins/{{ flavour }}.txt": "flavour\n",
    "docs/{% if loud %}loud.md{% endif %}": "loud\n",
}


@pytest.mark.parametrize("answers", ANSWER_SETS.values(), ids=ANSWER_SETS.keys())
def test_new_renders_what_copier_alone_renders(
    tmp_path: Path, renders: Renders, answers: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`new` adds a commit, never a byte or a mode of its own to a file (uv.lock included).

    Plain copier's side is the run's shared render of the same answers (the one the template
    tests read): this checkout's template, of which `new` renders the release. So the one
    difference allowed is the source its answers file records, which must be `new`'s default.
    """
    from mvpscaffold.templates.source import default_template

    answers = {"project_name": "My App", **answers}  # as the shared renders name a project
    (tmp_path / "gitconfig").write_text("", encoding="utf-8")  # no identity for `new` to guess
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    slug = re.sub(r"[^a-z0-9]+", "-", str(answers["project_name"]).lower()).strip("-")
    folder = str(answers.get("project_slug", slug))
    settings = [arg for key, value in answers.items() for arg in ("--set", f"{key}={value}")]
    result = run_cli(["new", folder, "--defaults", "--quiet", "--no-git", *settings], tmp_path)
    assert result.exit_code == 0, result.output
    ours = _tree(tmp_path / folder)
    theirs = _tree(renders.copy(answers))
    assert "uv.lock" in ours  # the release's lock, which `uv lock` found up to date
    src, ref = default_template()
    recorded, mode = theirs.pop(".copier-answers.yml")
    source = re.compile(rb"^_commit: .*\n_src_path: .*\n", re.M)
    assert len(source.findall(recorded)) == 1, recorded
    release = f"_commit: {ref}\n_src_path: {src}\n".encode()
    assert ours.pop(".copier-answers.yml") == (source.sub(lambda _: release, recorded), mode)
    assert ours == theirs


def test_new_renders_what_copier_alone_renders_from_any_template(tmp_path: Path) -> None:
    template = make_release(tmp_path / "yielding", questions=YIELD_QUESTIONS, files=YIELD_FILES)
    result = run_cli(
        ["new", "yours", "--template", str(template), "--defaults", "--quiet", "--no-git"],
        cwd=tmp_path,
    )
    assert result.exit_code == 0, result.output
    recorded = {k: v for k, v in read_answers(tmp_path / "yours").items() if not k.startswith("_")}
    _copier_alone(str(template), None, recorded, tmp_path / "copier-yours")
    rendered = _tree(tmp_path / "yours")
    assert rendered == _tree(tmp_path / "copier-yours")
    assert rendered["plugins/beta/plugin.toml"][0] == b'name = "beta"\n'
    assert rendered["reports/beta.txt"][0] == b"report on beta\n"
    assert {"plugins/README.md", "plugins/plain.txt"} <= rendered.keys()
