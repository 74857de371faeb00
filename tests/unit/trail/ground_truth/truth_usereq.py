"""Ground truth: a real Codex session of the public repository Ogekuri/useReq, checked by hand.

The log (../shared/corpus/codex/Ogekuri__useReq__...rollout-2025-12-15T12-00-35-019b21ab-...jsonl,
11:00-11:25 UTC) made the installer merge VS Code settings (JSONC) instead of copying them, with four
`apply_patch` calls; its work was committed in 2c0fd85 ("Minor bug fix", 11:26 UTC), and cli.py was
changed by 145 commits since. The other useReq log of that day (14:44) only reads files and writes
outside the repository with shell commands: it has no patch. The repository is cloned from its fetched
mirror into a temporary folder, never committed here. Each expectation was decided by hand, not from
the tool's output: each patch's added lines (whitespace aside) were counted at 2c0fd85 and at the
reference, and `git log -S` read for the lines that are gone:

- L106 (cli.py, `strip_json_comments`, `load_settings`, `deep_merge_dict` and the merge in the
  installer): 47 of its 49 lines reached 2c0fd85 (L186 replaced the `for root in (RESOURCE_ROOT,
  REPO_ROOT):` lookup before the commit); 38 are at the reference, the others reworded (docstrings,
  `merged_settings` lines): transformed;
- L186 (cli.py, `build_prompt_recommendations`): all 14 reached 2c0fd85; at the reference the prompt
  keys are `req-{stem}` instead of `req.{stem}` and two other lines are reworded: transformed;
- L113 (pyproject.toml, `"resources/vscode/settings.json",` in the package data): alive;
- L193 (resources/vscode/settings.json, a file a shell command had copied in, so its state before the
  step is a guess): the four `chat.promptFilesRecommendations` lines it removed are in no commit of
  the file (`git log -S` finds none; 2c0fd85 adds it without them): alive.

All 4 patches are asserted; 4/4 agreed before any change to the trail.
Judged at fc860e1 (main when the mirror was fetched).
"""

from __future__ import annotations

import pytest
from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

LOG = CORPUS / "codex" / (
    "Ogekuri__useReq__.codex__sessions__2025__12__15__"
    "rollout-2025-12-15T12-00-35-019b21ab-55b8-7932-8d73-e85426fd3cad.jsonl"
)
READS_ONLY = CORPUS / "codex" / (
    "Ogekuri__useReq__.codex__sessions__2025__12__15__"
    "rollout-2025-12-15T14-44-44-019b2241-a0a9-7740-a0c0-33c010d4f7e6.jsonl"
)
LOGGED_ROOT = "/home/ogekuri/useReq"
REF = "fc860e11cc4857da870052191ff754cd7b5d29e3"
FIX = "2c0fd8579955c9f02fff6ecf0fdb6dc56ff7d457"
CLI = "src/usereq/cli.py"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L106", CLI, "transformed", FIX, None),
    ("L113", "pyproject.toml", "alive", FIX, None),
    ("L186", CLI, "transformed", FIX, None),
    ("L193", "src/usereq/resources/vscode/settings.json", "alive", FIX, None),
]


def the_lines_a_later_step_replaced_before_the_commit_are_not_the_first_ones(judged: Judged) -> None:
    [first] = [f for f in judged.fates if f.patch.step_id == "L106"]
    assert first.superseded_by == "L186"
    assert len(judged.fates) == len(TRUTH)


def a_session_that_only_ran_shell_commands_has_no_patch(judged: Judged) -> None:
    if not READS_ONLY.is_file():
        pytest.skip(f"the corpus log is not at {READS_ONLY}")
    [files] = group("codex", [READS_ONLY])
    assert trail(read_session(files), repo=judged.repo, ref=REF).fates == []


USEREQ = GroundTruth(
    "useReq",
    CorpusLog("codex", LOG, "Ogekuri", "useReq", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(
        the_lines_a_later_step_replaced_before_the_commit_are_not_the_first_ones,
        a_session_that_only_ran_shell_commands_has_no_patch,
    ),
    corpus=True,
)
