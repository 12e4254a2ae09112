"""Name the sides of the conflict blocks an update leaves inline in the owner's files.

copier 9.19 merges a file that does not patch cleanly with `git merge-file -L "before updating"
-L "last update" -L "after updating"`, so its markers read `<<<<<<< before updating`,
`>>>>>>> after updating` and, when git's merge.conflictStyle is diff3 or zdiff3,
`||||||| last update`. Those labels do not say whose side is whose; these do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# A marker line as git writes it (7 characters unless a conflict-marker-size attribute says more).
_MARKER = re.compile(
    rb"(?P<marker><{7,}|\|{7,}|>{7,}) (?P<label>before updating|last update|after updating)"
    rb"(?P<end>[ \t]*\r?\n?)"
)
_SIDE = {b"<": b"before updating", b"|": b"last update", b">": b"after updating"}


def side_labels(old_version: str, new_version: str) -> dict[bytes, bytes]:
    """The label each marker gets: the owner's version, the old template, the new template."""
    return {
        b"<": b"your version (before the update)",
        b"|": f"template {old_version}".encode(),
        b">": f"template {new_version} (the update)".encode(),
    }


def name_sides(path: Path, old_version: str, new_version: str) -> bool:
    """Relabel copier's conflict markers in one file; say whether it had any."""
    try:
        data = path.read_bytes()
    except OSError:
        return False
    labels = side_labels(old_version, new_version)
    lines = data.splitlines(keepends=True)
    changed = False
    for number, line in enumerate(lines):
        match = _MARKER.fullmatch(line)
        if match is None or _SIDE[match["marker"][:1]] != match["label"]:
            continue
        side = match["marker"][:1]
        lines[number] = match["marker"] + b" " + labels[side] + match["end"].lstrip(b" \t")
        changed = True
    if changed:
        path.write_bytes(b"".join(lines))
    return changed


def name_sides_in(paths: Iterable[Path], old_version: str, new_version: str) -> list[Path]:
    """Relabel the markers of every file given; return the files that had any."""
    return [path for path in paths if name_sides(path, old_version, new_version)]
