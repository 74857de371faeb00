"""Ground truth: a real Pi session of the public repository badlogic/pi-mono, checked by hand.

The log (../shared/corpus/pi/badlogic__pi-mono__session.jsonl, 44 patches, 2025-12-17 19:48-20:52
UTC) cleaned up the coding agent's documentation and one type; its work was committed in 5e5bdadb
(20:27 UTC) and 3424550d (21:04 UTC). The repository (3,300+ commits) is cloned from its fetched
mirror into a temporary folder, never committed here. Each expectation was decided from the history
(`git log -S`, `git show`, `git grep` at the reference), not from the tool's output:

- lost, replaced by a later step before any commit: L15:1 (by L17:1), L187:2 (by L267:2), L282:1 (by
  L290:1), L284:1 (its two lines deleted again by L294:2, which is alive: they stay deleted), L352:1
  (its heading went with L374:1's rewrite of the section).
- reverted: L56:1 and L62 (theme.md's Implementation section, dropped when d79eb99c merged theme.md
  into themes.md: "Removed dev-focused Implementation section"); L119:2 (3dca4979 rewrote skills.md
  and dropped its list of "... -> make a custom tool" lines); L374:1 (edited by c6fc0845, then gone
  with the README's replacement efc598b6).
- moved with the hooks -> extensions merge c6fc0845 (hooks.md, hooks/*.ts deleted): L215:1's field is
  in extensions/types.ts as written (alive there); L365:1 and L367:1's alias block is in
  extensions/loader.ts, some entries changed (transformed there); L290:1's use-case list was
  reworded in hooks.md (29e0ed9c) and moved into extensions.md (transformed there).
- alive: L203:1 (an import name), L306:1 (a CHANGELOG entry under a recurring heading).
- transformed: L17:1 (its "When asked about:" line was rewritten for each new doc), L109:1
  (skills.md, rewritten in part by 3dca4979), L205:1 (`AppMessage` became `AgentMessage` on the same
  line), L312:1 (a CHANGELOG line edited by d79eb99c), L436:1 (the README's "**No sub-agents.**"
  line, edited by bab5cddd, c6fc0845 and efc598b6, is still the philosophy section's line; the
  trail called it reverted until lines were followed commit by commit).

- merged into another file and reworded there (the trail called both reverted until a deleted
  file's lines were looked for, reworded, in the file that took them): L44's "Thinking Level Borders
  (6 colors)" and "Bash Mode (1 color)" sections of theme.md went into themes.md with d79eb99c
  ("merge theme.md into themes.md"), headings verbatim, table rows reworded; L382:1's "## Available
  Imports" section of hooks.md, edited by 679343de, went into extensions.md with c6fc0845 (heading
  verbatim, rows reworded): transformed, in themes.md and extensions.md.
Not asserted (the evidence allows two readings): L157:2, L161:1, L267:2 (hooks.md lines edited in
place by 679343de's rewrite, some then moved into extensions.md further reworded), L133:2, L392:1,
L406:2 (README sections moved out or rewritten by the README restructure 1b705a92..efc598b6, partly
in docs/providers.md and docs/settings.md), L334:2 (custom-tools.md, reworded, then merged).

Judged at 83378aa (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged, by_file_differences

LOG = CORPUS / "pi" / "badlogic__pi-mono__session.jsonl"
LOGGED_ROOT = "/Users/badlogic/workspaces/pi-mono"
REF = "83378aad7e74a0e2bb8f37c007a9685fb4609d8a"
DOCS = "5e5bdadbf9f94b141735785487d886ece7da1342"
MORE = "3424550d215d1983084e8758976822185b6ec3c8"
CA = "packages/coding-agent/"


# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L15:1", CA + "src/core/system-prompt.ts", "lost", None, None),
    ("L17:1", CA + "src/core/system-prompt.ts", "transformed", DOCS, None),
    ("L44", CA + "docs/theme.md", "transformed", DOCS, CA + "docs/themes.md"),
    ("L56:1", CA + "docs/theme.md", "reverted", DOCS, None),
    ("L62", CA + "docs/theme.md", "reverted", DOCS, None),
    ("L109:1", CA + "docs/skills.md", "transformed", DOCS, None),
    ("L119:2", CA + "docs/skills.md", "reverted", DOCS, None),
    ("L187:2", CA + "docs/hooks.md", "lost", None, None),
    ("L203:1", "packages/agent/src/types.ts", "alive", DOCS, None),
    ("L205:1", "packages/agent/src/types.ts", "transformed", DOCS, None),
    ("L215:1", CA + "src/core/hooks/types.ts", "alive", DOCS, CA + "src/core/extensions/types.ts"),
    ("L282:1", CA + "docs/hooks.md", "lost", None, None),
    ("L284:1", CA + "docs/skills.md", "lost", None, None),
    ("L290:1", CA + "docs/hooks.md", "transformed", DOCS, CA + "docs/extensions.md"),
    ("L294:2", CA + "docs/skills.md", "alive", DOCS, None),
    ("L306:1", CA + "CHANGELOG.md", "alive", DOCS, None),
    ("L312:1", CA + "CHANGELOG.md", "transformed", DOCS, None),
    ("L352:1", CA + "README.md", "lost", None, None),
    ("L365:1", CA + "src/core/hooks/loader.ts", "transformed", MORE, CA + "src/core/extensions/loader.ts"),
    ("L367:1", CA + "src/core/hooks/loader.ts", "transformed", MORE, CA + "src/core/extensions/loader.ts"),
    ("L374:1", CA + "README.md", "reverted", MORE, None),
    ("L382:1", CA + "docs/hooks.md", "transformed", MORE, CA + "docs/extensions.md"),
    ("L436:1", CA + "README.md", "transformed", MORE, None),
]  # fmt: skip

TRAIL = CorpusLog("pi", LOG, "badlogic", "pi-mono", REF, LOGGED_ROOT)


def each_file_judged_alone_gives_every_patch_the_whole_trails_fate(judged: Judged) -> None:
    # Blame judges only the files its writers' steps touched: 10 files here, in 3,239 commits.
    assert by_file_differences(judged, TRAIL.files(), judged.repo, REF) == []


def every_patch_of_the_session_is_judged_on_a_known_before_state(judged: Judged) -> None:
    assert len(judged.fates) == 44
    assert not [f for f in judged.fates if f.state == "unknown" or f.patch.partial]


def _id(want) -> str:
    return f"{want[0]}:{want[1].rsplit('/', 1)[-1]}"


PI_MONO = GroundTruth(
    "pi-mono",
    TRAIL,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=_id,
    checks=(
        each_file_judged_alone_gives_every_patch_the_whole_trails_fate,
        every_patch_of_the_session_is_judged_on_a_known_before_state,
    ),
    corpus=True,
)


# -- a Pi session of badlogic/pi-mono (3,239 commits) ------------------------------------------------
#
# The log (../shared/corpus/pi/badlogic__pi-mono__packages__coding-agent__test__fixtures__large-session.jsonl)
# themed the coding agent; its work was committed in the v0.8.0 release commit 45ffe0a. Checked by hand:
# - L59 (a deleted `import chalk`), L93, L552:1 stay as written (alive); L468's line lives on in the
#   theme file git moved to modes/interactive/theme/ (alive there);
# - L598:1 set three thinking colours; L642:1 set two of them again before the commit and carried
#   `"thinkingLow": "#5f87af"` over unchanged, and that line is in the release and, in the file's new
#   home, at the reference (transformed; first judged lost, reading the carried line as L642:1's;
#   the session wrote the same lines into light.json too, not a move);
# - L754:1's theme workflow in the README was dropped by the README restructure e275937 (reverted);
# - L933's line was split over three lines by the formatter before the commit, and later edited in
#   the file's new home (transformed);
# - L969 deleted a CHANGELOG block whose `### Fixed` heading recurs in every release (alive);
# - L526:1's footer line (`theme.fg("dim", pwd)`) was edited by 3266cac0, 9b2aa4a6 and 3de8c486 in the
#   file's new home and is still the footer's pwd line (transformed, not reverted);
# - L568:1's "### Markdown (10 colors)" rows of theme.md went into themes.md with d79eb99c ("merge
#   theme.md into themes.md"), the mdLinkUrl row reworded; L722's theme watcher in tui-renderer.ts lives
#   on in modes/interactive/interactive-mode.ts (0020de85 built it on tui-renderer.ts, 6c9a264b deleted
#   the old file), its comment shortened: transformed there, not reverted.
# Many of the session's string edits do not fit the replayed file (`npm run check` rewrote files
# between edits): the session's own whole-file reads are its before-states.

PI_LOG = CORPUS / "pi" / "badlogic__pi-mono__packages__coding-agent__test__fixtures__large-session.jsonl"
PI_ROOT = "/Users/badlogic/workspaces/pi-mono"
PI_REF = "83378aad7e74a0e2bb8f37c007a9685fb4609d8a"
RELEASE = "45ffe0a0deff8c52f5e733148e44a3ca08592e14"
PI_TRUTH = [
    ("L59", "tui-renderer.ts", "alive", RELEASE, None),
    ("L93", "markdown.test.ts", "alive", RELEASE, None),
    ("L468", "dark.json", "alive", RELEASE, "packages/coding-agent/src/modes/interactive/theme/dark.json"),
    ("L552:1", "markdown.ts", "alive", RELEASE, None),
    ("L598:1", "dark.json", "transformed", RELEASE, "packages/coding-agent/src/modes/interactive/theme/dark.json"),
    ("L754:1", "README.md", "reverted", RELEASE, None),
    ("L933", "tool-execution.ts", "transformed", RELEASE,
     "packages/coding-agent/src/modes/interactive/components/tool-execution.ts"),
    ("L969", "CHANGELOG.md", "alive", RELEASE, None),
    ("L526:1", "footer.ts", "transformed", RELEASE,
     "packages/coding-agent/src/modes/interactive/components/footer.ts"),
    ("L568:1", "theme.md", "transformed", RELEASE, "packages/coding-agent/docs/themes.md"),
    ("L722", "tui-renderer.ts", "transformed", RELEASE,
     "packages/coding-agent/src/modes/interactive/interactive-mode.ts"),
]  # fmt: skip


def the_replay_keeps_the_before_state_of_most_edits(judged: Judged) -> None:
    # the replay no longer loses the before-state of most edits (it did for 62 of 131)
    assert sum(f.patch.partial for f in judged.fates) <= 10


LARGE_SESSION = GroundTruth(
    "pi-mono-large-session",
    CorpusLog("pi", PI_LOG, "badlogic", "pi-mono", PI_REF, PI_ROOT),
    PI_TRUTH,
    columns=("step", "file", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(the_replay_keeps_the_before_state_of_most_edits,),
    corpus=True,
)
