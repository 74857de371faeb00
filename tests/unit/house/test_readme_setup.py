"""README's set-up (issue 40): the first command installs tracetui for use and runs the demo, without
the test extras (70 packages, 459 MB, 131 s before); the second installs the test extras and runs the
tests; `.ci/run` runs that second command's two parts, its install and then its tests, each word for
word, and installs nothing else into the environment but the `spark` extra, offline, from wheels it
built (issue 37: pyspark is a 456 MB source archive, kept out of `test`)."""

from __future__ import annotations

import re
from shared_data import ROOT



def _setup_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Set up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_the_first_command_installs_for_use_and_runs_the_demo():
    use, _ = _setup_commands()
    assert "\n" not in use and "[test]" not in use
    assert re.search(r"\.venv/bin/pip install (-e )?\.( |$)", use)
    assert use.endswith(".venv/bin/tracetui demo")


def test_the_second_command_installs_the_test_extras_and_runs_the_tests_as_ci_does():
    _, tests = _setup_commands()
    assert "\n" not in tests and "'.[test]'" in tests and "-m pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    # Its install first, while the system packages install beside it; its tests once those are in.
    install, joined, pytest = tests.partition(" && .venv/bin/python -m pytest")
    run = joined.removeprefix(" && ") + pytest
    assert joined and install in ci and run in ci and ci.index(install) < ci.index(run)
    others = [line for line in ci if "pip install" in line and line != install]
    # The one other install: the optional `spark` extra, from the wheels built beside the set-up, with
    # no index (so it cannot bring in what README's install leaves out).
    assert all("--no-index" in line and '"${spark[@]}"' in line for line in others), others
    assert len(others) <= 1
    assert '["optional-dependencies"]["spark"]' in (ROOT / ".ci" / "run").read_text()
