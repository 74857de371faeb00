"""The trail: what each step of a session changed, and whether that change survived in git.

Public API (the CLI, the UI and the capsule builder use only these):

- `Patch` (patches.py): one step's change to one file: `step_id`, `path` (relative to the
  repository root, else the session's cwd), `op`, `hunks: list[Hunk]`, `added`/`removed` (whole
  lines), `old_path` (when moved), `timestamp`, `tool`, `exact` (False when the ends of a string
  edit may be parts of lines), `origin` ("log" or "snapshot"), `partial` (True when the file before
  the step could not be rebuilt and older copies were counted in git at the step's time),
  `to_dict()`. Line identity (`norm`, joins, splits) lives in patches.py, for every module.
- `session_patches(session, root=None, base=None, at=None) -> list[Patch]`: the patches, no git
  needed (`at(path, timestamp)` gives git's versions at a step's time, for a replay gone stale).
- `unified_diff(patch) -> str`: the patch as unified-diff text.
- `trail(session, repo=None, ref="HEAD", cache_dir=None) -> Trail`: patches with their fates. `repo`
  may be any clone of the session's repository, anywhere: `map_repository(session, repo)`
  (mapping.py) finds the logged folder that is its top level, so logged paths become repo-relative;
  `open_clone(path)` opens a clone or raises NotFound (a face checks `--repo` with it up front).
  `belongs(session, repo)`: whether the clone is the session's own repository by the log's word (its
  cwd, files, commit or remote), not just a clone that could be mapped.
  `Trail(repo, ref, fates, note, ref_commit, cached)`; `Trail.rows()` gives the `trail --json` rows,
  `Trail.for_step(step_id)` one step's fates. Run it off the UI thread: it walks git history.
- `Fate(patch, state, commit, kept, changed, dropped, commits, judged_at, path_now, superseded_by,
  reason, evidence)`: `state` is one of `STATES`: alive, transformed, reverted, lost, uncommitted,
  unknown (survival.py documents how each is decided; evidence.py how lines are matched).
  `evidence` is how many lines were looked for; kept + changed + dropped == evidence. `path_now` is
  the file that holds most of the patch at the judged revision when that is not its own (a rename,
  lines moved to another file, a file moved before its first commit).
  `Fate.to_dict()` is one `trail --json` row ("partial" says the patch's before-state was a guess, or
  `Fate.partial`: the clone lacks a git object of the file's history, and the state is unknown).
  `Patch.renamed_to`: the name a shell command of the session (`mv`, `git mv`; shell.py) gave the file
  after the step. An agent's backup copy of a file (copies.py) is never a patch's `path_now`.
- `summarize(trail) -> dict`: {"patches", "states": {state: n}, "files", "steps", "repo", "ref", "note"}.
- `take_snapshot(repo_path, session_id, tool_use_id=None, tool=None) -> Snapshot` and
  `snapshots(repo, session_id)` (snapshot.py): work-tree snapshots under refs/tracetui/; `trail()`
  takes exact diffs from them, and adds patches with `origin="snapshot"` for files that changed
  between two snapshots without a logged edit.

Nothing here imports Textual; git access is pygit2 only.
"""

from __future__ import annotations

from tracetui.trail.mapping import RepoMap, belongs, map_repository, open_clone
from tracetui.trail.patches import Patch, session_patches, unified_diff
from tracetui.trail.snapshot import HookInput, Snapshot, hook_input, snapshots, take_snapshot
from tracetui.trail.survival import STATES, Fate, Trail, summarize, trail

__all__ = [
    "STATES",
    "Fate",
    "HookInput",
    "Patch",
    "RepoMap",
    "Snapshot",
    "Trail",
    "belongs",
    "hook_input",
    "map_repository",
    "open_clone",
    "session_patches",
    "snapshots",
    "summarize",
    "take_snapshot",
    "trail",
    "unified_diff",
]
