"""What the trail says of each patch: its `Fate` (one of STATES, with the commits and counts
behind it), a session's `Trail`, and its summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.trail.patch import Patch

SLACK_SECONDS = 60
# 6: shell renames, partly replaced patches, missing blobs; 7: a deletion of unseen lines judged by
# history; 8: lines written again after a commit; 9: a long deleted block barely back stays deleted;
# 10: lines that carry nothing of their own (a shebang, a lone `fi`) alone are no patch surviving;
# shell renames by cp then rm, git -C, in a subshell; 11: a file a subtree merge moved is followed;
# a session whose files are mostly gone is placed by history; 12: a commit only branches hold is judged
# at the branch the log names; 13: a hunk's lines lose a CR ending, lines a step wrote back changed only
# in whitespace are not its own, a cwd in the clone's repository keeps the top at or above it; 14: a
# shell write's whole rewrite overwrites the earlier patches' lines, a patch's removed lines are the
# file where the replay's text disagrees with them (`before`); 15: a here-document's text shows the file
# it wrote as a read would (`shell_texts`); 16: a line the accepting commit lacked is not kept by a
# later copy (`evidence.held_when_taken`); 17: a path that is a link inside the work tree is its target's,
# a file inside a submodule is unknown (`judging.in_submodule`); 18: a shallow clone's boundary commit is
# named as no patch's accepting commit (`judging._beyond_history`); 19: a shell step's whole write of a
# text its words hold (heredoc, `tee`, `printf >`) is its own patch (`patches._shell_edits`); 20: a
# clone holding the session's files only under a folder copied in is mapped (`copied_in`)
CACHE_VERSION = 20
STATES = ("alive", "transformed", "reverted", "lost", "uncommitted", "unknown")


@dataclass(slots=True)
class Fate:
    """A patch's survival state, the commit that accepted it, and the evidence.

    `kept`: evidence lines in place at the reference (for a deletion: still deleted);
    `changed`: lines edited into similar new lines; `dropped`: lines gone (for a deletion: back).
    `commits`: later commits, in the judged history, that changed the patch's lines.
    """

    patch: Patch
    state: str
    commit: str | None = None
    kept: int = 0
    changed: int = 0
    dropped: int = 0
    commits: list[str] = field(default_factory=list)
    judged_at: str | None = None  # the ref judged at when not the reference (unmerged branch)
    path_now: str | None = None  # the file's name at the judged revision, when renamed
    superseded_by: str | None = None  # a later step of the same session that replaced its lines
    reason: str | None = None  # why the state is unknown
    evidence: int = 0  # how many of the patch's lines were looked for (blank and bare-punctuation lines are not)
    # True when the verdict rests on partial evidence beyond the patch's own (`Patch.partial`): the
    # clone lacks a git object of the file's history (a partial clone, a mirror missing objects).
    partial: bool = False

    def to_dict(self) -> dict[str, Any]:
        p = self.patch
        d: dict[str, Any] = {
            "step": p.step_id,
            "path": p.path,
            "state": self.state,
            "commit": self.commit,
            "added": len(p.added),
            "removed": len(p.removed),
            "kept": self.kept,
            "changed": self.changed,
            "dropped": self.dropped,
            "evidence": self.evidence,
            "commits": list(self.commits),
            "op": p.op,
            "tool": p.tool,
            "timestamp": p.timestamp,
            "old_path": p.old_path,
            "path_now": self.path_now,
            "judged_at": self.judged_at,
            "superseded_by": self.superseded_by,
            # True when the file before the step could not be rebuilt (the replay went stale and no
            # version in git fits the edit): older copies were counted in git at the step's time.
            "partial": p.partial or self.partial,
        }
        if self.reason:
            d["reason"] = self.reason
        if p.copied:
            d["copied"] = True  # a fork's copy of its parent's patch (listed only where judged here)
        if p.before_from is not None:
            # The replay's text of the file did not fit the edit (a shell command rewrote it): the
            # patch's own removed and context lines were taken as what the file held.
            d["before"] = p.before_from
        if p.overwritten_by is not None:
            # A shell command that rewrote the file whole removed this patch's lines before the file's
            # next patch showed it (counted as removed by then, like a later step's edit).
            d["overwritten_by"] = p.overwritten_by
        return d


@dataclass(slots=True)
class Trail:
    """A session's patches and their fates against one repository and reference."""

    repo: str | None  # the repository's work tree (or git dir when bare); None when not found
    ref: str
    fates: list[Fate]
    note: str | None = None  # e.g. "repository not found ..."
    ref_commit: str | None = None
    cached: bool = False
    # The logged folder the patches' paths are relative to (the repository's top as the log names it);
    # None where no repository judged them (the session's cwd then).
    root: str | None = None

    @property
    def patches(self) -> list[Patch]:
        return [f.patch for f in self.fates]

    @property
    def own(self) -> list[Fate]:
        """The fates of the session's own patches: not those of the steps a fork copied from its
        parent, which are the parent's work (its trail judges them) and are here only so the fork's
        own edits are replayed on the files as they were. What the trail pane and `trail` list."""
        return [f for f in self.fates if not f.patch.copied]

    @property
    def copied(self) -> int:
        """How many of the patches are a fork's copies of its parent's (left out of `own`)."""
        return sum(1 for f in self.fates if f.patch.copied)

    def rows(self) -> list[dict[str, Any]]:
        """The `trail --json` rows: the session's own patches (`own`)."""
        return [f.to_dict() for f in self.own]

    def for_step(self, step_id: str) -> list[Fate]:
        """The fates of one step's patches (an edit call may touch several files)."""
        return [f for f in self.fates if f.patch.step_id == step_id]


def summarize(trail: Trail) -> dict[str, Any]:
    """Counts for a header line: patches by state, files and steps touched."""
    states = {s: 0 for s in STATES}
    for f in trail.fates:
        states[f.state] = states.get(f.state, 0) + 1
    return {
        "patches": len(trail.fates),
        "states": {k: v for k, v in states.items() if v},
        "files": sorted({f.patch.path for f in trail.fates}),
        "steps": len({f.patch.step_id for f in trail.fates}),
        "repo": trail.repo,
        "ref": trail.ref,
        "note": trail.note,
    }
