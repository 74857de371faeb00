"""A `Patch`: one step's change to one file, as hunks and the lines it added and removed, with
what the trail counts of those lines. More in docs/internals/trail.md, `trail/patches.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tracetui.model import Hunk


@dataclass(slots=True)
class Patch:
    """One step's change to one file.

    `path` is relative to the repository root when the trail knows one, else to the session's
    cwd (or as the log wrote it when it lies outside both). `op` is the edit's op (create, update,
    delete, write). `added`/`removed` are whole lines, without their '+'/'-' prefix.
    `old_path` is set when the edit moved the file.
    """

    step_id: str
    path: str
    op: str
    hunks: list[Hunk]
    added: list[str]
    removed: list[str]
    old_path: str | None = None
    timestamp: str | None = None
    tool: str | None = None
    index: int = 0  # order of the patch in the session
    # False when the log did not give whole lines and the file could not be replayed: the first
    # and last lines may then be fragments of real lines.
    exact: bool = True
    inside: bool = True  # False when the file lies outside the repository (or cwd) root
    # How often each of this patch's lines was in the file just before the step (None: unknown).
    # The survival check subtracts these so that lines that were already there prove nothing.
    before_counts: dict[str, int] | None = field(default=None, repr=False)
    # The same by line identity (`norm`), over the norms of the patch's lines and of their joins
    # (`join_keys`); and how often each added line's norm was split over several lines.
    before_norms: dict[str, int] | None = field(default=None, repr=False)
    before_splits: dict[str, int] | None = field(default=None, repr=False)
    # "log": from the session log; "snapshot": a change only the work-tree snapshots show.
    origin: str = "log"
    # True when the file just before the step is not known for sure (the replay went stale and no
    # other source fitted the edit): counts of older copies are then taken from git at the step's
    # time where possible, and the verdict is marked as resting on partial evidence.
    partial: bool = False
    # By norm: copies of the patch's added lines that the session's last text of the file holds and
    # that the step did not write (None: the replay lost track). Caps the floor of older copies.
    others_after: dict[str, int] | None = field(default=None, repr=False)
    # Indexes of the earlier patches whose lines this one removed (None: the replay lost track).
    removed_from: set[int] | None = field(default=None, repr=False)
    # The patch's added lines (by norm) that later steps of the session removed and did not write
    # again, each with the removing step's time (None: none, or the replay lost track). Removed before
    # any commit, a line never reached one as this patch's: a copy found later is a twin elsewhere.
    taken_back: list[tuple[str, str | None]] | None = field(default=None, repr=False)
    # Removals of the patch's lines (by norm, with the removing step's time) that another step wrote
    # again later in the session. Written again before the file's next commit, the line is this
    # patch's moved; after it, that commit held none of it and the later copy is the other step's.
    # Which, only the history tells (survival._untaken).
    written_again: list[tuple[str, str | None]] | None = field(default=None, repr=False)
    # A fork's copy of its parent's step (Step.meta["copied"]): replayed, so the fork's own edits
    # land on the file as it was, and judged, but the parent's work, not the fork's (`Trail.own`).
    copied: bool = False
    # For a deletion: the later step of the session that wrote the file again, and its time (an agent
    # that deleted a file by mistake and recreated it). Before any commit, the deletion never held.
    undone_by: tuple[str, str | None] | None = field(default=None, repr=False)
    # The name a shell command of the session gave the file after the step (`mv calendar.py
    # cal-widget.py`), followed through later renames; None where none did. Lines the step wrote
    # live on there, beside the patches the session wrote under the new name.
    renamed_to: str | None = None
    # Where the file just before the step was taken from, when not the replay: "removed lines" where
    # the replayed text did not fit the edit and its removed lines disagreed with it (a shell command
    # rewrote the file): the patch's own removed and context lines are then the truth.
    before_from: str | None = None
    # The patch's lines (by norm, with the time) a shell command's whole rewrite of the file removed
    # before a later patch or snapshot showed the file without them, and that command's step. Like
    # `taken_back`, but never taken for a move: the shell wrote what the later step then wrote again.
    overwritten: list[tuple[str, str | None]] | None = field(default=None, repr=False)
    overwritten_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "step": self.step_id,
            "path": self.path,
            "op": self.op,
            "hunks": [h.to_dict() for h in self.hunks],
            "added": len(self.added),
            "removed": len(self.removed),
            "timestamp": self.timestamp,
        }
        if self.old_path is not None:
            d["old_path"] = self.old_path
        if not self.exact:
            d["exact"] = False
        if self.origin != "log":
            d["origin"] = self.origin
        if self.partial:
            d["partial"] = True
        if self.copied:
            d["copied"] = True
        if self.before_from is not None:
            d["before"] = self.before_from
        return d
