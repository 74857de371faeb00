"""Ground truth: two people's dotfiles repositories that commit their agents' own session folders.

blubber/dotfiles commits `~/.codex/sessions` (61 Codex rollouts of Feb 2026, a build reporting
cli_version 0.0.0; they were dropped from the tree at 1a8d19e and are read from 3b0d439). Rollout
019c373a (2026-02-07 08:32-08:43 UTC, cwd /Users/tiemo/dotfiles, the repository itself) made five
apply_patch edits. Commit 872561d ("Stuff", 09:46 +0100, three minutes after the session) accepted
all of them, checked by hand with `git diff 872561d^ 872561d` and `git diff 872561d 1a8d19e`:

- .config/opencode/opencode.json (L169): a stray character before the model key taken out; de35b47
  (2026-03-05) then put a comma after that line for a new key: transformed.
- .local/bin/playlist (L174, a stray character before the shebang taken out) and
  .local/bin/tmux-sessionizer (L179, four typos in variable names and a leftover echo fixed): no
  commit touched them since: alive.
- .gitignore (L186, 13 lines of runtime and cache files; L254, five more in that block): all at
  1a8d19e, which only appended two lines below them: alive.

5/5 agreed before any change. Judged at 1a8d19e (master when the mirror was fetched).

XEFF09/dotfiles commits `~/.copilot/session-state`. Copilot CLI 1.0.60's session feeb765c
(2026-06-08, cwd /Users/thatpong/.dotfiles/.copilot, git_root /Users/thatpong/.dotfiles in its
workspace.yaml) created .github/copilot-instructions.md at the repository's root. No commit of any
branch has a `.github` folder (`git log --all -- .github` is empty; the next commit, b942224 on
06-30, added none): lost. The trail found none of the session's files in the clone and said unknown:
the logged root was guessed only from edited files the clone holds. The log names its commit
(e1893f9, in the clone), so the session is placed by its cwd, `.copilot`, a folder of the clone.
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

ROLLOUT = ".codex/sessions/2026/02/07/rollout-2026-02-07T09-32-13-019c373a-e799-76a0-839f-1d739e71eefa.jsonl"
WITH_LOGS = "3b0d439ddab54e0dd7b1960a7dc15033d74fecc9"
REF = "1a8d19e301a30ac7677c29f07386d3adcab79a64"
STUFF = "872561d970b39c14cfaa41896920dcf6d83d82c2"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L169", ".config/opencode/opencode.json", "transformed", STUFF, None),
    ("L174", ".local/bin/playlist", "alive", STUFF, None),
    ("L179", ".local/bin/tmux-sessionizer", "alive", STUFF, None),
    ("L186", ".gitignore", "alive", STUFF, None),
    ("L254", ".gitignore", "alive", STUFF, None),
]

COPILOT_SESSION = ".copilot/session-state/feeb765c-b05d-456f-bb55-ff2504dad88b"
COPILOT_REF = "b942224185c62d466d7936620e583f6eb08c1bb1"


def judge(tmp_path_factory) -> Judged:
    clone = mirrored.clone(tmp_path_factory, "blubber", "dotfiles", WITH_LOGS, REF)
    log = mirrored.committed(clone, WITH_LOGS, ROLLOUT, tmp_path_factory.mktemp("codex"))
    [files] = group("codex", [log])
    result = trail(read_session(files), repo=clone, ref=REF)
    assert result.note == f"paths under /Users/tiemo/dotfiles (as logged) are read in {clone}"
    return Judged(clone, {"": result.fates})


def every_patch_is_asserted(judged: Judged) -> None:
    assert len(judged.fates) == len(TRUTH)


DOTFILES = GroundTruth(
    "dotfiles",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(every_patch_is_asserted,),
)


def judge_copilot(tmp_path_factory) -> Judged:
    clone = mirrored.clone(tmp_path_factory, "XEFF09", "dotfiles", COPILOT_REF)
    dest = tmp_path_factory.mktemp("copilot")
    mirrored.committed_folder(clone, COPILOT_REF, COPILOT_SESSION, dest)
    folder = dest / COPILOT_SESSION
    [files] = group("copilot", [p for p in folder.rglob("*") if p.is_file()])
    result = trail(read_session(files), repo=clone, ref=COPILOT_REF)
    assert result.note == f"paths under /Users/thatpong/.dotfiles (as logged) are read in {clone}"
    return Judged(clone, {"": result.fates})


def a_file_created_at_the_root_of_the_repository_and_never_committed_is_lost(judged: Judged) -> None:
    [f] = judged.fates
    assert f.patch.path.endswith(".github/copilot-instructions.md")
    assert (f.state, f.commit) == ("lost", None)


# Another user's dotfiles (XEFF09/dotfiles), a Copilot session: no table, one check.
COPILOT_DOTFILES = GroundTruth(
    "copilot-dotfiles",
    judge_copilot,
    checks=(a_file_created_at_the_root_of_the_repository_and_never_committed_is_lost,),
)
