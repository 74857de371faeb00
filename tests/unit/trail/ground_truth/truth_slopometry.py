"""Ground truth: a real Claude Code session of a public repository, its patches checked by hand.

The log (../shared/corpus/claude/TensorTemplar__slopometry__tests__fixtures__transcript.jsonl) is
a session that edited TensorTemplar/slopometry; the repository is cloned from its fetched mirror
into a temporary folder (never committed here). Each expectation below was decided by hand from the
history (`git log -S`, `git show`), not from the tool's output:

- the session's work was committed in 732155f (2025-12-12 18:06 UTC, after the session ended);
- in February 2026 `core/models.py` was split into the package `core/models/` (a821026 adds it,
  7d7c18d deletes the old module two commits later): lines the session put into models.py live on
  in `models/session.py`, some joined into one line by the formatter (e.g. the step 33241872 field,
  the `blind_spots` field of step 6663f74d);
- the same refactor rewrote the import blocks: `ContextCoverage,` / `PlanEvolution,` lines became
  `from slopometry.core.models.session import ...` (transformed, all alike);
- a formatter split long `console.print(...)` lines of step e5199aee before the commit (alive);
- step 48e8ac4c deleted an indented `from pathlib import Path` whose twins (one top-level, one in
  another function) stay: the deletion is committed and in place (alive);
- step 13959bb1 deleted the old copy of `visit_Call` after step 8407b8a8 wrote a new one: the
  deletion stands (alive), while 8407b8a8's method reached the commit and was edited later
  (its docstring and comments are gone at the reference: transformed);
- step 1fb39c9f's line was replaced by a later step of the session before any commit (lost);
- df392880's docstring went with its whole method in 670923d (reverted).

Judged at 22b9246 (main when the mirror was fetched), so later pushes do not move the verdicts.
Each clone lives in a temporary folder, away from the path the agent worked in: `--repo` maps the
log's paths onto it, as it would a colleague's log.
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "claude" / "TensorTemplar__slopometry__tests__fixtures__transcript.jsonl"
LOGGED_ROOT = "/Users/tensortemplar/code/slopometry"
REF = "22b9246a61bcc1ad0407844e2e2f83f866c19b4a"
ACCEPTED = "732155f2a7e409991d571558ca8f86b50787848a"
SESSION_PY = "src/slopometry/core/models/session.py"

# (step id, file name, state, accepting commit, path_now)
TRUTH = [
    ("9978e7d4-786d-41b3-b501-d4511def6882", ".gitignore", "alive", ACCEPTED, None),
    ("48e8ac4c-ae29-46f8-90cf-4c37ea062dd0", "commands.py", "alive", ACCEPTED, None),
    ("ba50b7f1-c60c-41d5-8d58-fb121eb55b8f", "models.py", "transformed", ACCEPTED, SESSION_PY),
    ("33241872-4aa7-4ec8-83cd-dd2872074370", "models.py", "alive", ACCEPTED, SESSION_PY),
    ("0e989650-ac3e-4f26-bfd9-fe6fecdb0556", "models.py", "alive", ACCEPTED, SESSION_PY),
    ("1fb39c9f-bbb2-4f21-ac72-c374fc8e891d", "plan_analyzer.py", "lost", None, None),
    ("9d3940fc-146d-4d3f-85d5-107d69bfdf6f", "plan_analyzer.py", "alive", ACCEPTED, None),
    ("2e50b202-505b-41d1-948e-73ba7adcccfc", "README.md", "transformed", ACCEPTED, None),
    ("03a13659-482b-4813-9ad5-be0c74c016de", "README.md", "transformed", ACCEPTED, None),
    ("30f76b82-db67-4790-9374-94a2c7a7dedc", "formatters.py", "alive", ACCEPTED, None),
    ("8407b8a8-94d0-48e7-a4c0-f678803725bc", "python_feature_analyzer.py", "transformed", ACCEPTED, None),
    ("13959bb1-252e-4790-a31b-6c124cd8eab3", "python_feature_analyzer.py", "alive", ACCEPTED, None),
    ("d547427a-5e38-428e-8ae6-e5ce3ff0e953", "commands.py", "alive", ACCEPTED, None),
    ("0d6bf095-d139-446a-8c0d-7f619f1c2331", "models.py", "alive", ACCEPTED, None),
    ("b9c9e14d-e203-4e98-b3d3-993ba77b2a85:1", "complexity_analyzer.py", "alive", ACCEPTED, None),
    ("df392880-f9c8-42cd-9951-889b2e265815", "complexity_analyzer.py", "reverted", ACCEPTED, None),
    ("6663f74d-8d02-4378-be07-0c063e28ac6a", "models.py", "alive", ACCEPTED, SESSION_PY),
    ("7c005bee-0076-4ab6-b429-008cb2d7ceaf", "models.py", "alive", ACCEPTED, SESSION_PY),
    ("192f8ba3-cb26-4362-ad51-f6c759e4380f", "formatters.py", "transformed", ACCEPTED, None),
    ("38abe7ac-8aee-4d1d-91e3-dffef1a1d5bb", "database.py", "transformed", ACCEPTED, None),
    ("907b652b-a74b-4d10-adff-def27684a517", "database.py", "alive", ACCEPTED, None),
    ("5abb7995-367b-4ed1-a3d2-9bd9e7afe111", "hook_handler.py", "transformed", ACCEPTED, None),
    ("5a0a7a5f-e969-4731-a5f7-66c0f2f6107b", "context_coverage_analyzer.py", "alive", ACCEPTED, None),
    ("dd45ef7b-96e4-44d7-803b-3b2bd0f0e00c", "formatters.py", "transformed", ACCEPTED, None),
    ("e5199aee-5fd7-4d10-8103-d954d44eb5be", "formatters.py", "alive", ACCEPTED, None),
]


def every_patch_inside_the_clone_is_judged(judged: Judged) -> None:
    outside = [f for f in judged.fates if f.state == "unknown"]
    # only the plan file under ~/.claude lies outside the repository
    assert outside
    assert all(f.reason == "outside the repository" and "/.claude/plans/" in f.patch.path for f in outside)
    assert len(judged.fates) - len(outside) == 55


SLOPOMETRY = GroundTruth(
    "slopometry",
    CorpusLog("claude", LOG, "TensorTemplar", "slopometry", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "file", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][:8]}:{t[1]}",
    checks=(every_patch_inside_the_clone_is_judged,),
    corpus=True,
)
