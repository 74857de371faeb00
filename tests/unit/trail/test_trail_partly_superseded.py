"""A patch most of whose lines a later step of the same session replaced before any commit, while the
rest reached a commit unchanged, is `transformed` at that commit, not `lost`.

Seen in a real OpenCode session (richardaiand/aiand-portfolio-web, ground_truth/truth_aiand_
portfolio_web.py): an edit added a five-line custom cursor to index.html; an hour later the session
replaced three of them (a crosshair) and then committed. Two of the edit's lines are in that commit
and at HEAD, but "half of its lines in place" was asked of all five, so the patch read as never
committed (lost, kept 2)."""

from __future__ import annotations

from support.trail_kit import Repo, iso, replace, session_of

from tracetui.trail import trail

BODY = "".join(f"<p>line {i}</p>\n" for i in range(1, 9))
CURSOR = (
    "<!-- Crosshair Cursor -->\n"
    '<div class="cursor-dot"></div>\n'
    '<div class="cursor-ring"></div>\n'
    '<div class="crosshair-h"></div>\n'
    '<div class="crosshair-v"></div>\n'
)
PLAIN = '<!-- Cursor -->\n<div class="cursor-dot"></div>\n<div class="cursor-ring"></div>\n'


def test_a_patch_partly_replaced_before_the_commit_reached_the_commit(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("index.html", BODY)
    repo.commit("init", iso(9))
    first = replace(repo, "index.html", "<p>line 4</p>\n", "<p>line 4</p>\n" + CURSOR)
    second = replace(repo, "index.html", CURSOR, PLAIN)
    done = repo.commit("cursor", iso(12), "index.html")
    session = session_of(repo.path, [(iso(10), first), (iso(11), second)])
    fates = trail(session).fates
    assert [(f.state, f.commit, f.kept, f.superseded_by) for f in fates] == [
        ("transformed", done, 2, "s1"),  # two of its five lines are in the commit and at HEAD
        ("alive", done, 1, None),
    ]


def test_a_patch_wholly_replaced_before_the_commit_is_still_lost(tmp_path):
    repo = Repo(tmp_path / "r")
    repo.write("index.html", BODY)
    repo.commit("init", iso(9))
    first = replace(repo, "index.html", "<p>line 4</p>\n", "<p>line 4</p>\n" + CURSOR)
    second = replace(repo, "index.html", CURSOR, "<!-- no cursor -->\n")
    done = repo.commit("cursor", iso(12), "index.html")
    session = session_of(repo.path, [(iso(10), first), (iso(11), second)])
    fates = trail(session).fates
    assert [(f.state, f.commit, f.superseded_by) for f in fates] == [
        ("lost", None, "s1"),
        ("alive", done, None),
    ]
