"""Upgrade step of 0.4.0: the app finds each resource's service by itself, so bootstrap.py loses the
lines `mvpscaffold add resource` wrote there before.

Run by copier, in the project's folder, before it merges an update from an earlier release (copier
has not read the answers yet, so the package name comes from `.copier-answers.yml`). Standard
library only, plus the YAML reader copier itself needs. For each added resource, the four lines
`add` wrote (two imports, the Container field, its wiring in build_container on one line or the
three a formatter makes of it) are taken out exactly as written, never a line of the owner's: the
owner's bootstrap.py is then the release's, and merges with no conflict. One that holds conflict
markers, or lacks the lines as written, is left alone and named, with what to do by hand.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import yaml
from owner_notes import CONFLICT, by_hand, done, run


def registration_lines(name: str, entity: str) -> list[re.Pattern[str]]:
    """The lines `add resource` wrote into bootstrap.py for one resource (before 0.4.0)."""
    service, repository = f"{entity}Service", f"Sql{entity}Repository"
    wiring = rf"SqlUnitOfWorkFactory\(engine, {repository}\)"
    return [
        re.compile(rf"^from \.data\.repositories\.{name} import {repository}\n", re.MULTILINE),
        re.compile(rf"^from \.services\.{name} import {service}\n", re.MULTILINE),
        re.compile(rf"^    {name}: {service}\n", re.MULTILINE),
        re.compile(rf"^        {name}={service}\((?:{wiring}|\n            {wiring}\n        )\),\n", re.MULTILINE),
    ]


def main() -> int:
    """Take the registration lines of every added resource out of `<package>/bootstrap.py`."""
    answers = yaml.safe_load(Path(".copier-answers.yml").read_text(encoding="utf-8")) or {}
    bootstrap = Path(str(answers.get("package_name", ""))) / "bootstrap.py"
    if not bootstrap.is_file():
        return 0
    text = bootstrap.read_text(encoding="utf-8")
    resources = []
    for answers in sorted(Path().glob(".copier-answers.resource-*.yml")):
        resource = (yaml.safe_load(answers.read_text(encoding="utf-8")) or {}).get("resource") or {}
        if isinstance(resource, dict) and resource.get("name") and resource.get("entity"):
            resources.append((str(resource["name"]), str(resource["entity"])))
    if not resources:
        return 0
    if CONFLICT.search(text):
        by_hand(bootstrap, "holds conflict markers; resolve them, then remove the lines that register"
                " each added resource's service (the app now finds services by itself).")
        return 0
    for name, entity in resources:
        patterns = registration_lines(name, entity)
        found = [pattern for pattern in patterns if pattern.search(text)]
        if not found:
            continue  # taken out already, by an earlier run or by hand
        if len(found) != len(patterns):
            by_hand(bootstrap, f"the lines that register {name} are not as `add resource` wrote them;"
                    f" remove `{name}: {entity}Service` and its wiring (services are found by module).")
            continue
        for pattern in patterns:
            text = pattern.sub("", text, count=1)
        done(bootstrap, f"the lines that registered {name} are gone (the app finds its service by itself)")
    bootstrap.write_text(text, encoding="utf-8")
    # copier merges from git's index: stage the change, or the update would still see the old lines.
    subprocess.run(["git", "add", "--", str(bootstrap)], check=True)  # noqa: S603, S607
    return 0


if __name__ == "__main__":
    run(main)
