"""Hostile edits against the line diff's time. The diff is difflib's with no junk heuristic, whose
longest-match search goes through every place a line of one side recurs in the other: an edit whose
lines repeat (a file of one line written thousands of times, or one line between every other) cost
seconds at a thousand lines and minutes at a few thousand (12 KB), and `trail`, `export` and a seal,
which diff every edit, seemed to hang. Past a budget of work the diff is git's own now (libgit2's, in
C), which takes milliseconds there and is as fine-grained; and the diffs of one session share a budget
too, so a log of thousands of such edits does not take a tenth of a second for each."""

from __future__ import annotations

import difflib
import time

import orjson
import pytest

from tracetui.cli import main
from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.trail import hunks, session_patches
from tracetui.trail.hunks import DIFF_WORK, SESSION_DIFF_WORK, diff_hunks

SID = "6f0c2a4e-1b7d-4c55-9e0a-3d2b8f4c1abc"


def _sides(before: list[str], after: list[str]) -> tuple[list[str], list[str]]:
    """Both texts as one hunk with all of its context gives them back."""
    (hunk,) = diff_hunks(before, after, context=len(before) + len(after))
    old = [line[1:] for line in hunk.lines if line[0] in " -"]
    new = [line[1:] for line in hunk.lines if line[0] in " +"]
    return old, new


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["x"] * 1500, [s for k in range(750) for s in ("x", f"u{k}")]),  # 30 s
        ([s for k in range(750) for s in ("x", f"v{k}")],
         [s for k in range(750) for s in ("x", f"u{k}")]),  # 11 s
        (["x"] * 12_000, ["x"] * 6000 + ["y"] + ["x"] * 6000),  # 15 s
    ],
    ids=["one-line-between-others", "both-interleaved", "one-line-repeated"],
)
def test_a_diff_of_repeated_lines_is_bounded_and_still_a_diff(before, after):
    started = time.process_time()
    assert _sides(before, after) == (before, after)
    assert time.process_time() - started < 4


def test_past_the_budget_the_diff_is_still_line_by_line():
    # A lock file of 27,000 lines, most of them recurring (`},`), with a line inserted in the middle
    # and scattered edits: difflib took 23 s on it; cut to its ends, the diff replaced every line.
    before = [line for n in range(3000) for line in (
        f'    "pkg-{n}": {{', f'      "version": "1.{n % 7}.{n % 13}",', '      "dev": true,',
        '      "dependencies": {', f'        "pkg-{n * 7 % 3000}": "^1.0.0"', "      }", "    },")]  # fmt: skip
    after = [line + " " if n % 997 == 0 else line for n, line in enumerate(before)]
    after.insert(len(after) // 2, '    "new": true,')
    started = time.process_time()
    hunks = diff_hunks(before, after, context=0)
    assert time.process_time() - started < 2
    changed = len(range(0, len(before), 997)) + 1  # the lines edited, and the one inserted
    assert len(hunks) == changed and sum(h.new_lines for h in hunks) == changed
    assert _sides(before, after) == (before, after)
    # And the three hostile edits above: one changed line is one line, not the file.
    assert [(h.old_lines, h.new_lines) for h in diff_hunks(["x"] * 12_000, ["x"] * 6000 + ["y"] + ["x"] * 6000,
                                                             context=0)] == [(0, 1)]  # fmt: skip


def test_a_diff_of_ordinary_lines_is_the_smallest_still():
    before = [f"line {n}" for n in range(3000)] + [""] * 300
    after = before[:1000] + ["new"] + before[1000:2000] + before[2001:]
    hunks = diff_hunks(before, after)
    spans = [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in hunks]
    assert spans == [(998, 6, 998, 7), (1998, 7, 1999, 6)]


def _claude_edit(folder, old: str, new: str) -> None:
    def rec(i, typ, msg):
        return {"type": typ, "uuid": f"a0000000-0000-4000-8000-{i:012d}",
                "parentUuid": None if i == 1 else f"a0000000-0000-4000-8000-{i - 1:012d}",
                "sessionId": SID, "timestamp": f"2026-01-05T10:00:0{i}.000Z", "cwd": "/nowhere/repo",
                "message": msg}  # fmt: skip
    edit = {"type": "tool_use", "id": "toolu_01", "name": "Edit",
            "input": {"file_path": "/nowhere/repo/f.txt", "old_string": old, "new_string": new}}  # fmt: skip
    lines = [rec(1, "user", {"role": "user", "content": "edit it"}),
             rec(2, "assistant", {"role": "assistant", "model": "claude-sonnet-4-5", "content": [edit]}),
             rec(3, "user", {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01",
                                                          "content": "ok"}]})]  # fmt: skip
    folder.mkdir(parents=True)
    (folder / f"{SID}.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in lines))


def test_trail_of_an_edit_of_repeated_lines_ends_at_once(tmp_path, capsys):
    _claude_edit(tmp_path / "src" / "-nowhere-repo", "x\n" * 20_000, "x\n" * 10_000 + "y\n" + "x\n" * 10_000)
    bucket = ["--bucket", str(tmp_path / "b")]
    assert main([*bucket, "sync", "--source", f"claude={tmp_path / 'src'}"]) == 0
    started = time.process_time()
    assert main([*bucket, "trail", SID, "--json"]) == 0
    assert time.process_time() - started < 5  # 40 s
    assert '"added": 1' in capsys.readouterr().out


def _counted(monkeypatch) -> dict[str, int]:
    """Counts the steps of difflib's longest-match searches (one for each place a searched line of
    one side recurs in the other: the loop that made these diffs slow) and the diffs given to git."""
    spent = {"steps": 0, "git": 0}
    search = difflib.SequenceMatcher.find_longest_match

    def counted(self, alo=0, ahi=None, blo=0, bhi=None):
        ahi = len(self.a) if ahi is None else ahi
        spent["steps"] += sum(len(self.b2j.get(line, ())) for line in self.a[alo:ahi])
        return search(self, alo, ahi, blo, bhi)

    git = hunks._git_opcodes

    def to_git(a, b):
        spent["git"] += 1
        return git(a, b)

    monkeypatch.setattr(difflib.SequenceMatcher, "find_longest_match", counted)
    monkeypatch.setattr(hunks, "_git_opcodes", to_git)
    return spent


def test_a_session_of_many_costly_diffs_is_bounded_as_a_whole(monkeypatch):
    # Writes that turn a file of one line 900 times into the same with a line after it, and back:
    # each diff is difflib's, 810,000 steps (900 lines, each found at 900 places), just under
    # DIFF_WORK: 2,000 of them took minutes. The session's budget bounds them all together.
    plain = "x\n" * 900
    marked = plain + "y\n"
    edits = 30
    steps = [
        Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Write",
             edits=[FileEdit("/p/f.txt", "update", content=marked if i % 2 else plain)])
        for i in range(edits + 1)
    ]  # fmt: skip
    session = Session(id="s", agent="claude", source="x", cwd="/p", steps=steps)
    assert 810_000 < DIFF_WORK
    spent = _counted(monkeypatch)
    patches = session_patches(session)
    assert spent["steps"] <= SESSION_DIFF_WORK < edits * 810_000
    # Once it is spent, the diffs go to git: as many went to difflib as it had room for, no more.
    assert spent["git"] == edits - SESSION_DIFF_WORK // 810_000
    # And git's diffs are still line by line: one line added, then removed, each time.
    assert [(p.added, p.removed) for p in patches[1:]] == [(["y"], []), ([], ["y"])] * (edits // 2)
    # The same log gives the same patches (a count of steps, not time, and a fresh budget each call).
    again = session_patches(session)
    assert [p.hunks for p in again] == [p.hunks for p in patches]


def test_a_logged_hunk_of_repeated_lines_is_tidied_within_the_budget(monkeypatch):
    # A Codex-style hunk that removes a line 600 times and adds it back between 300 others: tidying
    # it with difflib took 40 million steps (1.6 s; 25 s at 1,500 lines). Past the budget the log's
    # hunk stands as it is.
    before = ["x"] * 600
    after = [s for k in range(300) for s in ("x", f"u{k}")]
    hunk = Hunk(0, 0, 0, 0, ["-" + x for x in before] + ["+" + x for x in after])
    step = Step(id="s0", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="apply_patch",
                edits=[FileEdit("/p/f.txt", "update", hunks=[hunk])])  # fmt: skip
    spent = _counted(monkeypatch)
    [patch] = session_patches(Session(id="s", agent="codex", source="x", cwd="/p", steps=[step]))
    assert spent["steps"] <= DIFF_WORK
    assert (patch.removed, patch.added) == (before, after)
    # A hunk within the budget is still tidied: only the changed line is the step's.
    small = Hunk(0, 0, 0, 0, ["-a", "-b", "-c", "+a", "+B", "+c"])
    assert hunks.tidy_hunk(small).lines == [" a", "-b", "+B", " c"]
