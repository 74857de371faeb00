"""Patches from edits, without git: string edits, hunks, whole files, moves, paths."""

from __future__ import annotations

from tracetui.model import FileEdit, Hunk, Session, Step, StepKind
from tracetui.trail import session_patches, unified_diff
from tracetui.trail.paths import absolute_path, relative_path

FILE = "".join(f"row {i}\n" for i in range(1, 11))


def _session(*edits: FileEdit, cwd: str = "/home/dev/proj", step_cwd: str | None = None) -> Session:
    steps = [
        Step(id=f"s{i}", index=i, kind=StepKind.TOOL_CALL, role="assistant", tool="Edit",
             timestamp=f"2026-01-01T10:00:0{i}Z", edits=[e], cwd=step_cwd)
        for i, e in enumerate(edits)
    ]  # fmt: skip
    return Session(id="s", agent="claude", source="x", cwd=cwd, steps=steps)


def test_string_edit_with_original_gets_whole_lines_and_numbers():
    edit = FileEdit("/home/dev/proj/src/a.py", "update", old_string="w 5\nrow 6", new_string="w 5\nrow six\nrow 6.5", original=FILE)
    [p] = session_patches(_session(edit))
    assert (p.path, p.added, p.removed, p.exact) == ("src/a.py", ["row six", "row 6.5"], ["row 6"], True)
    assert [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in p.hunks] == [(3, 7, 3, 8)]
    assert p.hunks[0].lines[:3] == [" row 3", " row 4", " row 5"]
    assert unified_diff(p) == (
        "--- a/src/a.py\n+++ b/src/a.py\n@@ -3,7 +3,8 @@\n row 3\n row 4\n row 5\n-row 6\n+row six\n+row 6.5\n"
        " row 7\n row 8\n row 9\n"
    )


def test_string_edit_without_original_is_replayed_from_an_earlier_edit():
    first = FileEdit("src/a.py", "update", old_string="row 2\n", new_string="row 2\nrow 2b\n", original=FILE)
    second = FileEdit("src/a.py", "update", old_string="2b", new_string="2c")  # a fragment
    p1, p2 = session_patches(_session(first, second))
    assert (p1.added, p1.removed) == (["row 2b"], [])
    assert (p2.added, p2.removed, p2.exact) == (["row 2c"], ["row 2b"], True)
    assert p2.hunks[0].old_start == 1 and p2.before_counts == {"row 2b": 1}


def test_fragments_without_any_file_are_marked_inexact():
    [p] = session_patches(_session(FileEdit("a.py", "update", old_string="x = 1", new_string="x = 2")))
    assert (p.added, p.removed, p.exact, p.before_counts) == (["x = 2"], ["x = 1"], False, None)
    assert p.hunks[0].old_start == 0
    [q] = session_patches(_session(FileEdit("a.py", "update", old_string="x = 1\n", new_string="x = 2\n")))
    assert q.exact is True


def test_base_places_edits_and_replace_all_changes_every_copy():
    base = {"m.py": "a = 1\nb = 1\na = 1\n"}.get
    edit = FileEdit("m.py", "update", old_string="a = 1", new_string="a = 2", replace_all=True)
    [p] = session_patches(_session(edit), base=base)
    assert (p.added, p.removed) == (["a = 2", "a = 2"], ["a = 1", "a = 1"])
    assert [(h.old_start, h.new_start) for h in p.hunks] == [(1, 1)]


def test_hunks_from_the_log_are_kept_and_located():
    hunk = Hunk(0, 0, 0, 0, [" row 7", "+row 7.5", " row 8"])  # Codex style: no numbers
    [p] = session_patches(_session(FileEdit("a.py", "update", hunks=[hunk])), base={"a.py": FILE}.get)
    assert (p.added, p.removed) == (["row 7.5"], [])
    assert [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in p.hunks] == [(7, 2, 7, 3)]


def test_create_write_delete_and_move():
    create = FileEdit("new.py", "create", content="one\ntwo\n")
    write = FileEdit("new.py", "write", content="one\nthree\n")
    move = FileEdit("new.py", "update", hunks=[Hunk(1, 1, 1, 1, ["-one", "+uno"])], move_to="lib/new.py")
    delete = FileEdit("lib/new.py", "delete")
    ps = session_patches(_session(create, write, move, delete))
    assert [(p.op, p.path, p.old_path, p.added, p.removed) for p in ps] == [
        ("create", "new.py", None, ["one", "two"], []),
        ("write", "new.py", None, ["three"], ["two"]),
        ("update", "lib/new.py", "new.py", ["uno"], ["one"]),
        ("delete", "lib/new.py", None, [], ["uno", "three"]),
    ]
    assert unified_diff(ps[0]).startswith("--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+one\n+two\n")
    assert unified_diff(ps[3]).startswith("--- a/lib/new.py\n+++ /dev/null\n")


def test_failed_edits_give_no_patch_and_no_change_still_gives_one():
    failed = FileEdit("a.py", "update", old_string="a", new_string="b", applied=False)
    same = FileEdit("a.py", "write", content="same\n", original="same\n")
    ps = session_patches(_session(failed, same))
    assert [(p.step_id, p.hunks, p.added) for p in ps] == [("s1", [], [])]


def test_paths_relative_to_step_cwd_and_root():
    assert absolute_path("b/c.py", "/r/a") == "/r/a/b/c.py"
    assert absolute_path("../x.py", "/r/a") == "/r/x.py"
    assert absolute_path("C:\\Users\\l\\p\\f.py", None) == "C:/Users/l/p/f.py"
    assert relative_path("/r/a/b.py", "/r") == ("a/b.py", True)
    assert relative_path("/elsewhere/b.py", "/r") == ("/elsewhere/b.py", False)
    assert relative_path("c:/Users/l/p/f.py", "C:\\Users\\l\\p") == ("f.py", True)
    [p] = session_patches(_session(FileEdit("x.py", "create", content="x\n"), step_cwd="/home/dev/proj/sub"))
    assert (p.path, p.inside) == ("sub/x.py", True)


def test_insertion_hunks_follow_the_unified_diff_convention():
    # jsdiff: an insertion after line 5 is "@@ -5,0 +6,1 @@"
    hunk = Hunk(5, 0, 6, 1, ["+inserted"])
    edit = FileEdit("a.py", "update", hunks=[hunk], original=FILE)
    second = FileEdit("a.py", "update", old_string="inserted\nrow 6", new_string="inserted!\nrow 6")
    p1, p2 = session_patches(_session(edit, second))
    assert [(h.old_start, h.new_start) for h in p1.hunks] == [(5, 6)]
    assert (p2.added, p2.removed, p2.exact) == (["inserted!"], ["inserted"], True)
    assert p2.hunks[0].old_start == 3  # three lines of context before line 6


def test_a_notebook_cell_edit_is_not_diffed_against_the_whole_notebook():
    step = Step(id="n", index=0, kind=StepKind.TOOL_CALL, role="assistant", tool="NotebookEdit",
                edits=[FileEdit("nb.ipynb", "update", content="x = 1\nprint(x)")])  # fmt: skip
    session = Session(id="s", agent="claude", source="x", cwd="/p", steps=[step])
    [p] = session_patches(session, base=lambda path: '{"cells": []}\n')
    assert (p.added, p.removed, p.exact) == (["x = 1", "print(x)"], [], False)


def test_hostile_paths_do_not_stop_the_trail():
    from tracetui.trail import trail

    edits = [FileEdit("bad\x00name.py", "create", content="x\n"), FileEdit("../../etc/passwd", "update", old_string="a", new_string="b")]
    session = _session(*edits, cwd="/no/such\x00dir")
    result = trail(session)
    assert [(f.state, f.patch.added) for f in result.fates] == [("unknown", ["x"]), ("unknown", ["b"])]


def _join_keys_by_definition(patch) -> list[tuple[str, list[str]]]:
    """join_keys as its docstring states it, one run at a time (the slow way it once was written)."""
    from tracetui.trail.line_identity import JOIN_SPAN, norm

    sides = [[(x[1:], x[:1] == "+") for x in h.lines if x[:1] in (" ", "+")] for h in patch.hunks]
    sides = [s for s in sides if any(a for _, a in s)]
    if not sides and patch.added:
        sides = [[(x, True) for x in patch.added]]
    out = []
    for side in sides:
        ns = [norm(x) for x, _ in side]
        for i in range(len(ns)):
            for j in range(i + 1, min(i + JOIN_SPAN, len(ns))):
                if not all(ns[i : j + 1]):
                    break
                mine = [x for x, added in side[i : j + 1] if added]
                if mine:
                    out.append(("".join(ns[i : j + 1]), mine))
    return out


def test_join_keys_grown_run_by_run_are_those_of_the_definition():
    # Random hunks of added, context, removed and blank lines: the runs grown line by line (a run
    # sharing its shorter run's list where it took in a context line) are the runs of the definition.
    import random

    from tracetui.trail.line_identity import join_keys, join_norms
    from tracetui.trail.patch import Patch

    rng = random.Random(12)
    for _ in range(300):
        lines = []
        for _ in range(rng.randint(1, 14)):
            kind = rng.choice("++  -")
            text = rng.choice(["", "  ", "x = 1", "call(a,", "  b)", "}", "return  y", "\tz"])
            lines.append(kind + text)
        hunk = Hunk(1, 0, 1, 0, lines)
        added = [x[1:] for x in lines if x[:1] == "+"]
        patch = Patch("s", "f.py", "update", [hunk], added, [x[1:] for x in lines if x[:1] == "-"])
        assert join_keys(patch) == _join_keys_by_definition(patch)
        assert join_norms(patch) == {joined for joined, _ in _join_keys_by_definition(patch)}
        bare = Patch("s", "f.py", "write", [], added, [])  # no hunks: the added lines alone
        assert join_norms(bare) == {joined for joined, _ in _join_keys_by_definition(bare)}


def _split_counts_by_definition(seq, keys, starts=None) -> dict[str, int]:
    """split_counts as its docstring states it: for each entry (of the first `starts`), the shortest
    join of 2..SPLIT_SPAN consecutive non-empty entries from it that is a key, counted."""
    from tracetui.trail.line_identity import SPLIT_SPAN

    found: dict[str, int] = {}
    for i in range(len(seq) if starts is None else min(starts, len(seq))):
        for j in range(i + 1, min(i + SPLIT_SPAN, len(seq))):
            if not all(seq[i : j + 1]):
                break
            joined = "".join(seq[i : j + 1])
            if joined in keys:
                found[joined] = found.get(joined, 0) + 1
                break
    return found


def test_split_counts_are_those_of_the_definition():
    # Entries that start keys, run past them, repeat them and are shorter or longer than a key's
    # first characters: what is counted is what the definition counts.
    import random

    from tracetui.trail.line_identity import split_counts

    rng = random.Random(7)
    parts = ["ab", "cd", "abcd", "", "x" * 50, "y" * 30, "abcdabcd", "abcdabcdab", "zz", "a"]
    for _ in range(3000):
        seq = [rng.choice(parts) for _ in range(rng.randint(0, 12))]
        keys = {"".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
                for _ in range(rng.randint(0, 5))}  # fmt: skip
        keys.discard("")
        starts = rng.choice([None, 0, 1, 3, 20])
        assert split_counts(seq, keys, starts) == _split_counts_by_definition(seq, keys, starts), (seq, keys)


def test_a_string_edit_at_the_end_of_the_file_has_no_line_past_it():
    """A string edit whose old text ran to the end of a file ending in a newline ("row 10\\n" appended
    to) got a context line past the end of the file: a hunk of 4 old lines where the file has 3 left.
    The replay then lost which patch wrote each line, so a later step's replacement of those lines
    before any commit was not known (`taken_back`, `removed_from`)."""
    first = FileEdit("/home/dev/proj/a.py", "update", old_string="row 10\n", new_string="row 10\nrow 11\nrow 12\n", original=FILE)
    second = FileEdit("/home/dev/proj/a.py", "update", old_string="row 12\n", new_string="row twelve\n")
    p, q = session_patches(_session(first, second))
    assert [(h.old_start, h.old_lines, h.new_start, h.new_lines) for h in p.hunks] == [(8, 3, 8, 5)]
    assert p.hunks[0].lines == [" row 8", " row 9", " row 10", "+row 11", "+row 12"]
    assert (q.removed_from, p.taken_back) == ({0}, [("row12", "2026-01-01T10:00:01Z")])
