"""The Codex apply_patch grammar: every section kind, the tolerated variants, broken input."""

from __future__ import annotations

from tracetui.model import Hunk
from tracetui.sources.common.apply_patch import parse_patch, patch_from_command

ADD = """*** Begin Patch
*** Add File: src/hello.py
+def hello():
+    return "hi"
*** End Patch
"""

UPDATE_TWO_HUNKS = """*** Begin Patch
*** Update File: app.js
@@ function start() {
   const a = 1;
-  const b = 2;
+  const b = 3;
@@
 last();
+extra();
*** End Patch"""


def test_add_file_gives_create_with_content_and_trailing_newline():
    patch = parse_patch(ADD)
    assert not patch.malformed
    assert len(patch) == 1
    edit = patch[0]
    assert (edit.path, edit.op) == ("src/hello.py", "create")
    assert edit.content == 'def hello():\n    return "hi"\n'
    assert edit.hunks == []


def test_add_file_with_no_lines_is_an_empty_file():
    patch = parse_patch("*** Begin Patch\n*** Add File: empty.txt\n*** End Patch\n")
    assert patch[0].content == ""
    assert not patch.malformed


def test_delete_file():
    patch = parse_patch("*** Begin Patch\n*** Delete File: old/thing.txt\n*** End Patch")
    assert [(e.path, e.op, e.hunks) for e in patch] == [("old/thing.txt", "delete", [])]


def test_a_file_deleted_and_added_again_is_one_write():
    """A real Codex session rewrote package.json as Delete File + Add File: read as two edits, the
    delete of lines the log never showed was a trail row of `unknown`, with nothing to look for."""
    patch = parse_patch(
        "*** Begin Patch\n*** Delete File: package.json\n*** Update File: b.txt\n@@\n-x\n+y\n"
        "*** Add File: package.json\n+{}\n*** Delete File: gone.txt\n*** End Patch"
    )
    assert not patch.malformed
    assert [(e.path, e.op, e.content) for e in patch] == [
        ("b.txt", "update", None), ("package.json", "write", "{}\n"), ("gone.txt", "delete", None)
    ]  # fmt: skip
    assert len(patch.anchors) == len(patch.end_of_file) == 3


def test_update_with_two_hunks_keeps_anchor_out_of_the_lines():
    patch = parse_patch(UPDATE_TWO_HUNKS)
    assert not patch.malformed
    edit = patch[0]
    assert (edit.path, edit.op, edit.move_to) == ("app.js", "update", None)
    assert edit.hunks == [
        Hunk(0, 2, 0, 2, ["   const a = 1;", "-  const b = 2;", "+  const b = 3;"]),
        Hunk(0, 1, 0, 2, [" last();", "+extra();"]),
    ]
    assert patch.anchors == [["function start() {", None]]
    assert patch.end_of_file == [[False, False]]


def test_update_without_leading_at_at_starts_a_hunk():
    patch = parse_patch("*** Begin Patch\n*** Update File: a.txt\n-old\n+new\n*** End Patch")
    assert patch[0].hunks == [Hunk(0, 1, 0, 1, ["-old", "+new"])]
    assert patch.anchors == [[None]]


def test_move_to_sets_move_target():
    text = (
        "*** Begin Patch\n*** Update File: a/old.py\n*** Move to: b/new.py\n@@\n-x = 1\n+x = 2\n*** End Patch"
    )
    edit = parse_patch(text)[0]
    assert (edit.path, edit.move_to, edit.op) == ("a/old.py", "b/new.py", "update")
    assert edit.hunks == [Hunk(0, 1, 0, 1, ["-x = 1", "+x = 2"])]


def test_pure_rename_has_no_hunks():
    edit = parse_patch("*** Begin Patch\n*** Update File: a\n*** Move to: b\n*** End Patch")[0]
    assert (edit.path, edit.move_to, edit.hunks) == ("a", "b", [])


def test_multiple_files_in_order():
    text = (
        "*** Begin Patch\n"
        "*** Add File: new.txt\n+one\n"
        "*** Update File: mid.txt\n@@\n-a\n+b\n"
        "*** Delete File: gone.txt\n"
        "*** Update File: /abs/path/last.txt\n@@ class X:\n     pass\n+    y = 1\n"
        "*** End Patch\n"
    )
    patch = parse_patch(text)
    assert not patch.malformed
    assert [(e.op, e.path) for e in patch] == [
        ("create", "new.txt"),
        ("update", "mid.txt"),
        ("delete", "gone.txt"),
        ("update", "/abs/path/last.txt"),
    ]
    assert patch.anchors == [[], [None], [], ["class X:"]]
    assert patch[3].hunks == [Hunk(0, 1, 0, 2, ["     pass", "+    y = 1"])]


def test_end_of_file_marker_closes_the_hunk_and_is_recorded():
    text = "*** Begin Patch\n*** Update File: f\n@@\n last\n+appended\n*** End of File\n*** End Patch"
    patch = parse_patch(text)
    assert not patch.malformed
    assert patch[0].hunks == [Hunk(0, 1, 0, 2, [" last", "+appended"])]
    assert patch.end_of_file == [[True]]


def test_crlf_is_accepted():
    patch = parse_patch(UPDATE_TWO_HUNKS.replace("\n", "\r\n"))
    assert not patch.malformed
    assert patch[0].hunks[0].lines == ["   const a = 1;", "-  const b = 2;", "+  const b = 3;"]


def test_empty_line_in_a_hunk_is_empty_context():
    patch = parse_patch("*** Begin Patch\n*** Update File: f\n@@\n a\n\n-b\n*** End Patch")
    assert patch[0].hunks == [Hunk(0, 3, 0, 2, [" a", " ", "-b"])]


def test_context_only_hunks_are_dropped():
    # A bare @@ + context only moves Codex's search cursor; it changes nothing.
    text = "*** Begin Patch\n*** Update File: f\n@@\n struct A {\n@@\n     x: u8,\n+    y: u8,\n }\n*** End Patch"
    patch = parse_patch(text)
    assert patch[0].hunks == [Hunk(0, 2, 0, 3, ["     x: u8,", "+    y: u8,", " }"])]
    assert patch.anchors == [[None]]


def test_missing_end_patch_keeps_edits_and_says_so():
    patch = parse_patch("*** Begin Patch\n*** Add File: a\n+x\n")
    assert [e.content for e in patch] == ["x\n"]
    assert patch.problems == ["no *** End Patch"]
    assert patch.malformed


def test_missing_begin_patch_is_reported_but_parsed():
    patch = parse_patch("*** Update File: a\n@@\n-x\n+y\n*** End Patch")
    assert patch.problems == ["does not start with *** Begin Patch"]
    assert patch[0].hunks == [Hunk(0, 1, 0, 1, ["-x", "+y"])]


def test_garbage_lines_are_reported_and_skipped():
    text = "*** Begin Patch\n*** Update File: a\n@@\n-x\nnot a diff line\n+y\n*** End Patch\ntrailing"
    patch = parse_patch(text)
    assert patch[0].hunks == [Hunk(0, 1, 0, 1, ["-x", "+y"])]
    assert patch.problems == ["line 5: unexpected line in an Update File hunk", "text after *** End Patch"]


def test_nonsense_and_empty_input_never_raise():
    for text in ("", "   \n", "hello world", "*** Begin Patch\n*** End Patch", "*** Add File: \n+x"):
        patch = parse_patch(text)
        assert patch.malformed, text
    assert list(parse_patch("hello world")) == []
    assert parse_patch("").problems == ["empty patch"]
    assert parse_patch("*** Begin Patch\n*** End Patch").problems == ["no file sections"]


def test_heredoc_wrapper_inside_the_patch_argument_is_removed():
    patch = parse_patch("<<'EOF'\n*** Begin Patch\n*** Delete File: x\n*** End Patch\nEOF\n")
    assert not patch.malformed
    assert [(e.op, e.path) for e in patch] == [("delete", "x")]


# ---- patch_from_command ----------------------------------------------------------------------


def test_argv_form():
    assert patch_from_command(["apply_patch", ADD]) == (ADD, None)


def test_bash_lc_heredoc_form():
    script = "apply_patch <<'PATCH'\n" + ADD + "PATCH\n"
    assert patch_from_command(["bash", "-lc", script]) == (ADD.rstrip("\n"), None)
    assert patch_from_command(["/bin/zsh", "-lc", script]) == (ADD.rstrip("\n"), None)


def test_plain_string_heredoc_forms():
    body = "*** Begin Patch\n*** Delete File: a\n*** End Patch"
    for opener in ("apply_patch <<'EOF'", 'apply_patch <<"EOF"', "apply_patch <<EOF", "apply_patch << 'EOF'"):
        assert patch_from_command(f"{opener}\n{body}\nEOF") == (body, None), opener


def test_cd_before_heredoc_gives_the_directory():
    body = "*** Begin Patch\n*** Delete File: a\n*** End Patch"
    assert patch_from_command(f"cd sub/dir && apply_patch <<'EOF'\n{body}\nEOF\n") == (body, "sub/dir")
    assert patch_from_command(f"cd 'with space' && apply_patch <<EOF\n{body}\nEOF") == (body, "with space")


def test_heredoc_without_closing_delimiter_takes_the_rest():
    assert patch_from_command("apply_patch <<'EOF'\n*** Begin Patch\n") == ("*** Begin Patch", None)


def test_scripts_that_only_mention_apply_patch_are_not_edits():
    assert patch_from_command("echo apply_patch") is None
    assert patch_from_command("python - <<'PY'\nprint('apply_patch')\nPY") is None
    assert patch_from_command("apply_patch <<'EOF'\n*** Begin Patch\nEOF\nrm -rf x") is None
    assert patch_from_command(["bash", "-lc", "ls -la"]) is None
    assert patch_from_command(["apply_patch"]) is None
    assert patch_from_command(["git", "apply", "x.patch"]) is None
    assert patch_from_command(None) is None
    assert patch_from_command({"cmd": "apply_patch"}) is None
    assert patch_from_command("cd somewhere") is None


def test_end_of_file_after_an_added_file_is_harmless():
    patch = parse_patch("*** Begin Patch\n*** Add File: a\n+x\n*** End of File\n*** End Patch")
    assert (patch[0].content, patch.problems) == ("x\n", [])


def test_add_file_line_without_plus_is_reported():
    patch = parse_patch("*** Begin Patch\n*** Add File: a\n+x\ny\n*** End Patch")
    assert (patch[0].content, patch.problems) == ("x\n", ["line 4: an Add File line does not start with '+'"])


def test_a_section_of_context_only_hunks_keeps_them():
    # Nothing else in the section: the context says the file stayed as it was (Codex found the lines
    # and wrote them back), which a section without hunks (nothing known) cannot say.
    text = "*** Begin Patch\n*** Update File: f\n@@ fn main\n a\n b\n@@\n c\n*** End of File\n*** End Patch"
    patch = parse_patch(text)
    assert not patch.malformed
    assert patch[0].hunks == [Hunk(0, 2, 0, 2, [" a", " b"]), Hunk(0, 1, 0, 1, [" c"])]
    assert (patch.anchors, patch.end_of_file) == ([["fn main", None]], [[False, True]])
