"""Hatch build hook: ship the template's release history (template.bundle) in the wheel and sdist.

From a git checkout the bundle is built from the release map and the working tree
(mvpscaffold.templates.source.build_bundle); an sdist has no .git and carries the bundle it was
built with, which its wheel reuses, so both give the same wheel.
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
    name = re.sub(r"[-_.]+", "-", distribution.lower())
    init = (root / "src" / "mvpscaffold" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^TEMPLATE_NAME = "([^"]+)"', init, re.M)
    copier_yml = (root / "copier.yml").read_text(encoding="utf-8")
    declared = re.search(r"^template_id:\n(?:  .*\n)*?  default: (\S+)$", copier_yml, re.M)
    now = (found and found[1], declared and declared[1])
    if now == (name, name):
        return None
    return (
        f"the distribution is named {distribution!r}, so TEMPLATE_NAME in"
        f" src/mvpscaffold/__init__.py (now {now[0]!r}) and the default of copier.yml's"
        f" template_id (now {now[1]!r}) must both be {name!r}: its projects record"
        f" ~/.cache/{name}/template.bundle and that identity, so that no other build of the"
        " template takes them for its own (docs/FORKS.md)"
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
                from mvpscaffold.templates import source
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
