"""The resource fields `add resource` asks in a terminal (copier asks the template's questions)."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Terminal:
    """Keys typed in advance into a pipe, and the text the prompts drew (escapes removed)."""

    def __init__(self, keys: str) -> None:
        self.keys = keys
        self.drawn = io.StringIO()

    @property
    def screen(self) -> str:
        """Everything drawn, without colours and cursor moves."""
        return ESCAPES.sub("", self.drawn.getvalue())

    def run(self, ask: Callable[[], object]) -> object:
        """Call `ask` (a prompt function) with the keys as its input."""
        output = Vt100_Output(self.drawn, lambda: Size(rows=24, columns=160))
        with create_pipe_input() as pipe, create_app_session(input=pipe, output=output):
            pipe.send_text(self.keys)
            pipe.close()  # then end of input: a prompt still waiting fails instead of hanging
            try:
                return ask()
            except (EOFError, KeyboardInterrupt):  # the prompt turns end of input into Ctrl-C
                raise AssertionError(f"a prompt wanted more than {self.keys!r}") from None


def test_a_resource_s_fields_are_asked_one_by_one_until_an_empty_answer() -> None:
    from mvpscaffold.projects.resource_spec import parse_field
    from mvpscaffold.prompts import ask_fields

    # A bad field is refused inline (the line stays open), then replaced; an empty answer ends.
    terminal = Terminal("title:str:80\rdue:dait\r\x7f\x7f\x7fate?\r\r")
    assert terminal.run(lambda: ask_fields(parse_field)) == ["title:str:80", "due:date?"]
