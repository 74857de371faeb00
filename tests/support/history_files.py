"""Classes of history of one file: renames, deletions, line endings, formatters, moves, reverts and odd
content (tests/support/history_kit.py says what a case holds)."""

from __future__ import annotations

from support.history_kit import BLOCK, BODY, FUNC, Case, _add, _bytes, _start
from support.history_more import story
from support.trail_kit import Repo, iso, replace, session_of, write
from tracetui.model import FileEdit


def git_mv_clean(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("mv", "a.py", "b.py")
    repo.commit("rename", iso(11))
    return s.case(
        [("s0", "alive", "c1", "b.py")],
        [("b.py", "def added_by_agent():", "s0"), ("b.py", "line 1 of a.py", None)],
    )


def git_mv_with_changes(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("mv", "a.py", "b.py")
    repo.write("b.py", repo.read("b.py").replace("line 9 of a.py", "line nine, by hand"))
    repo.commit("rename and edit", iso(11))
    return s.case(
        [("s0", "alive", "c1", "b.py")],
        [
            ("b.py", "    return compute_the_answer(alpha, beta, gamma)", "s0"),
            ("b.py", "line nine, by hand", None),
        ],
    )


def git_mv_agent_line_edited(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("mv", "a.py", "b.py")
    repo.write("b.py", repo.read("b.py").replace("alpha, beta, gamma", "alpha, beta, gamma, delta"))
    repo.commit("rename and edit", iso(11))
    return s.case([("s0", "transformed", "c1", "b.py")], [("b.py", "def added_by_agent():", "s0")])


def git_mv_before_commit(tmp_path):
    """The agent's edit and the rename reach git in one commit."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.git("mv", "a.py", "b.py")
    c1 = repo.commit("agent and rename", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", "b.py")],
        [("b.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def git_mv_heavy_rewrite(tmp_path):
    """Renamed in a commit that rewrote most of the file: git pairs no rename, the agent's lines moved."""
    s = story(tmp_path, "a.py").agent("a.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("rm", "-q", "a.py")
    repo.write("b.py", "".join(f"rewritten {i}\n" for i in range(30)) + BLOCK)
    repo.commit("rewrite as b.py", iso(11))
    return s.case(
        [("s0", "alive", "c1", "b.py")],
        [("b.py", "def moved_helper(items):", "s0"), ("b.py", "rewritten 3", None)],
    )


def unicode_names_renamed(tmp_path):
    s = story(tmp_path, "caf\u00e9 \u00fc.py").agent("caf\u00e9 \u00fc.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("mv", "caf\u00e9 \u00fc.py", 'na\u00efve "q".py')
    repo.commit("rename", iso(11))
    return s.case(
        [("s0", "alive", "c1", 'na\u00efve "q".py')], [('na\u00efve "q".py', "def added_by_agent():", "s0")]
    )


def deleted_then_recreated(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("rm", "-q", "a.py")
    repo.commit("delete", iso(11))
    repo.write("a.py", "a new file by hand\n")
    repo.commit("recreate", iso(12))
    return s.case([("s0", "reverted", "c1", None)], [("a.py", "a new file by hand", None)])


def deleted_then_restored(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    kept = repo.read("a.py")
    repo.git("rm", "-q", "a.py")
    repo.commit("delete", iso(11))
    repo.write("a.py", kept)
    repo.commit("restore", iso(12))
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def crlf_to_lf(tmp_path):
    repo = Repo(tmp_path / "repo")
    _bytes(repo, "a.txt", BODY.format(name="a").replace("\n", "\r\n").encode())
    repo.commit("initial", iso(9))
    before = (repo.path / "a.txt").read_bytes().decode()
    after = before.replace("line 5 of a\r\n", "line 5 of a\r\n" + FUNC.replace("\n", "\r\n"))
    _bytes(repo, "a.txt", after.encode())
    e = FileEdit(
        path=str(repo.path / "a.txt"),
        op="update",
        old_string="line 5 of a\r\n",
        new_string="line 5 of a\r\n" + FUNC.replace("\n", "\r\n"),
        original=before,
    )
    c1 = repo.commit("agent", iso(10, 30))
    _bytes(repo, "a.txt", after.replace("\r\n", "\n").encode())
    repo.commit("to LF", iso(11))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.txt", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def lf_to_crlf(tmp_path):
    s = story(tmp_path, "a.txt").agent("a.txt").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    _bytes(repo, "a.txt", repo.read("a.txt").replace("\n", "\r\n").encode())
    repo.commit("to CRLF", iso(11))
    return s.case([("s0", "alive", "c1", None)], [("a.txt", "def added_by_agent():", "s0")])


def crlf_file_lf_log(tmp_path):
    """A CRLF file edited by a tool whose log shows its strings with LF endings."""
    repo = Repo(tmp_path / "repo")
    _bytes(repo, "a.txt", BODY.format(name="a").replace("\n", "\r\n").encode())
    repo.commit("initial", iso(9))
    before = (repo.path / "a.txt").read_bytes().decode()
    _bytes(
        repo,
        "a.txt",
        before.replace("line 5 of a\r\n", "line 5 of a\r\n" + FUNC.replace("\n", "\r\n")).encode(),
    )
    e = FileEdit(
        path=str(repo.path / "a.txt"),
        op="update",
        old_string="line 5 of a\n",
        new_string="line 5 of a\n" + FUNC,
        original=before.replace("\r\n", "\n"),
    )
    c1 = repo.commit("agent", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.txt", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def whitespace_reformat(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    c1 = repo.commit("agent", iso(10, 30))
    repo.write("a.py", repo.read("a.py").replace("    return", "\treturn").replace(", ", " ,  "))
    repo.commit("reformat", iso(11))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


LONG_CALL = (
    "    result = some_module.perform_the_operation(first_argument, second_argument, third_argument)\n"
)


def formatter_reflow(tmp_path):
    """A formatter split the agent's long call over lines and changed its quotes: beyond whitespace."""
    s = (
        story(tmp_path, "a.py")
        .agent("a.py", text="def run():\n" + LONG_CALL + "    log('done with the operation now')\n")
        .commit("c1", "agent", iso(10, 30))
    )
    repo = s.repo
    reflowed = (
        "    result = some_module.perform_the_operation(\n        first_argument, second_argument, "
        'third_argument\n    )\n    log("done with the operation now")\n'
    )
    repo.write(
        "a.py", repo.read("a.py").replace(LONG_CALL + "    log('done with the operation now')\n", reflowed)
    )
    repo.commit("black", iso(11))
    return s.case(
        [("s0", "transformed", "c1", None)],
        [
            ("a.py", "def run():", "s0"),
            ("a.py", "    result = some_module.perform_the_operation(", "s0"),
            ("a.py", "        first_argument, second_argument, third_argument", "s0"),
            ("a.py", '    log("done with the operation now")', None),
        ],
    )


def formatter_split_only(tmp_path):
    s = (
        story(tmp_path, "a.py")
        .agent("a.py", text="def run():\n" + LONG_CALL)
        .commit("c1", "agent", iso(10, 30))
    )
    repo = s.repo
    reflowed = (
        "    result = some_module.perform_the_operation(\n        first_argument, second_argument, "
        "third_argument)\n"
    )
    repo.write("a.py", repo.read("a.py").replace(LONG_CALL, reflowed))
    repo.commit("wrap", iso(11))
    return s.case(
        [("s0", "alive", "c1", None)],
        [
            ("a.py", "def run():", "s0"),
            ("a.py", "    result = some_module.perform_the_operation(", "s0"),
            ("a.py", "        first_argument, second_argument, third_argument)", "s0"),
        ],
    )


WRAPPED = (
    "    result = some_module.perform_the_operation(\n"
    "        first_argument, second_argument, third_argument\n"
    "    )\n"
)


def formatter_join_only(tmp_path):
    s = (
        story(tmp_path, "a.py")
        .agent("a.py", text="def run():\n" + WRAPPED)
        .commit("c1", "agent", iso(10, 30))
    )
    repo = s.repo
    repo.write("a.py", repo.read("a.py").replace(WRAPPED, LONG_CALL))
    repo.commit("join", iso(11))
    return s.case(
        [("s0", "alive", "c1", None)], [("a.py", "def run():", "s0"), ("a.py", LONG_CALL.rstrip("\n"), "s0")]
    )


def moved_to_other_file(tmp_path):
    s = story(tmp_path, "a.py", "b.py").agent("a.py", text=BLOCK).commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.write("a.py", repo.read("a.py").replace(BLOCK, ""))
    repo.write("b.py", repo.read("b.py") + BLOCK)
    repo.commit("move helper", iso(11))
    return s.case([("s0", "alive", "c1", "b.py")], [("b.py", "def moved_helper(items):", "s0")])


def git_revert(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("revert", "--no-edit", "HEAD", when=iso(11))
    return s.case([("s0", "reverted", "c1", None)], [("a.py", "line 5 of a.py", None)])


def revert_of_revert(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.git("revert", "--no-edit", "HEAD", when=iso(11))
    repo.git("revert", "--no-edit", "HEAD", when=iso(12))
    return s.case([("s0", "alive", "c1", None)], [("a.py", "def added_by_agent():", "s0")])


def reverted_by_hand(tmp_path):
    s = story(tmp_path, "a.py").agent("a.py").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    repo.write("a.py", BODY.format(name="a.py"))
    repo.commit("tidy", iso(11))
    return s.case([("s0", "reverted", "c1", None)], [])


def made_binary(tmp_path):
    s = story(tmp_path, "a.dat").agent("a.dat").commit("c1", "agent", iso(10, 30))
    repo = s.repo
    _bytes(repo, "a.dat", b"\x00\x01binary\x00" * 20)
    repo.commit("binary now", iso(11))
    return s.case([("s0", "reverted", "c1", None)], [])


LONG = "VALUES = [" + ", ".join(f"'value_number_{i}'" for i in range(2000)) + "]\n"


def very_long_line(tmp_path):
    repo = _start(tmp_path, "a.py", "b.py")
    e0 = _add(repo, "a.py", text=LONG)
    e1 = _add(repo, "b.py", text=LONG)
    c1 = repo.commit("agent", iso(10, 30))
    repo.write("b.py", repo.read("b.py").replace("'value_number_1000'", "'value_number_one_thousand'"))
    repo.commit("by hand", iso(11))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e0), (iso(10), e1)])],
        [("sess-1", "s0", "alive", "c1", None), ("sess-1", "s1", "transformed", "c1", None)],
        [("a.py", LONG.rstrip("\n"), ("sess-1", "s0"))],
        {"c1": c1},
    )


def non_utf8(tmp_path):
    repo = Repo(tmp_path / "repo")
    latin = "# caf\xe9 cr\xe8me\n" + BODY.format(name="a")
    _bytes(repo, "a.txt", latin.encode("latin-1"))
    repo.commit("initial", iso(9))
    # the agent read the file decoded with replacement characters, and wrote back its bytes as they were
    shown = latin.encode("latin-1").decode("utf-8", errors="replace")
    after = latin.replace("line 5 of a\n", "line 5 of a\n" + FUNC)
    _bytes(repo, "a.txt", after.encode("latin-1"))
    e = FileEdit(
        path=str(repo.path / "a.txt"),
        op="update",
        old_string="line 5 of a\n",
        new_string="line 5 of a\n" + FUNC,
        original=shown,
    )
    c1 = repo.commit("agent", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("a.txt", "def added_by_agent():", ("sess-1", "s0"))],
        {"c1": c1},
    )


def no_final_newline(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("a.py", "first = 1\nlast_line_without_newline = 2")
    repo.commit("initial", iso(9))
    e = replace(
        repo, "a.py", "last_line_without_newline = 2", "last_line_without_newline = 2\n" + FUNC.rstrip("\n")
    )
    c1 = repo.commit("agent", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [
            ("a.py", "    return compute_the_answer(alpha, beta, gamma)", ("sess-1", "s0")),
            ("a.py", "last_line_without_newline = 2", None),
        ],
        {"c1": c1},
    )


def emptied_file(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = write(repo, "a.py", "")
    e.path = str(repo.path / "a.py")
    c1 = repo.commit("agent empties", iso(10, 30))
    return Case(
        repo, [session_of(repo.path, [(iso(10), e)])], [("sess-1", "s0", "alive", "c1", None)], [], {"c1": c1}
    )


def created_empty(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = write(repo, "__init__.py", "")
    e.path = str(repo.path / "__init__.py")
    repo.commit("agent", iso(10, 30))
    return Case(repo, [session_of(repo.path, [(iso(10), e)])], [("sess-1", "s0", "unknown", None, None)], [])


def created_and_committed(tmp_path):
    repo = _start(tmp_path, "a.py")
    e = write(repo, "new.py", BLOCK)
    e.path = str(repo.path / "new.py")
    c1 = repo.commit("agent", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("new.py", "def moved_helper(items):", ("sess-1", "s0"))],
        {"c1": c1},
    )


def written_anew_after_an_edit(tmp_path):
    """The agent's return line was rewritten by hand before its commit; a month later a human wrote the
    same text into new code: that copy is the human's, not the patch's line carried on."""
    repo = _start(tmp_path, "a.py")
    e = _add(repo, "a.py")
    repo.write(
        "a.py",
        repo.read("a.py").replace("    return compute_the_answer(alpha, beta, gamma)", "    return 42"),
    )
    c1 = repo.commit("agent, edited", iso(10, 30))
    repo.write(
        "a.py", repo.read("a.py") + "\ndef later():\n    return compute_the_answer(alpha, beta, gamma)\n"
    )
    repo.commit("a month later", iso(23))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "transformed", "c1", None)],
        [("a.py", "def added_by_agent():", ("sess-1", "s0")), ("a.py", "def later():", None),
         ("a.py", "    return compute_the_answer(alpha, beta, gamma)", None)],
        {"c1": c1},
    )  # fmt: skip


def bare_lines_far_apart(tmp_path):
    """A file the agent wrote whose first and last lines are brackets four lines from its one line with a
    word: a bracket takes its writer from the nearest lines that carry something, however far."""
    repo = _start(tmp_path, "a.py")
    text = '[\n  [\n    [\n      [\n        {"name": "deep", "value": 1}\n      ]\n    ]\n  ]\n]\n'
    e = write(repo, "deep.json", text)
    e.path = str(repo.path / "deep.json")
    c1 = repo.commit("agent", iso(10, 30))
    return Case(
        repo,
        [session_of(repo.path, [(iso(10), e)])],
        [("sess-1", "s0", "alive", "c1", None)],
        [("deep.json", "[", ("sess-1", "s0")), ("deep.json", "]", ("sess-1", "s0"))],
        {"c1": c1},
    )


CLASSES = (
    "git_mv_clean",
    "git_mv_with_changes",
    "git_mv_agent_line_edited",
    "git_mv_before_commit",
    "git_mv_heavy_rewrite",
    "unicode_names_renamed",
    "deleted_then_recreated",
    "deleted_then_restored",
    "crlf_to_lf",
    "lf_to_crlf",
    "crlf_file_lf_log",
    "whitespace_reformat",
    "formatter_reflow",
    "formatter_split_only",
    "formatter_join_only",
    "moved_to_other_file",
    "git_revert",
    "revert_of_revert",
    "reverted_by_hand",
    "made_binary",
    "very_long_line",
    "non_utf8",
    "no_final_newline",
    "emptied_file",
    "created_empty",
    "created_and_committed",
    "written_anew_after_an_edit",
    "bare_lines_far_apart",
)
