"""Hatch build hook: ship the template's release history (template.bundle) in the wheel and sdist.

From a git checkout the bundle is built fresh from the release map and the working tree; from an
sdist (which has no .git) the bundle the sdist carries is reused, so both give the same wheel.
"""

from __future__ import annotations

import importlib
import re
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PREBUILT = "src/mvpscaffold/template.bundle"
IN_WHEEL = "mvpscaffold/template.bundle"


def _load_history(root: Path) -> ModuleType:
    """Import the checkout's mvpscaffold.history, which needs none of mvpscaffold's dependencies."""
    sys.path.insert(0, str(root / "src"))
    try:
        return importlib.import_module("mvpscaffold.history")
    finally:
        sys.path.remove(str(root / "src"))


def template_name_problem(root: Path, distribution: str) -> str | None:
    """Why the distribution's name and its TEMPLATE_NAME disagree, or None when they agree."""
    text = (root / "src" / "mvpscaffold" / "__init__.py").read_text(encoding="utf-8")
    found = re.search(r'^TEMPLATE_NAME = "([^"]+)"', text, re.MULTILINE)
    declared = found[1] if found else None
    name = re.sub(r"[-_.]+", "-", distribution.lower())
    if declared == name:
        return None
    return (
        f"the distribution is named {distribution!r} but src/mvpscaffold/__init__.py sets"
        f" TEMPLATE_NAME = {declared!r}; set it to {name!r}, so that its projects"
        f" record ~/.cache/{name}/template.bundle and no other build of the"
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
        bundle = self._workdir / "template.bundle"
        if (root / ".git").exists():
            history = _load_history(root)
            history.build_bundle(root, self.metadata.version, bundle)
            if history.template_is_dirty(root):
                self.app.display_warning(
                    "copier.yml or template/ has uncommitted changes: this build's template "
                    f"{self.metadata.version} is not any commit's (fine for development, not for a "
                    "release; see docs/RELEASING.md)"
                )
        elif (root / PREBUILT).is_file():
            shutil.copyfile(root / PREBUILT, bundle)
        else:
            raise RuntimeError(f"no .git and no {PREBUILT}: cannot ship the template history")
        target = PREBUILT if self.target_name == "sdist" else IN_WHEEL
        build_data["force_include"][str(bundle)] = target

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the temporary bundle once the artifact holds it."""
        workdir = getattr(self, "_workdir", None)
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)
