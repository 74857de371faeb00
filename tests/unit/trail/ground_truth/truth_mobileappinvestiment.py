"""Ground truth: two real Codex sessions of the public repository FlavioHeartnet/mobileappinvestiment,
checked by hand.

The author ran Codex with its home inside the work folder and committed `.codex/sessions/` in
5f92a6c ("auth remove", 2025-11-03 18:56 -0300, cwd /Users/flaviobarros/Developer/simuladorinvestimentoApp,
logged branch 001-project-retirement-returns; the repository holds only master). Both sessions are
spec-kit runs (specify, plan, constitution) 45-55 minutes before that commit. Each rollout is read
from 5f92a6c; the repository is cloned from its fetched mirror into a temporary folder, never
committed here. Each expectation was decided by hand, not from the tool's output: each patch's added
lines (whitespace aside) were counted in the file at b2a0d90 (the template), 5f92a6c, 4b8ef8a and the
reference (`git show`), and each file's history read with `git log --all --full-history`:

- 019a4b4f: L136 (spec.md, 46 lines) is in 5f92a6c and unchanged since: alive;
- 019a4b58: L73, L94, L143 (plan.md), L87 (research.md), L108 (data-model.md), L122 (the OpenAPI
  contract, 211 lines), L129 (quickstart.md) are in 5f92a6c whole, no later commit touched them:
  alive; L66 (plan.md, 26 lines) reached 5f92a6c with 22: its four NEEDS CLARIFICATION lines are the
  ones L94 replaced before the commit: transformed; L255 wrote the project's constitution (50 lines,
  all in 5f92a6c and now): alive; L248 deleted the template constitution just before (37 placeholder
  lines, of which only the two headings `## Core Principles` and `## Governance` are in L255's file):
  5f92a6c holds the deletion and so does the reference: alive. The trail said `lost`: a file written
  again after its deletion was taken as the deletion undone (fixed in line_identity._writes_back);
  L262 and L276 (tasks-template.md, 28 and 8 lines) reached 5f92a6c, and 4b8ef8a ("done 1", spec-kit
  reinstalled) put the template back byte for byte (`git diff b2a0d90 4b8ef8a` is empty): reverted.

- 019a4b4f's shell heredocs (read by hand in truth21): L164 wrote the spec's checklist with 16 empty
  boxes and L171 wrote it again 30 s later with every box ticked; 5f92a6c holds L171's text, unchanged
  since: L164 transformed (its 9 other lines), superseded by L171; L171 alive.

15 patches asserted; 12 of the first 13 agreed before the fix. Judged at ef6b4ad (master when the mirror was
fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "FlavioHeartnet", "mobileappinvestiment"
REF = "ef6b4ad98a04b5a44095c41bc55f1de89fce582b"
TOOK = "5f92a6c6619fc8a7b124664b9a4454b42ea2f2cd"
REINSTALLED = "4b8ef8ac31d1e3b293341c53a8bea5539b781995"
ROLLOUTS = ".codex/sessions/2025/11/03/"
LOGS = {
    "019a4b4f": "rollout-2025-11-03T17-01-42-019a4b4f-a567-74c1-b8a5-b486665e4f70.jsonl",
    "019a4b58": "rollout-2025-11-03T17-10-53-019a4b58-0eb2-7152-8e4e-7c2370105faf.jsonl",
}
SPEC = "specs/001-project-retirement-returns/"
CONSTITUTION = ".specify/memory/constitution.md"
TASKS = ".specify/templates/tasks-template.md"

# (session, step id, path, state, accepting commit)
TRUTH = [
    ("019a4b4f", "L136", SPEC + "spec.md", "alive", TOOK),
    ("019a4b58", "L66", SPEC + "plan.md", "transformed", TOOK),
    ("019a4b58", "L73", SPEC + "plan.md", "alive", TOOK),
    ("019a4b58", "L87", SPEC + "research.md", "alive", TOOK),
    ("019a4b58", "L94", SPEC + "plan.md", "alive", TOOK),
    ("019a4b58", "L108", SPEC + "data-model.md", "alive", TOOK),
    ("019a4b58", "L122", SPEC + "contracts/retirement_projection.openapi.yaml", "alive", TOOK),
    ("019a4b58", "L129", SPEC + "quickstart.md", "alive", TOOK),
    ("019a4b58", "L143", SPEC + "plan.md", "alive", TOOK),
    ("019a4b58", "L248", CONSTITUTION, "alive", TOOK),
    ("019a4b58", "L255", CONSTITUTION, "alive", TOOK),
    ("019a4b58", "L262", TASKS, "reverted", TOOK),
    ("019a4b58", "L276", TASKS, "reverted", TOOK),
    ("019a4b4f", "L164", SPEC + "checklists/requirements.md", "transformed", TOOK),
    ("019a4b4f", "L171", SPEC + "checklists/requirements.md", "alive", TOOK),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, TOOK, checkout=False)
    home = tmp_path_factory.mktemp("home")
    fates = {}
    for short, name in LOGS.items():
        [files] = group("codex", [mirrored.committed(repo, TOOK, ROLLOUTS + name, home)])
        session = read_session(files)
        assert (session.skipped, session.errors) == ({}, [])
        fates[short] = trail(session, repo=repo, ref=REF).fates
    return Judged(repo, fates)


def the_reinstalled_template_is_what_reverted_the_task_list(judged: Judged) -> None:
    for step in ("L262", "L276"):
        [f] = [f for f in judged.of("019a4b58") if f.patch.step_id == step]
        assert f.commits == [REINSTALLED]


def the_deleted_template_is_not_replaced_by_the_new_constitution(judged: Judged) -> None:
    [deleted] = [f for f in judged.of("019a4b58") if f.patch.step_id == "L248"]
    assert deleted.superseded_by is None


MOBILEAPPINVESTIMENT = GroundTruth(
    "mobileappinvestiment",
    judge,
    TRUTH,
    columns=("session", "step", "path", "state", "commit"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(
        the_reinstalled_template_is_what_reverted_the_task_list,
        the_deleted_template_is_not_replaced_by_the_new_constitution,
    ),
)
