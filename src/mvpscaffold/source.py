"""Where the default template comes from.

Interim version: the template that sits beside the installed package's source checkout.
The versions/update work replaces this with the offline bundle shipped in the wheel.
"""

from __future__ import annotations

from pathlib import Path


def default_template() -> tuple[str, str | None]:
    """Return (copier source, vcs ref) of the template `mvpscaffold new` renders by default."""
    root = Path(__file__).resolve().parents[2]
    return str(root), None
