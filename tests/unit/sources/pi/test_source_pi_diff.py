"""Pi's numbered display diff and newer Pi's unified patch, turned into Hunks."""

from __future__ import annotations

from tracetui.sources.common.unified_diff import parse_unified_diff
from tracetui.sources.pi.edits import parse_numbered_diff


def hunks(text: str) -> list[dict]:
    return [h.to_dict() for h in parse_numbered_diff(text)]


def test_two_hunks_separated_by_skipped_lines_carry_the_running_offset():
    diff = "\n".join(
        [
            "   ...",
            "  3 a",
            "- 4 b",
            "+ 4 B1",
            "+ 5 B2",
            "  5 c",
            "   ...",
            " 20 x",
            "-21 y",
            " 22 z",
            "   ...",
        ]
    )
    assert hunks(diff) == [
        {
            "old_start": 3,
            "old_lines": 3,
            "new_start": 3,
            "new_lines": 4,
            "lines": [" a", "-b", "+B1", "+B2", " c"],
        },
        # after the first hunk, new numbers run one ahead of old ones
        {"old_start": 20, "old_lines": 3, "new_start": 21, "new_lines": 2, "lines": [" x", "-y", " z"]},
    ]


def test_leading_context_numbered_from_one_by_old_pi_is_not_trusted():
    # Older Pi restarted the numbers of the context shown after "...": the changed lines are right.
    diff = "\n".join(["    ...", "  1 p", "  2 q", "- 40 r", "+ 40 R", " 41 s", "    ..."])
    assert hunks(diff) == [
        {
            "old_start": 38,
            "old_lines": 4,
            "new_start": 38,
            "new_lines": 4,
            "lines": [" p", " q", "-r", "+R", " s"],
        },
    ]


def test_pure_insertion_without_context_starts_where_its_lines_go():
    assert hunks("+1 first\n+2 second") == [
        {"old_start": 1, "old_lines": 0, "new_start": 1, "new_lines": 2, "lines": ["+first", "+second"]}
    ]


def test_pure_deletion_and_text_that_looks_like_a_marker():
    diff = "  7 keep\n- 8 ...\n- 9 \n 10 end"
    assert hunks(diff) == [
        {
            "old_start": 7,
            "old_lines": 4,
            "new_start": 7,
            "new_lines": 2,
            "lines": [" keep", "-...", "-", " end"],
        }
    ]


def test_text_keeps_its_own_leading_spaces():
    assert hunks("-12     indented\n+12         more") == [
        {
            "old_start": 12,
            "old_lines": 1,
            "new_start": 12,
            "new_lines": 1,
            "lines": ["-    indented", "+        more"],
        }
    ]


def test_a_diff_of_another_shape_gives_no_hunks():
    assert parse_numbered_diff("@@ -1 +1 @@\n-a\n+b") == []
    assert parse_numbered_diff("") == []
    assert parse_numbered_diff("  1 only context\n  2 lines") == []


def test_unified_patch_from_jsdiff():
    patch = "\n".join(
        [
            "Index: f.txt",
            "===================================================================",
            "--- f.txt",
            "+++ f.txt",
            "@@ -0,0 +1,2 @@",
            "+new",
            "+file",
            "@@ -5 +6,2 @@",
            "-old",
            "+one",
            "+two",
            "\\ No newline at end of file",
            "",
        ]
    )
    assert [h.to_dict() for h in parse_unified_diff(patch)] == [
        {"old_start": 1, "old_lines": 0, "new_start": 1, "new_lines": 2, "lines": ["+new", "+file"]},
        {"old_start": 5, "old_lines": 1, "new_start": 6, "new_lines": 2, "lines": ["-old", "+one", "+two"]},
    ]


def test_unified_patch_stops_each_hunk_at_its_counted_length():
    patch = "@@ -1,1 +1,1 @@\n-a\n+b\n--- next\n+++ next\n"
    assert [h.lines for h in parse_unified_diff(patch)] == [["-a", "+b"]]
    assert parse_unified_diff("no hunks here") == []
