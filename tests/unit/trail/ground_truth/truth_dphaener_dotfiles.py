"""Ground truth: two real Claude Code 1.0.58 sessions of the public repository dphaener/dotfiles,
checked by hand.

The author committed `~/.claude/projects/-Users-darinhaener-dotfiles` into the dotfiles repository the
sessions worked on (cwd /Users/darinhaener/dotfiles, 2025-07-23 21:13-21:19 UTC, claude-sonnet-4);
both transcripts are read from eabfb52, the repository is cloned from its fetched mirror into a
temporary folder, never committed here. Each expectation was decided by hand, not from the tool's
output: each Edit's `old_string`/`new_string` was compared with `git show` of 2e80a61 (21:16 UTC),
eabfb52 (21:19), bad1e66 (21:32, a rewrite of the zellij config for "tokyo-night"), 81d2c51 and the
reference:

- afc4f5a3 (the homebrew error): `brew bundle` without `--no-lock` in install/homebrew.sh, committed
  in 2e80a61 and unchanged since: alive; `pane_frames false` in .config/zellij/config.kdl, in
  2e80a61, re-indented at top level by bad1e66 and still false: alive (whitespace aside);
  ghostty's `theme = brogrammer`, in 2e80a61, became `theme = Brogrammer` in 81d2c51: transformed;
- 5c6d01a5 (zellij again): `simplified_ui true`, in eabfb52, set back to `simplified_ui false` by
  bad1e66: reverted; `theme "tokyo-night-dark"`, in eabfb52, became `theme "tokyo-night"` in
  bad1e66: transformed; the deletion of the custom catppuccin-mocha `themes { ... }` block, in
  eabfb52, never came back (`git log -S'#1e1e2e'` ends at eabfb52): alive. The trail said
  transformed: bad1e66 added a new `themes {` block for tokyo-night, and that one opening line, which
  had no twin in the file, counted for the deletion partly undone (kept 12, dropped 1 of 13); a long
  block of which under a tenth is back now stays deleted (trail.evidence._back, like Ogekuri/G's
  L177 in truth_g). The rejected Edit of the theme's colours (the user refused it) is no patch.

6 patches asserted; 5/6 agreed before the fix. Judged at b11864f (main when the mirror was
fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "dphaener", "dotfiles"
LOG_AT = "eabfb523f17d417699f7002023c73c253e902e6c"
PROJECT = ".claude/projects/-Users-darinhaener-dotfiles/"
LOGS = {
    "afc4f5a3": PROJECT + "afc4f5a3-4d18-458f-95cc-1e92dbbded5b.jsonl",
    "5c6d01a5": PROJECT + "5c6d01a5-3301-4d35-b15e-fd8aa772d271.jsonl",
}
REF = "b11864f9ce438374f18d151942d8f6946526736c"
HOMEBREW = "2e80a6158344932e4601fb94662776fcc02299d9"
ZELLIJ = ".config/zellij/config.kdl"

# (session, step id prefix, path, state, accepting commit)
TRUTH = [
    ("afc4f5a3", "0d60d7dd", "install/homebrew.sh", "alive", HOMEBREW),
    ("afc4f5a3", "39f8ac66", ZELLIJ, "alive", HOMEBREW),
    ("afc4f5a3", "62868e76", ".config/ghostty/config", "transformed", HOMEBREW),
    ("5c6d01a5", "b0c6b1a4", ZELLIJ, "reverted", LOG_AT),
    ("5c6d01a5", "cc77cb3e", ZELLIJ, "transformed", LOG_AT),
    ("5c6d01a5", "5d9189ee", ZELLIJ, "alive", LOG_AT),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, checkout=False)
    home = tmp_path_factory.mktemp("home")
    fates = {}
    for short, path in LOGS.items():
        [files] = group("claude", [mirrored.committed(repo, LOG_AT, path, home)])
        session = read_session(files)
        assert (session.version, session.skipped, session.errors) == ("1.0.58", {}, [])
        result = trail(session, repo=repo, ref=REF)
        assert result.note == f"paths under /Users/darinhaener/dotfiles (as logged) are read in {repo}"
        fates[short] = result.fates
    return Judged(repo, fates)


def every_applied_edit_is_a_patch_and_the_refused_one_is_not(judged: Judged) -> None:
    assert [len(judged.of(k)) for k in LOGS] == [3, 3]
    assert not [f for k in LOGS for f in judged.of(k) if f.patch.step_id.startswith("c3f90bb1")]


DPHAENER_DOTFILES = GroundTruth(
    "dphaener-dotfiles",
    judge,
    TRUTH,
    columns=("session", "step", "path", "state", "commit"),
    prefixed=frozenset({"step"}),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(every_applied_edit_is_a_patch_and_the_refused_one_is_not,),
)
