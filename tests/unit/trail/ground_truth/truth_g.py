"""Ground truth: four real Codex sessions of the public repository Ogekuri/G, checked by hand.

The author committed `~/.codex/sessions` into the repository it worked on (Codex 0.70.0-alpha.4 and
0.72.0, Dec 2025, cwd /home/ogekuri/G, ten rollouts, dropped from the tree later); each rollout is
read from the commit that holds it, the repository is cloned from its fetched mirror into a temporary
folder, never committed here. Each expectation was decided by hand, not from the tool's output: each
patch's lines were compared with `git show` of the commits after the step and of the reference, and
`git log -S` read for the lines that are gone:

- 019b2114 L214 created docs/requirements.md_DRAFT.md (130 lines, Italian); the file was never
  committed under that name, 295bd02 added docs/requirements.md holding 78 of its lines; at the
  reference that file is gone (01524ce), docs/REQUIREMENTS.md is an English rewrite that shares only
  six generic front-matter lines with the draft: reverted, path_now docs/requirements.md;
- 019b228e (25 patches, committed in b76be8c): L186 (the `.g.conf` constants and `get_branch`) keeps
  `CONFIG_FILENAME`, `"master": "master"`, `def get_branch(name):` but lost the rest: transformed;
  L270 reworded help strings of aliases (`medev`, `mewrk`, `mkdev`...) that the reference no longer
  has at all: reverted; L291 (`cmd_ar` on the configured master branch) and L694
  (`load_cli_config(git_root)`) are at the reference as written: alive; L415 (DES-006) and L422
  (REQ-015) added lines that the same session's L645 rewrote before the commit, so no commit holds
  them as written: lost; L528 (README "Configuring branch names") was rewritten, two lines remain:
  transformed;
- 019b22ab (committed in 5701c92): L123 (requirements 0.4, Italian) is in no form at the reference:
  reverted; L130 (`MANAGEMENT_HELP` and its loop in `print_all_help`) keeps the list's name and the
  loop, its entries were reworded: transformed;
- 019b2b81 (committed in b1d62fb): L156 (requirements 0.9) gone with the Italian file: reverted; L170
  and L184 deleted the `mk*` aliases' help entries and table rows, none of which came back (`git log
  -S'"mkrepo"'` ends at b1d62fb): alive; L177 deleted the six `cmd_mk*` functions (99 lines), and
  `git log -S'def cmd_mkmas'` shows they never came back, so the deletion is alive. The trail said
  transformed (kept 85, dropped 1 of 86): the file grew five-fold since, and one deleted line that
  had no twin in the file then, `    develop_branch = get_branch("develop")`, recurs six times in new
  code (first in 6176cb1), which `evidence._back` took for the deletion partly undone; a long block
  of which under a tenth is back now stays deleted (fixed with dphaener/dotfiles' like case).

14 patches asserted; 13/14 agreed before the fix in trail.evidence._back. Judged at 938d895
(master when the mirror was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "Ogekuri", "G"
REF = "938d895cdaeead49fedd2a8fb19a3d9c841aeb79"
DRAFT = "295bd0266c2cc3cf28a365371055a8cb7d75dc1c"
CONFIG = "b76be8c77a253cdb44e58a3d90bdf33e4f98197b"
HELP = "5701c92a2161015351229c1948ea4302f7404cc9"
REMOVE = "b1d62fb30b458e846e56ebe9461caa1ececa301c"
DAY15 = ".codex/sessions/2025/12/15/rollout-2025-12-15T"
LOGS = {
    "019b2114": (DRAFT, DAY15 + "09-15-54-019b2114-8f1f-7e53-9510-172d028728b4.jsonl"),
    "019b228e": (CONFIG, DAY15 + "16-09-01-019b228e-c910-7c60-aa02-950574d79541.jsonl"),
    "019b22ab": (HELP, DAY15 + "16-40-06-019b22ab-3eb0-7891-8ce9-b00238a6a671.jsonl"),
    "019b2b81": (
        REMOVE,
        ".codex/sessions/2025/12/17/rollout-2025-12-17T09-50-39-019b2b81-1882-7b50-ae4a-d08364187e5a.jsonl",
    ),
}
CORE = "src/git_alias/core.py"
REQS = "docs/requirements.md"

# (session, step id, path, state, accepting commit, path_now)
TRUTH = [
    ("019b2114", "L214", "docs/requirements.md_DRAFT.md", "reverted", DRAFT, REQS),
    ("019b228e", "L186", CORE, "transformed", CONFIG, None),
    ("019b228e", "L270", CORE, "reverted", CONFIG, None),
    ("019b228e", "L291", CORE, "alive", CONFIG, None),
    ("019b228e", "L415", REQS, "lost", None, None),
    ("019b228e", "L422", REQS, "lost", None, None),
    ("019b228e", "L528", "README.md", "transformed", CONFIG, None),
    ("019b228e", "L694", CORE, "alive", CONFIG, None),
    ("019b22ab", "L123", REQS, "reverted", HELP, None),
    ("019b22ab", "L130", CORE, "transformed", HELP, None),
    ("019b2b81", "L156", REQS, "reverted", REMOVE, None),
    ("019b2b81", "L170", CORE, "alive", REMOVE, None),
    ("019b2b81", "L177", CORE, "alive", REMOVE, None),
    ("019b2b81", "L184", CORE, "alive", REMOVE, None),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, checkout=False)
    home = tmp_path_factory.mktemp("home")
    fates = {}
    for short, (commit, path) in LOGS.items():
        [files] = group("codex", [mirrored.committed(repo, commit, path, home)])
        session = read_session(files)
        assert (session.skipped, session.errors) == ({}, [])
        result = trail(session, repo=repo, ref=REF)
        assert result.note == f"paths under /home/ogekuri/G (as logged) are read in {repo}"
        fates[short] = result.fates
    return Judged(repo, fates)


def the_lines_the_session_rewrote_before_the_commit_name_the_step_that_did(judged: Judged) -> None:
    later = {f.patch.step_id: f.superseded_by for f in judged.of("019b228e")}
    assert (later["L415"], later["L422"]) == ("L645", "L645")
    assert [len(judged.of(k)) for k in LOGS] == [1, 25, 2, 4]


G = GroundTruth(
    "G",
    judge,
    TRUTH,
    columns=("session", "step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(the_lines_the_session_rewrote_before_the_commit_name_the_step_that_did,),
)
