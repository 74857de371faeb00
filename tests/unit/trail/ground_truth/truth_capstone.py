"""Ground truth: three real Codex sessions of the public repository
493-Property-Estimator/Capstone-Test-Repo, checked by hand.

A student team ran Codex (spec-kit prompts) with its home inside the work folder and committed
`.codex/sessions/` in 50f549a ("codex logs", 2026-03-10; cwd
/home/fronk/ECE493/Capstone/Group/ece493_2026w_group14). Each rollout is read from 50f549a; the
repository is cloned from its fetched mirror into a temporary folder, never committed here. Each
expectation was decided by hand, not from the tool's output: each patch's added lines (whitespace
aside) were counted in the file at 67bec8d, 9e20901, e32af7a, 50f549a and the reference (`git show`),
the files' history read with `git log --all --full-history -M`, and the session's own shell calls
read where lines went missing before the commit:

- 019cd45b (2026-03-09 20:53 UTC, the project's spec-kit templates): L106, L120 (plan-template.md),
  L127 (spec-template.md), L134 (tasks-template.md, 28 lines) reached 67bec8d ("Added in
  constitution") whole (L106 9 of its 10 lines); 50f549a, a teammate's commit, put the three stock
  spec-kit templates back and none of their lines is at the reference: reverted. L99 (a shell `cat
  <<'EOF' > .specify/memory/constitution.md`, owned by its step since truth20): its text is 67bec8d's
  file but the last line (L106's), unchanged since: alive;
- 019cd4ae (22:34-22:59 UTC, clarifications of UC-01..03): L274, L331, L484, L489, L689 reached
  9e20901 whole, and e32af7a renamed the folders (001-uc01-feature-spec -> 001-user-geocode,
  002-uc02-feature-spec -> 002-user-coords, 003-uc03-feature-spec -> 003-user-map), nothing else of
  them changed since: alive, path_now the new names. L624 renumbered 25 requirement and mapping lines
  of UC-03; 40 s later, two apply_patch calls having failed, the session's own shell call (a python
  `str.replace` heredoc) renumbered them again for a new FR-03-009, so 9e20901 holds 10 of the 25
  as written and the other 15 with their numbers moved by one: transformed, accepted in 9e20901. The
  trail says lost (xfail below). The spec-kit heredocs of the same session that made the specs
  (L189 spec.md, L204 its checklist) reached 9e20901 and e32af7a changed one line of each (the
  `**Feature Branch**`/`**Feature**` line naming the renamed folder): transformed, path_now the new name;
- 019cd557 (2026-03-10 01:25-01:36 UTC, UC-29 and UC-32 specs, logged branch
  028-partial-open-data-results, which the repository does not hold): L68 (spec.md written whole),
  L144, L451 (six clarification lines each) reached 9e20901 and are there unchanged: alive; L88 and
  L400 (checklists, 27 lines) reached 9e20901, and e32af7a replaced their `**Feature**:` line (an
  absolute link made a repository path): transformed.

  The same heredocs for UC-02 and UC-03 (L413 and L574 spec.md, L423 and L584 checklists; read by
  hand in truth21): in 9e20901 but for the requirement lines the session renumbered before it (L465
  and L624), and e32af7a changed each one's folder line: transformed, path_now the new names.

22 patches asserted (7 shell writes since truth20); of the first 15, 14 agree (L624 does not, before
and after this branch's fixes). Judged at
36e8361 (master when the mirror was fetched).
"""

from __future__ import annotations

import mirrored
import pytest
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "493-Property-Estimator", "Capstone-Test-Repo"
REF = "36e8361751e016c162d8d17c23878bd0df85acfc"
LOGGED = "50f549a81f62b048b031e3cc67ec93608b952799"
TEMPLATES_TOOK = "67bec8da457e2142029b32240093396bed10081e"
SPECS_TOOK = "9e20901e98242dd17e2fd28d345b55497501a35c"
ROLLOUTS = ".codex/sessions/2026/03/"
LOGS = {
    "019cd45b": "09/rollout-2026-03-09T14-47-50-019cd45b-29bd-7a52-a492-de9ebd6ced40.jsonl",
    "019cd4ae": "09/rollout-2026-03-09T16-19-13-019cd4ae-d53b-7632-be1c-624431e08b56.jsonl",
    "019cd557": "09/rollout-2026-03-09T19-23-18-019cd557-5f13-7971-a46f-8ed5b92a5019.jsonl",
}
TPL = ".specify/templates/"
UC1, UC2, UC3 = (f"specs/00{n}-uc0{n}-feature-spec/spec.md" for n in (1, 2, 3))
NOW = {
    UC1: "specs/001-user-geocode/spec.md",
    UC2: "specs/002-user-coords/spec.md",
    UC3: "specs/003-user-map/spec.md",
}
CACHE, ERRORS = "specs/029-cache-computations/", "specs/032-invalid-input-errors/"

# (session, step id, path, state, accepting commit, path_now)
TRUTH = [
    ("019cd45b", "L99", ".specify/memory/constitution.md", "alive", TEMPLATES_TOOK, None),
    ("019cd45b", "L106", TPL + "plan-template.md", "reverted", TEMPLATES_TOOK, None),
    ("019cd45b", "L120", TPL + "plan-template.md", "reverted", TEMPLATES_TOOK, None),
    ("019cd45b", "L127", TPL + "spec-template.md", "reverted", TEMPLATES_TOOK, None),
    ("019cd45b", "L134", TPL + "tasks-template.md", "reverted", TEMPLATES_TOOK, None),
    ("019cd4ae", "L189", UC1, "transformed", SPECS_TOOK, NOW[UC1]),
    ("019cd4ae", "L204", "specs/001-uc01-feature-spec/checklists/requirements.md", "transformed", SPECS_TOOK,
     "specs/001-user-geocode/checklists/requirements.md"),
    ("019cd4ae", "L274", UC1, "alive", SPECS_TOOK, NOW[UC1]),
    ("019cd4ae", "L331", UC1, "alive", SPECS_TOOK, NOW[UC1]),
    ("019cd4ae", "L484", UC2, "alive", SPECS_TOOK, NOW[UC2]),
    ("019cd4ae", "L489", UC2, "alive", SPECS_TOOK, NOW[UC2]),
    pytest.param(
        ("019cd4ae", "L624", UC3, "transformed", SPECS_TOOK, NOW[UC3]),
        marks=pytest.mark.xfail(
            strict=True,
            reason="a shell call of the session (a python heredoc) renumbered 15 of the 25 lines before "
            "the commit; the trail sees no shell edit's lines, and a commit holding 10 of 25 as written "
            "(under half) is not one the patch reached: read lost",
        ),
        id="019cd4ae:L624",
    ),
    ("019cd4ae", "L689", UC3, "alive", SPECS_TOOK, NOW[UC3]),
    ("019cd557", "L68", CACHE + "spec.md", "alive", SPECS_TOOK, None),
    ("019cd557", "L88", CACHE + "checklists/requirements.md", "transformed", SPECS_TOOK, None),
    ("019cd557", "L144", CACHE + "spec.md", "alive", SPECS_TOOK, None),
    ("019cd557", "L400", ERRORS + "checklists/requirements.md", "transformed", SPECS_TOOK, None),
    ("019cd557", "L451", ERRORS + "spec.md", "alive", SPECS_TOOK, None),
    ("019cd4ae", "L413", UC2, "transformed", SPECS_TOOK, NOW[UC2]),
    ("019cd4ae", "L423", "specs/002-uc02-feature-spec/checklists/requirements.md", "transformed", SPECS_TOOK,
     "specs/002-user-coords/checklists/requirements.md"),
    ("019cd4ae", "L574", UC3, "transformed", SPECS_TOOK, NOW[UC3]),
    ("019cd4ae", "L584", "specs/003-uc03-feature-spec/checklists/requirements.md", "transformed", SPECS_TOOK,
     "specs/003-user-map/checklists/requirements.md"),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, LOGGED, checkout=False)
    home = tmp_path_factory.mktemp("home")
    fates = {}
    for short, name in LOGS.items():
        [files] = group("codex", [mirrored.committed(repo, LOGGED, ROLLOUTS + name, home)])
        session = read_session(files)
        assert (session.skipped, session.errors) == ({}, [])
        fates[short] = trail(session, repo=repo, ref=REF).fates
    return Judged(repo, fates)


def the_teammates_template_commit_is_what_reverted_the_templates(judged: Judged) -> None:
    templates = [f for f in judged.of("019cd45b") if f.patch.path.startswith(TPL)]
    assert len(templates) == 4
    for f in templates:
        assert (f.state, f.commits) == ("reverted", [LOGGED])


CAPSTONE = GroundTruth(
    "capstone",
    judge,
    TRUTH,
    columns=("session", "step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(the_teammates_template_commit_is_what_reverted_the_templates,),
)
