"""Ask for a resource's fields in a terminal: the only module that talks to questionary.

The template's own questions are copier's to ask (`mvpscaffold new` renders with copier's prompts).
"""

from __future__ import annotations

from collections.abc import Callable

import questionary

from mvpscaffold.errors import UserInputError


def ask_fields(parse: Callable[[str], object]) -> list[str]:
    """Ask for a resource's fields one by one (NAME:TYPE, `?` for optional) until an empty answer.

    `parse` checks each answer and raises UserInputError, whose message is shown inline.
    """

    def check(raw: str) -> bool | str:
        try:
            if raw.strip():
                parse(raw.strip())
        except UserInputError as error:
            return error.message
        return True

    fields: list[str] = []
    while True:
        try:
            answer: str = questionary.text(
                f"Field {len(fields) + 1}",
                instruction="NAME:TYPE, such as title:str:80 or due:date? (empty: done)",
                validate=check,
            ).unsafe_ask()
        except EOFError:
            raise KeyboardInterrupt from None
        if answer.strip():
            fields.append(answer.strip())
        elif fields:
            return fields
