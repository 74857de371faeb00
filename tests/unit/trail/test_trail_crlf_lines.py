"""A file with CRLF line endings, patched by a hunk whose lines keep their CR: the lines it removes and
writes back but for the CR are context, not the step's.

Codex's code mode (0.14x) records what a script's `tools.apply_patch` did only as a patch_apply_end
whose unified diff is taken from the file itself: on a Windows checkout its removed and context lines
end in `\\r` and the lines written back end in a bare newline. doudouqie66/PaTa's sessions (Lua on
Windows) rewrote whole function bodies so, changing a few lines: the hunk's old side did not fit the
replayed file (whose lines have no terminator), so every such patch was `partial`, and the lines
written back unchanged counted as the step's own, so a patch the user threw away read `transformed`
at the commit that kept the old body (ground_truth/truth_pata.py).
"""

from __future__ import annotations

from support.trail_kit import Repo, iso

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.trail import trail

HEAD = "local M = {}\r\n\r\n"
BODY = "function M:Enter(pc)\r\n    if pc == nil then\r\n        return\r\n    end\r\n    notify(pc, true)\r\nend\r\n"
TAIL = "\r\nreturn M\r\n"
NEW = [
    "    self.seen = self.seen or {}  -- players inside",
    "    if self.seen[pc] then return end",
    "    self.seen[pc] = true",
]
# As the event gives it: the file's own lines with their CR, the lines written back without.
HUNK = Hunk(
    3,
    6,
    3,
    9,
    [
        " function M:Enter(pc)\r",
        "-    if pc == nil then\r",
        "-        return\r",
        "-    end\r",
        "-    notify(pc, true)\r",
        "+    if pc == nil then",
        "+        return",
        "+    end",
        *("+" + x for x in NEW),
        "+    notify(pc, true)",
        " end\r",
    ],
)
EDITED = (
    "function M:Enter(pc)\r\n    if pc == nil then\n        return\n    end\n"
    + "".join(x + "\n" for x in NEW)
    + "    notify(pc, true)\nend\r\n"
)


def _session(repo: Repo) -> Session:
    edit = FileEdit(path=str(repo.path / "m.lua"), op="update", hunks=[HUNK])
    step = Step(
        id="L29", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="exec", timestamp=iso(10), edits=[edit]
    )
    return Session(id="sess-1", agent="codex", source="x.jsonl", cwd=str(repo.path), started=iso(10), steps=[step])


def test_a_patch_the_user_threw_away_is_lost_though_the_lines_it_wrote_back_are_committed(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("m.lua", HEAD + BODY + TAIL)
    repo.commit("init", iso(9))
    repo.write("m.lua", HEAD + EDITED + TAIL)  # the script's patch
    repo.write("m.lua", HEAD + BODY + TAIL)  # thrown away before the commit
    repo.write("other.lua", "x = 1\r\n")
    repo.commit("other work", iso(11))
    [fate] = trail(_session(repo)).fates
    assert (fate.state, fate.commit, fate.evidence, fate.patch.partial) == ("lost", None, 3, False)


def test_a_committed_patch_is_alive_by_its_own_lines_only(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("m.lua", HEAD + BODY + TAIL)
    repo.commit("init", iso(9))
    repo.write("m.lua", HEAD + EDITED + TAIL)
    done = repo.commit("seen", iso(11))
    [fate] = trail(_session(repo)).fates
    assert (fate.state, fate.commit, fate.kept, fate.evidence, fate.patch.partial) == ("alive", done, 3, 3, False)
    assert fate.patch.added == NEW
