"""Hatch build hook: ship the template's release history (template.bundle) in the wheel and sdist.

From a git checkout the bundle is built from the release map and the working tree
(mvpscaffold.source.build_bundle); an sdist has no .git and carries the bundle it was built with,
which its wheel reuses, so both give the same wheel.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PREBUILT = "src/mvpscaffold/template.bundle"


def template_name_problem(root: Path, distribution: str) -> str | None:
    """Why the distribution's name, its TEMPLATE_NAME and copier.yml's template_id disagree, or
    None when they agree."""
    text = (root / "src" / "mvpscaffold" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^TEMPLATE_NAME = "([^"]+)"', text, re.MULTILINE)
    name = re.sub(r"[-_.]+", "-", distribution.lower())
    declared = re.search(
        r"^template_id:\n(?:  .*\n)*?  default: (\S+)$", (root / "copier.yml").read_text(), re.M
    )
    if found and found[1] == name and declared and declared[1] == name:
        return None
    if found and found[1] == name:
        return (
            f"the distribution is named {distribution!r} but copier.yml's template_id is"
            f" {declared[1] if declared else None!r}; set its default to {name!r}, the identity"
            " its projects record, so that no other template is taken for this one (docs/FORKS.md)"
        )
    return (
        f"the distribution is named {distribution!r} but src/mvpscaffold/__init__.py sets"
        f" TEMPLATE_NAME = {found[1] if found else None!r}; set it to {name!r}, so that its"
        f" projects record ~/.cache/{name}/template.bundle and no other build of the template"
        " takes them for its own (docs/FORKS.md)"
    )


class TemplateHistoryHook(BuildHookInterface):  # type: ignore[type-arg]
    """Build (or reuse) template.bundle and add it to the artifact being built."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Put the bundle where the installed package (or the sdist) expects it."""
        if version == "editable":
            return  # an editable install builds its bundle from the checkout at run time
        root = Path(self.root)
        if problem := template_name_problem(root, self.metadata.name):
            raise RuntimeError(problem)
        self._workdir = Path(tempfile.mkdtemp(prefix="mvpscaffold-build-"))
        if (root / ".git").exists():
            sys.path.insert(0, str(root / "src"))  # the checkout's own, not an installed one
            try:
                from mvpscaffold import source
            finally:
                sys.path.remove(str(root / "src"))
            bundle = source.build_bundle(root, self.metadata.version, self._workdir)
            if source.template_is_dirty(root):
                self.app.display_warning(
                    "copier.yml or template/ has uncommitted changes: this build's template"
                    f" {self.metadata.version} is not any commit's (fine for development, not for"
                    " a release; see docs/RELEASING.md)"
                )
        elif (root / PREBUILT).is_file():
            bundle = root / PREBUILT
        else:
            raise RuntimeError(f"no .git and no {PREBUILT}: cannot ship the template history")
        target = PREBUILT if self.target_name == "sdist" else "mvpscaffold/template.bundle"
        build_data["force_include"][str(bundle)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary bundle once the artifact holds it."""
        if getattr(self, "_workdir", None) is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
