"""Copilot's diffs as the file has them (tracetui/sources/copilot/diff.py).

They count the empty string after a text's last newline as the file's last line.

The `diff --git` an `edit` or `create` result carries (`result.detailedContent`) is made from the text
split at every newline: a file that ends with one gets an empty last "line", shown as a blank context
line by a hunk that reaches the end (`@@ -1,4 +1,7 @@` for a three-line file) and as an empty added line
by a new file's hunk. Seen in every genuine Copilot log with such diffs (1.0.x, yenkaiwang/nividaClaw,
jjwvanboxtel/poule_v2): a new file's hunk always counts `file_text.count("\\n") + 1` lines. A hunk that
asks for a line no file holds fits nowhere, so the trail took git's next version of the file (the edit
already in it) for the file before the edit, and called an edit that a commit holds `lost`.
The hand-made log: tests/fixtures/copilot/end-of-text (one edit, one new file, both so diffed).
"""

from __future__ import annotations

from pathlib import Path

from shared_data import FIXTURES
from support.trail_kit import Repo

from tracetui.model import StepKind
from tracetui.sources import group, read_session
from tracetui.sources.copilot.diff import copilot_hunks
from tracetui.trail import trail

EVENTS = FIXTURES / "copilot" / "end-of-text" / "5e6f7a8b-6666-4f4f-9a9a-778899aabbcc" / "events.jsonl"
BEFORE = '{\n  "started": "2026-04-28"\n}\n'
AFTER = '{\n  "started": "2026-04-28",\n  "theme": {\n    "name": "dark"\n  }\n}\n'


def _session():
    [files] = group("copilot", [EVENTS])
    return read_session(files)


def _edits(session):
    calls = [s for s in session.steps if s.kind == StepKind.TOOL_CALL]
    return {e.path.rsplit("/", 1)[-1]: e for s in calls for e in s.edits}


def test_the_empty_line_after_the_last_newline_is_no_line_of_the_hunks():
    edits = _edits(_session())
    assert [h.to_dict() for h in edits["settings.json"].hunks] == [
        {
            "old_start": 1,
            "old_lines": 3,
            "new_start": 1,
            "new_lines": 6,
            "lines": [
                " {",
                '-  "started": "2026-04-28"',
                '+  "started": "2026-04-28",',
                '+  "theme": {',
                '+    "name": "dark"',
                "+  }",
                " }",
            ],
        }
    ]
    [created] = edits["notes.md"].hunks
    assert (created.new_lines, created.lines) == (3, ["+# Notes", "+", "+Theme set to dark."])
    assert edits["notes.md"].content == "# Notes\n\nTheme set to dark.\n"


def test_an_edit_a_commit_took_half_a_minute_later_is_alive_there(tmp_path: Path):
    repo = Repo(tmp_path / "cfg")
    repo.write("settings.json", BEFORE)
    start = repo.commit("start", "2026-04-28T10:00:00Z")
    repo.write("settings.json", AFTER)
    repo.write("notes.md", "# Notes\n\nTheme set to dark.\n")
    # the bot's commit, 29 s after the edit: within the clock slack a stale replay may look in
    took = repo.commit("results", "2026-04-28T11:00:40Z")
    session = _session()
    session.git = None  # the log's cwd maps onto the scratch clone by its files
    fates = {f.patch.path: f for f in trail(session, repo=repo.path).fates}
    assert start != took
    assert (fates["settings.json"].state, fates["settings.json"].commit) == ("alive", took)
    assert not fates["settings.json"].patch.partial
    assert (fates["notes.md"].state, fates["notes.md"].commit) == ("alive", took)


# Copilot's hunks may overlap: each is made against the old text alone, so the second one's context
# shows the old text of lines the first one changed (yenkaiwang/nividaClaw, an edit of two draw calls:
# `@@ -170,13` then `@@ -178,8`). The hand-made log: tests/fixtures/copilot/overlapping-hunks.
OVERLAP = FIXTURES / "copilot" / "overlapping-hunks" / "6a7b8c9d-7777-4a1a-8b2b-99aabbccddee" / "events.jsonl"
FACE = (
    "def face(x, y):\n"
    '    """The face."""\n'
    "    # cheeks\n"
    "    draw(x - 80, y - 20)\n"
    "    draw(x - 20, y + 40)\n"
    "    fill('shadow')\n"
    "    draw(x + 20, y - 20)\n"
    "    draw(x + 80, y + 40)\n"
    "    fill('shadow')\n"
    "    \n"
    "    # eyes\n"
    "    draw(x, y)\n"
)
FACE_AFTER = FACE.replace("draw(x - 80, y - 20)", "draw(int(x - 80), int(y - 20))").replace(
    "draw(x - 20, y + 40)", "draw(int(x - 20), int(y + 40))"
).replace("draw(x + 20, y - 20)", "draw(int(x + 20), int(y - 20))").replace(
    "draw(x + 80, y + 40)", "draw(int(x + 80), int(y + 40))"
)


def _overlap_session():
    [files] = group("copilot", [OVERLAP])
    return read_session(files)


def test_overlapping_hunks_are_one_hunk_of_the_old_text():
    [edit] = _edits(_overlap_session()).values()
    assert [h.to_dict() for h in edit.hunks] == [
        {
            "old_start": 2,
            "old_lines": 10,
            "new_start": 2,
            "new_lines": 10,
            "lines": [
                '     """The face."""',
                "     # cheeks",
                "-    draw(x - 80, y - 20)",
                "-    draw(x - 20, y + 40)",
                "+    draw(int(x - 80), int(y - 20))",
                "+    draw(int(x - 20), int(y + 40))",
                "     fill('shadow')",
                "-    draw(x + 20, y - 20)",
                "-    draw(x + 80, y + 40)",
                "+    draw(int(x + 20), int(y - 20))",
                "+    draw(int(x + 80), int(y + 40))",
                "     fill('shadow')",
                "     ",
                "     # eyes",
            ],
        }
    ]


def test_an_edit_with_overlapping_hunks_is_placed_on_the_file_before_it(tmp_path: Path):
    repo = Repo(tmp_path / "paint")
    repo.write("face.py", FACE)
    repo.commit("start", "2026-05-01T11:00:00Z")
    repo.write("face.py", FACE_AFTER)
    took = repo.commit("results", "2026-05-01T12:00:40Z")
    session = _overlap_session()
    [fate] = trail(session, repo=repo.path).fates
    assert (fate.state, fate.commit, fate.kept) == ("alive", took, 4)
    assert not fate.patch.partial  # placed by the log's own diff, not guessed from git


def test_overlapping_hunks_that_read_different_old_texts_are_left_as_they_are():
    diff = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -2,2 +2,2 @@\n x\n-c\n+C\n"
    assert [(h.old_start, h.old_lines, len(h.lines)) for h in copilot_hunks(diff)] == [(1, 3, 4), (2, 2, 3)]
