"""Ground truth: 25 more patches of the real Codex session of pinouchon/rtchess, checked by hand.

SPLIT_TRUTH, below, holds 17 more of this session's patches; these 25 are others, chosen to
cover every state, the created, recovered and deleted files, the patches next to the commits, the
accidental deletion of app.js and its split into modules. The log (../shared/corpus/codex/pinouchon__
rtchess__dev_history__019aad50-...rtchess_1.jsonl, 2025-11-22 20:45 to 2025-11-23 12:06 UTC, 169
patches) built the game before its first commit. The repository is cloned from its fetched mirror into
a temporary folder, never committed here. Each expectation was decided from the log and the history
(`git show COMMIT:PATH`, the patch's lines looked for, whitespace aside, in every file of dc0d1f0,
c9fa1a6 and the reference, `git log -S`), not from the tool's output:

- L425 deleted app.js by mistake (the agent's next reasoning is about recovering it) and L439 wrote
  it again from scratch two minutes later; the first commit dc0d1f0 (21:38 UTC) has app.js. No
  commit saw that deletion: lost, superseded by L439. The trail took c9fa1a6 (which deleted app.js 50
  minutes later) for its commit and read it transformed, in rules.js.
- L439's rewrite re-typed the earlier patches' lines (a recovery, not a replacement): L83's 12 pawn-move
  lines, L90's knight test and L104's `stepSquare` reached dc0d1f0 and stand in rules.js unchanged
  (alive there; c9fa1a6 split app.js into rules.js, ui.js, state.js, ai.js and index.js, and git
  pairs app.js with rules.js); L61's first app.js is partly there (transformed); L202's line left with
  c9fa1a6 (reverted); L401's piece drawings (0 of 62 lines) never reached a commit (lost).
- L1200 is the deletion of app.js after the split (L1170-L1195 wrote the modules), committed by
  c9fa1a6, and app.js is still gone: alive, its name not followed into rules.js. Before the fix it had
  no line to look for (unknown): a context-only apply_patch (L821) had made the replay forget app.js.
- L2051 and L2206 deleted export_development_history.py and L2056, L2211 wrote it again 24 s and 16 s
  later, hours before any commit: lost (the trail read them uncommitted, the clone having no such file).
- L501's drawn SVG was replaced by downloaded artwork (a curl loop) before the first commit: lost.
- L522, L963, L401: their lines are in no commit (lost). L1410 deleted `.square.check`; L1473 wrote it
  back before 95c378e: lost. L1769 (export_codex_session.py) and L1784 (the first
  export_development_history.py, deleted by L2051): in no commit as written (lost).
- L778 deleted the red `.square.capture::after` box 12 s after dc0d1f0; 8570bc1 has it gone, and L885
  rewrote the rule as `display: none`, so one line of the five is back: transformed.
- L47 (index.html: c9fa1a6 points its script tag at index.js), L1170 (rules.js: 384 of 399 lines at
  the reference), L1549 (state.js: 29 of 36), L1584 (index.js: 20 of 26): transformed. L160, L367,
  L1175 (ai.js, untouched since c9fa1a6): alive.

21 of the 25 agreed before the fixes (L425, L1200, L2051, L2206 did not), 25 after.
Judged at 8670e27 (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged, by_file_differences

LOG = CORPUS / "codex" / (
    "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl"
)
LOGGED_ROOT = "/Users/pinouchon/code/rtchess"
REF = "8670e27c5640c05ab84aa860c6ce89b0dea49c18"
FIRST = "dc0d1f0da10890e741ef98cd05c4337c569b7fbe"
UI = "8570bc19a95fa4b92d3ecca8985b475a2e3bc32e"
SPLIT = "c9fa1a6171c67f82f0f8d7235e7ec01e9ccc0246"
PREMOVE = "b8d8edfa27b5f325c8e37ea6a27799488d135413"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L47", "index.html", "transformed", FIRST, None),
    ("L61", "app.js", "transformed", FIRST, "rules.js"),
    ("L83", "app.js", "alive", FIRST, "rules.js"),
    ("L90", "app.js", "alive", FIRST, "rules.js"),
    ("L104", "app.js", "alive", FIRST, "rules.js"),
    ("L160", "index.html", "alive", FIRST, None),
    ("L202", "app.js", "reverted", FIRST, "rules.js"),
    ("L367", "README.md", "alive", FIRST, None),
    ("L401", "app.js", "lost", None, None),
    ("L425", "app.js", "lost", None, None),
    ("L439", "app.js", "transformed", FIRST, "rules.js"),
    ("L501", "bK.svg", "lost", None, None),
    ("L522", "README.md", "lost", None, None),
    ("L778", "styles.css", "transformed", UI, None),
    ("L963", "styles.css", "lost", None, None),
    ("L1170", "rules.js", "transformed", SPLIT, None),
    ("L1175", "ai.js", "alive", SPLIT, None),
    ("L1200", "app.js", "alive", SPLIT, None),
    ("L1410", "styles.css", "lost", None, None),
    ("L1549", "state.js", "transformed", PREMOVE, None),
    ("L1584", "index.js", "transformed", PREMOVE, None),
    ("L1769", "export_codex_session.py", "lost", None, None),
    ("L1784", "export_development_history.py", "lost", None, None),
    ("L2051", "export_development_history.py", "lost", None, None),
    ("L2206", "export_development_history.py", "lost", None, None),
]

# -- a Codex session of pinouchon/rtchess ----------------------------------------------------------
#
# The log (../shared/corpus/codex/pinouchon__rtchess__dev_history__019aad50-...rtchess_1.jsonl) built
# the game; checked by hand against the history:
# - c9fa1a6 "refactor in multiple files" deleted app.js and spread it over rules.js, state.js, ui.js
#   and index.js (git itself calls app.js -> rules.js a rename): lines the session wrote into app.js
#   live on in state.js and ui.js (L153, L195, L695, L710, L811 alive; L256, L705, L806 transformed:
#   some lines there, the others rewritten), while L216 and L322's lines are gone (reverted);
# - L446's SVG piece was replaced by other artwork before the first commit (lost);
# - L1272 is an apply_patch that removes a line and adds it back unchanged: nothing to look for;
# - L2211's script was moved into dev_history/ before its first commit (b8d8edf), then deleted by
#   a3150e9 (reverted, found under its new name).

SPLIT_TRUTH = [
    ("L153", "app.js", "alive", FIRST, "state.js"),
    ("L195", "app.js", "alive", FIRST, "state.js"),
    ("L216", "app.js", "reverted", FIRST, "rules.js"),
    ("L256", "app.js", "transformed", FIRST, "ui.js"),
    ("L322", "app.js", "reverted", FIRST, "rules.js"),
    ("L446", "wP.svg", "lost", None, None),
    ("L695", "app.js", "alive", FIRST, "state.js"),
    ("L700", "app.js", "alive", FIRST, "ui.js"),
    ("L705", "app.js", "transformed", FIRST, "ui.js"),
    ("L710", "app.js", "alive", FIRST, "state.js"),
    ("L806", "app.js", "transformed", UI, "ui.js"),
    ("L811", "app.js", "alive", UI, "state.js"),
    ("L1272", "ai.js", "unknown", None, None),
    ("L1284", "index.js", "alive", "95c378ed4c59d793d5cbfdce34c3084121f6d5ed", None),
    ("L1521", "README.md", "alive", "b1547ad860458af439545bd215f3e19f2a08077f", None),
    ("L1554", "ui.js", "alive", "b8d8edfa27b5f325c8e37ea6a27799488d135413", None),
    ("L2211", "export_development_history.py", "reverted", "b8d8edfa27b5f325c8e37ea6a27799488d135413",
     "dev_history/export_development_history.py"),
]  # fmt: skip

TRAIL = CorpusLog("codex", LOG, "pinouchon", "rtchess", REF, LOGGED_ROOT)


def each_file_judged_alone_gives_every_patch_the_whole_trails_fate(judged: Judged) -> None:
    # Blame judges only the files its writers' steps touched: 24 files here, app.js deleted, written
    # again and split into five modules.
    assert by_file_differences(judged, TRAIL.files(), judged.repo, REF) == []


def a_deletion_the_session_undid_names_the_step_that_wrote_the_file_again(judged: Judged) -> None:
    by_step = {f.patch.step_id: f for f in judged.fates}
    assert [by_step[s].superseded_by for s in ("L425", "L2051", "L2206")] == ["L439", "L2056", "L2211"]
    assert by_step["L1410"].superseded_by is None  # L1473 wrote its lines back and removed none


def a_context_only_apply_patch_changes_nothing_and_loses_no_file(judged: Judged) -> None:
    by_step = {f.patch.step_id: f for f in judged.fates}
    assert (by_step["L821"].state, by_step["L821"].reason) == ("unknown", "no line to look for")
    assert len(by_step["L1200"].patch.removed) > 1000  # app.js as the split left it, all of it


RTCHESS = GroundTruth(
    "rtchess",
    TRAIL,
    [*TRUTH, *SPLIT_TRUTH],
    columns=("step", "file", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(
        each_file_judged_alone_gives_every_patch_the_whole_trails_fate,
        a_deletion_the_session_undid_names_the_step_that_wrote_the_file_again,
        a_context_only_apply_patch_changes_nothing_and_loses_no_file,
    ),
    corpus=True,
)
