"""Real processes: Ctrl-C and SIGTERM at the questions and during rendering leave nothing behind;
a full interactive session in a pseudo-terminal renders a project."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest
import typer
from helpers import make_release, read_answers, snapshot

DOWN = "\x1b[B"
INTERRUPTED = "Interrupted; nothing was written."


def _env(tmp_path: Path) -> dict[str, str]:
    """A fresh machine's git (no identity) and a plain terminal."""
    config = tmp_path.parent / f"{tmp_path.name}-gitconfig"
    config.write_text("", encoding="utf-8")
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
        "TERM": "xterm",
        "NO_COLOR": "1",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # pexpect does not answer cursor-position requests
    }


def _spawn(args: list[str], cwd: Path) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "mvpscaffold", *args],
        cwd=str(cwd),
        env=_env(cwd),
        encoding="utf-8",
        dimensions=(40, 160),
        timeout=30,
    )


@pytest.mark.parametrize("how", ["ctrl-c key", "ctrl-d key", "SIGINT", "SIGTERM"])
def test_interrupt_at_the_questions_writes_nothing(
    tmp_path: Path, how: str, stock_questions: str
) -> None:
    child = _spawn(["new", "proj", "--template", stock_questions], tmp_path)
    child.expect("Human-readable name")
    child.expect("Proj")  # the prompt is drawn and waiting; the default is named after DEST
    if how == "ctrl-c key":
        child.sendcontrol("c")
    elif how == "ctrl-d key":  # end of input, in an emptied field
        child.sendcontrol("u")
        child.sendcontrol("d")
    else:
        child.kill(signal.SIGINT if how == "SIGINT" else signal.SIGTERM)
    child.expect(INTERRUPTED)
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert list(tmp_path.iterdir()) == []


def _slow_template(root: Path) -> Path:
    """A template whose task sleeps, so the render can be interrupted while it runs."""
    return make_release(root, settings={"_tasks": ["sleep 30"]})


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("existing_dest", [False, True], ids=["new-dest", "empty-dest"])
def test_interrupt_during_rendering_removes_everything(
    tmp_path: Path, sig: signal.Signals, existing_dest: bool
) -> None:
    template = _slow_template(tmp_path / "tpl")
    area = tmp_path / "area"
    area.mkdir()
    if existing_dest:
        (area / "out").mkdir()
    before = snapshot(tmp_path)
    process = subprocess.Popen(
        [sys.executable, "-m", "mvpscaffold", "new", "out", "--defaults", "--trust",
         "--template", str(template)],
        cwd=area,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not any(area.glob(".out.mvpscaffold-*/out/README.md")):  # rendered; the task sleeps
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the render never started"
        time.sleep(0.05)
    time.sleep(0.2)

    started = time.monotonic()
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=20)

    assert process.returncode == 130, stderr
    assert time.monotonic() - started < 10  # did not wait for the 30 s task
    assert stderr.strip() == INTERRUPTED
    assert stdout == ""
    assert snapshot(tmp_path) == before


def test_interactive_session_answers_every_question(tmp_path: Path, stock_questions: str) -> None:
    """copier asks copier.yml's questions: defaults in the field, validators inline."""
    child = _spawn(["new", "pty project", "--template", stock_questions], tmp_path)

    def answer(question: str, text: str | None = None, default: str | None = None) -> None:
        child.expect(question)  # the question's help line from copier.yml
        if default is not None:
            child.expect(default)  # written into the field: Enter takes it
        if text is not None:
            child.sendcontrol("u")  # clear the default, then type
            child.send(text)
        child.send("\r")

    answer("Human-readable", "Pty Shop", default="Pty Project")  # named after its folder
    answer("Distribution and folder name", default="pty-shop")  # derived from the name typed
    answer("Python import name", default="pty_shop")
    answer("One sentence", "A shop driven by a pty.")
    answer("Your name or your company's", "Ana Lima")
    answer("Contact e-mail", "not-an-email")
    child.expect("must look like name@example.com")  # inline validation, the template's rule
    child.sendcontrol("u")
    child.send("ana@example.org\r")
    child.expect("Database")
    child.send(DOWN + "\r")  # postgresql
    child.expect("Background jobs")
    child.send("\r")  # embedded
    child.expect("Continuous integration")
    child.send(DOWN + DOWN + "\r")  # none
    child.expect("License of")
    child.send(DOWN + "\r")  # Apache-2.0
    child.expect("Sentry")
    child.send("y")
    child.expect("Prometheus")
    child.send("n")
    child.expect("Created Pty Shop")
    child.expect(pexpect.EOF)
    child.close()

    assert child.exitstatus == 0
    answers = read_answers(tmp_path / "pty project")
    assert {key: value for key, value in answers.items() if not key.startswith("_")} == {
        "project_name": "Pty Shop",
        "project_slug": "pty-shop",
        "package_name": "pty_shop",
        "description": "A shop driven by a pty.",
        "author_name": "Ana Lima",
        "author_email": "ana@example.org",
        "database": "postgresql",
        "jobs": "embedded",
        "ci": "none",
        "license": "Apache-2.0",
        "error_tracking": True,
        "metrics": False,
    }
    assert (tmp_path / "pty project" / ".git").is_dir()


@pytest.mark.parametrize(
    "command",
    [[str(Path(sys.executable).parent / "mvpscaffold")], [sys.executable, "-m", "mvpscaffold"]],
    ids=["console-script", "python-m"],
)
def test_interrupt_while_the_cli_loads_is_one_sentence(tmp_path: Path, command: list[str]) -> None:
    """Ctrl-C in the first moments, while typer and friends load: no traceback of Python's own.

    A stand-in typer on PYTHONPATH says when the CLI's imports have reached it, then sleeps there.
    """
    shim = tmp_path / "shim"
    shim.mkdir()
    ready = tmp_path / "importing-typer"
    (shim / "typer.py").write_text(
        f"import pathlib, time\npathlib.Path({str(ready)!r}).touch()\ntime.sleep(30)\n"
    )
    process = subprocess.Popen(
        [*command, "check", "."],
        cwd=tmp_path,
        env={**_env(tmp_path), "PYTHONPATH": str(shim)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while not ready.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the CLI never imported typer"
        time.sleep(0.01)

    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=20)

    assert (process.returncode, stderr, stdout) == (130, INTERRUPTED + "\n", "")


def test_interrupt_outside_a_command_body_is_one_sentence(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """typer turns a Ctrl-C it sees (while parsing options) into a silent exit 130: we speak."""
    from mvpscaffold import cli

    bare = typer.Typer()

    @bare.command()
    def stop() -> None:  # what a Ctrl-C before our command's body looks like to typer
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "app", bare)
    with pytest.raises(SystemExit) as exited:
        cli.main()

    assert exited.value.code == 130
    assert capsys.readouterr().err == INTERRUPTED + "\n"
