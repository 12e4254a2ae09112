"""`make mutation` in a generated project: mutmut runs on the unit tests, prints a score and gates on it.

One module's mutants (MUTANTS) keep it to about a minute; the whole score is a dated figure in the
generated README, not something a test waits for.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from generated import check_env, render, run_make

RECORDS_MUTANTS = {"MUTANTS": "my_app.domain.records.*"}
# The test of every rule a field can break, up to the next test.
RULES_TEST = re.compile(r'@pytest\.mark\.parametrize\(\n    \("changes", "message", "field"\),.*?\n\n\n', re.DOTALL)


@pytest.mark.slow
def test_make_mutation_prints_the_score_and_fails_when_a_mutant_survives(
    copie: Any, app_venv: Path, tmp_path: Path
) -> None:
    project = render(copie, {})
    env = check_env(app_venv, tmp_path, None, None) | RECORDS_MUTANTS

    caught = run_make(project, "mutation", app_venv, env)
    output = caught.stdout + caught.stderr
    assert caught.returncode == 0, output[-4000:]
    assert re.search(r"Mutation score: 100\.0% \((\d+) of \1 mutants caught", output), output[-4000:]

    # Without the test of each rule's refusal, changes to the rules go unnoticed.
    domain_tests = project / "tests" / "unit" / "test_records.py"
    weakened, removed = RULES_TEST.subn("", domain_tests.read_text())
    assert removed == 1
    domain_tests.write_text(weakened)
    survived = run_make(project, "mutation", app_venv, env)
    output = survived.stdout + survived.stderr
    assert survived.returncode != 0
    score = re.search(r"Mutation score: ([\d.]+)% \((\d+) of (\d+) mutants caught", output)
    assert score is not None, output[-4000:]
    assert float(score[1]) < 90 and score[2] != score[3]
