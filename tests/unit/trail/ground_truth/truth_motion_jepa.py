"""Ground truth: a real Codex 0.145 session of seokhyeonhong/motion-jepa, checked by hand.

The author ran Codex (cwd /source/seokhyeon/motion-jepa/motion-jepa, the repository's top) from 26 Jul
to 6 Aug 2026 and committed its rollout in cea893f (`.codex/sessions/`, dropped from the tree in
6001058). The history begins on 6 Aug with one squashed commit (eb0abb2, "init", 06:51 UTC), after
the package the session first wrote under src/motion_jepa/ had been moved to the top (skeleton/,
motion_rep/, visualization/). The last day's patches were applied by scripts calling
`tools.apply_patch` (code mode), recorded only as patch_apply_end events. The rollout is read from the
commit that holds it and the repository cloned from its fetched mirror into a temporary folder, its
remote named as a user's clone names it (the log's remote places the cwd; nothing of either is
committed here). Each expectation was decided by hand, not from the tool's output: each patch's lines
(less those it took out and wrote back) were counted in the file at eb0abb2, 16b3e61 and the
reference (`git show`), with the session's timestamps against the commits':

- L171 (.gitignore, 25 Jul): `dataset/*` is in eb0abb2, its `!dataset/preprocess_dataset.py` became
  `!dataset/*.py`: transformed;
- L488 created requirements-motion.txt: no commit has the file: lost;
- L797 created src/motion_jepa/skeleton/kinematics.py: all 57 of its lines are in
  skeleton/kinematics.py from eb0abb2 on (the package moved before the first commit): alive there;
- the script patches of 6 Aug: L902 created plot_training_log.py (06:34 UTC) and L926 rewrote 35 of
  its lines a minute later: eb0abb2 holds L902's other 137 lines (transformed) and all 81 of L926's
  (alive); L984 created visualize_mask_1d.py (06:59), 16b3e61 (08:04) holds it but for the two lines
  L999 replaced 26 s later: transformed; L999's two lines are not there (the margin became
  `260, 190`, the caption went back to its first wording), nor are L1063's two: lost; L1046's legend
  and summary rewrite (24 lines) is not in 16b3e61, which holds the lines it replaced, and its 8 lines
  in mask/collators.py came 24 minutes after eb0abb2, the file's only commit: lost.

10 patches asserted. Before this round the trail took src/motion_jepa/ for the repository's top (more
of the session's files are held under it than under the cwd) and said unknown for every file of the
cwd itself: 1/10 agreed (L797, a file of the package, by state), 10/10 now (test_trail_mapping's
moved package). Judged at 7fec3ed (main when the mirror was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "seokhyeonhong", "motion-jepa"
REF = "7fec3ed27331bd3827da2351c1de06da602ea021"
INIT = "eb0abb25f7eda2472fdd993fe85b76f178c956c6"
BOARD = "16b3e61dff0ccff4491772f8b02bf13847d2a189"
LOGGED = "cea893fd9d50cdcc7a595ef61376a9da012cd795"
LOG = ".codex/sessions/2026/07/26/rollout-2026-07-26T06-37-23-019f9b36-1e6d-7651-9801-5450483871e2.jsonl"
ROOT = "/source/seokhyeon/motion-jepa/motion-jepa"
MASKS = "visualize_mask_1d.py"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L171", ".gitignore", "transformed", INIT, None),
    ("L488", "requirements-motion.txt", "lost", None, None),
    ("L797", "src/motion_jepa/skeleton/kinematics.py", "alive", INIT, "skeleton/kinematics.py"),
    ("L902", "plot_training_log.py", "transformed", INIT, None),
    ("L926", "plot_training_log.py", "alive", INIT, None),
    ("L984", MASKS, "transformed", BOARD, None),
    ("L999", MASKS, "lost", None, None),
    ("L1046", MASKS, "lost", None, None),
    ("L1046", "mask/collators.py", "lost", None, None),
    ("L1063", MASKS, "lost", None, None),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, LOGGED, checkout=False)
    named = mirrored.git("-C", repo, "remote", "set-url", "origin", f"https://github.com/{OWNER}/{NAME}.git")
    assert named.returncode == 0, named.stderr.decode(errors="replace")
    home = tmp_path_factory.mktemp("home")
    [files] = group("codex", [mirrored.committed(repo, LOGGED, LOG, home)])
    session = read_session(files)
    assert (session.skipped, session.errors) == ({}, [])
    result = trail(session, repo=repo, ref=REF)
    assert result.note == f"paths under {ROOT} (as logged) are read in {repo}"
    return Judged(repo, {"": result.fates})


def the_script_patches_are_the_calls_that_ran_them(judged: Judged) -> None:
    scripted = sorted({f.patch.step_id for f in judged.fates if f.patch.tool == "exec"})
    assert scripted == ["L1046", "L1063", "L902", "L926", "L984", "L999"]


MOTION_JEPA = GroundTruth(
    "motion-jepa",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(the_script_patches_are_the_calls_that_ran_them,),
)
