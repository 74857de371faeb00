"""Blame: every line of a file, a commit and a range attributed to the step that wrote it, or to a human.

The history the tests build (app.py), with real Claude and Codex logs of the two sessions:
- 09:00 a human writes `import os` / blank / `BASE = 1` (h0);
- 10:00 a Claude session (prompt A, with hostile bytes) adds `greet`; committed at 10:30 (c1);
- 11:00 a human rewrites greet's return line and adds `HUMAN_ONLY = True` (c2);
- 12:00 a Codex session (prompt B) appends `farewell`; committed at 12:30 (c3);
- other.py holds a line written by a session logged in a clone at another path (same folder name),
  and a line with the same text written by a session of another project (never its writer).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.blame_world import build, CLAUDE_SID, CODEX_SID, model_session, PROMPT_A, PROMPT_B, World
from support.trail_kit import Repo, iso, replace, session_of, write

from tracetui.blame import LineIndex, blame_commit, blame_file, blame_range
from tracetui.library import MemoryLibrary
from tracetui.model import FileEdit, Session, Step, StepKind


@pytest.fixture
def world(tmp_path) -> World:
    return build(tmp_path)


def _who(result) -> list[tuple[int, str, str | None, str | None, str]]:
    return [
        (x.line, x.kind, x.writer.session if x.writer else None, (x.commit or "")[:7], x.state)
        for x in result.lines
    ]


def test_every_line_of_a_file_is_attributed(world):
    result = blame_file(world.library(), str(world.repo.path / "app.py"), repo=world.repo.path)
    c = {k: v[:7] for k, v in world.c.items()}
    assert _who(result) == [
        (1, "human", None, c["h0"], "human"),
        (2, "human", None, c["h0"], "human"),  # a blank line of a commit no agent wrote
        (3, "human", None, c["h0"], "human"),
        (4, "agent", CLAUDE_SID, c["c1"], "transformed"),  # blank, goes with the line below it
        (5, "agent", CLAUDE_SID, c["c1"], "transformed"),  # survived; its patch's other line was rewritten
        (6, "human", None, c["c2"], "human"),  # the agent's line rewritten by a later human commit
        (7, "human", None, c["c2"], "human"),  # human-written
        (8, "agent", CODEX_SID, c["c3"], "alive"),
        (9, "agent", CODEX_SID, c["c3"], "alive"),
    ]
    greet = result.lines[4]
    assert greet.writer is not None
    assert (greet.writer.agent, greet.writer.prompt, greet.writer.index) == ("claude", PROMPT_A, 1)
    farewell = result.rows()[7]
    assert {"path", "line", "commit", "session", "step", "index", "agent", "state", "prompt"} <= set(farewell)
    assert (farewell["path"], farewell["agent"], farewell["prompt"], farewell["commit"]) == (
        "app.py", "codex", PROMPT_B, world.c["c3"],
    )  # fmt: skip
    assert farewell["open"] == f"tracetui show {CODEX_SID} --step {farewell['index']}"


def test_a_line_range_and_the_clone_elsewhere(world):
    lib = world.library()
    result = blame_file(lib, str(world.repo.path / "other.py"), repo=world.repo.path)
    # the session logged in another folder of this repository wrote it; the other project's did not
    assert [(x.line, x.kind, x.writer.session if x.writer else None) for x in result.lines] == [
        (1, "agent", "sess-elsewhere"),
        (2, "agent", "sess-elsewhere"),
    ]
    part = blame_file(lib, "app.py", repo=world.repo.path, lines=(8, 9), states=False)
    assert [(x.line, x.writer.session if x.writer else None) for x in part.lines] == [
        (8, CODEX_SID),
        (9, CODEX_SID),
    ]


def test_a_line_written_only_after_its_commit_is_not_the_agents(world):
    # The elsewhere session's clock says it wrote other.py's lines an hour after the commit that holds them.
    late = model_session("sess-late", "/home/someone/work/repo", iso(15), "/home/someone/work/repo/app.py",
                         "HUMAN_ONLY = True\n", "late")  # fmt: skip
    lib = MemoryLibrary([*world.sessions(), late])
    result = blame_file(lib, "app.py", repo=world.repo.path, ref=world.c["c2"], states=False)
    line7 = result.lines[6]
    assert (line7.kind, line7.state, line7.writer) == ("unknown", "unknown", None)
    assert line7.reason == "only patches written after its commit match"


def test_two_sessions_and_humans_in_one_commit_view(world):
    lib = world.library()
    c1 = blame_commit(lib, world.c["c1"], repo=world.repo.path)
    assert (c1.added, c1.explained, c1.unexplained) == (3, 3, [])
    assert [(s["session"], s["lines"], s["share"], s["prompts"]) for s in c1.sessions()] == [
        (CLAUDE_SID, 3, 1.0, [PROMPT_A])
    ]
    c2 = blame_commit(lib, world.c["c2"], repo=world.repo.path)
    assert (c2.added, c2.explained) == (2, 0)
    assert [u["text"] for u in c2.unexplained] == ["    return 'hi ' + name", "HUMAN_ONLY = True"]
    rng = blame_range(lib, f"{world.c['h0']}..{world.c['c4']}", repo=world.repo.path)
    doc = rng.to_dict()
    assert [c["commit"] for c in doc["commits"]] == [world.c[k] for k in ("c1", "c2", "c3", "c4")]
    assert [(c["message"].strip(), c["added"], c["explained"]) for c in doc["commits"]] == [
        ("greet", 3, 3), ("by hand", 2, 0), ("farewell", 2, 2), ("settings", 2, 2),
    ]  # fmt: skip
    assert doc["commits"][2]["sessions"][0]["prompts"] == [PROMPT_B]
    assert (doc["added"], doc["explained"]) == (9, 7)


def test_the_index_is_kept_in_the_cache_and_refreshed(world, tmp_path):
    lib = world.library()
    path = tmp_path / "cache" / "blame" / "lines.sqlite"
    with LineIndex(path) as index:
        first = index.refresh(lib)
        assert (first.sessions, first.read) == (4, 4)
        again = index.refresh(lib)
        assert (again.read, again.dropped) == (0, 0)  # nothing changed: nothing read
    smaller = MemoryLibrary(world.sessions()[:3])
    with LineIndex(path) as index:
        assert index.refresh(smaller).dropped == 1
        assert index.sessions() == 3
    # a damaged index is a cache: it is started again, and blame still answers
    path.write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    with LineIndex(path) as index:
        assert index.refresh(smaller).read == 3


def test_lines_a_formatter_split_or_joined_before_the_commit(tmp_path):
    repo = Repo(tmp_path / "repo")
    repo.write("f.py", "x = 1\n")
    repo.commit("start", iso(9))
    long_call = "    console.print(f'Tasks: {done}/{created} completed ({efficiency:.0%}) so far')\n"
    wrapped = "settings = make_settings(\n    alpha=1,\n    beta='two'\n)\n"
    session = model_session("sess-fmt", str(repo.path), iso(10), str(repo.path / "g.py"),
                            "def show():\n" + long_call + "\n" + wrapped, "format me")  # fmt: skip
    # the formatter split the long call and joined the wrapped one before the commit
    repo.write("g.py", "def show():\n    console.print(\n        f'Tasks: {done}/{created} completed ({efficiency:.0%}) so far'\n"
                       "    )\n\nsettings = make_settings(alpha=1, beta='two')\n")  # fmt: skip
    repo.commit("formatted", iso(10, 30))
    result = blame_file(MemoryLibrary([session]), "g.py", repo=repo.path, states=False)
    assert [(x.line, x.kind) for x in result.lines] == [
        (1, "agent"),
        (2, "agent"),
        (3, "agent"),
        (4, "agent"),
        (5, "agent"),
        (6, "agent"),
    ]
    assert {x.writer.session for x in result.lines if x.writer} == {"sess-fmt"}


def test_a_session_logged_in_a_clone_of_another_name(world):
    """The trail's mapping places a log written in /home/someone/src/checkout at this clone, which
    holds two of its files; a session of another project that wrote the same line into one file
    of the same name is not this repository's."""
    repo = world.repo
    repo.write("other.py", repo.read("other.py") + "CHECKOUT_SETTING = 'from the clone elsewhere'\n")
    repo.commit("checkout", iso(14, 30))
    root = "/home/someone/src/checkout"
    mine = model_session("sess-checkout", root, iso(14), f"{root}/other.py",
                         repo.read("other.py"), "from elsewhere")  # fmt: skip
    mine.steps.append(Step(id="sess-checkout-e2", index=2, kind=StepKind.TOOL_CALL, role="assistant", tool="Write",
                           tool_call_id="t2", timestamp=iso(14), parent="sess-checkout-u",
                           edits=[FileEdit(path=f"{root}/app.py", op="update", content=repo.read("app.py"))]))  # fmt: skip
    stranger = model_session("sess-other-project", "/home/x/thing", iso(14, 5), "/home/x/thing/other.py",
                             "CHECKOUT_SETTING = 'from the clone elsewhere'\n", "unrelated")  # fmt: skip
    lib = MemoryLibrary([*world.sessions(), mine, stranger])
    result = blame_file(lib, "other.py", repo=repo.path, lines=(3, 3))
    [line] = result.lines
    assert (line.kind, line.writer.session if line.writer else None) == ("agent", "sess-checkout")
    assert line.state == "alive"  # the trail judges the mapped session in this clone


def test_a_rename_a_revert_and_its_undoing(world):
    repo, c = world.repo, world.c
    repo.git("mv", "app.py", "main.py", when=iso(15))
    c["moved"] = repo.commit("rename", iso(15), "main.py")
    repo.git("revert", "--no-edit", c["c3"], when=iso(15, 30))  # the farewell goes
    lib = world.library()
    result = blame_file(lib, "main.py", repo=repo.path, states=False)
    assert [(x.line, x.kind, x.writer.session if x.writer else None) for x in result.lines] == [
        (1, "human", None), (2, "human", None), (3, "human", None),
        (4, "agent", CLAUDE_SID), (5, "agent", CLAUDE_SID),  # followed back through the rename
        (6, "human", None), (7, "human", None),
    ]  # fmt: skip
    assert result.lines[4].commit == c["c1"]
    reverted = blame_commit(lib, "HEAD", repo=repo.path)
    assert (reverted.added, reverted.steps) == (0, [])
    # the revert is undone: the lines come back in a new commit, and are still the Codex step's
    repo.git("revert", "--no-edit", "HEAD", when=iso(16))
    back = blame_file(lib, "main.py", repo=repo.path, lines=(8, 9), states=False)
    assert [(x.kind, x.writer.session if x.writer else None, x.commit) for x in back.lines] == [
        ("agent", CODEX_SID, repo.head()), ("agent", CODEX_SID, repo.head()),
    ]  # fmt: skip
    assert blame_commit(lib, "HEAD", repo=repo.path).sessions()[0]["prompts"] == [PROMPT_B]


def test_an_index_folder_that_cannot_be_made_falls_back_to_memory(world, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with LineIndex(blocker / "blame" / "lines.sqlite") as index:
        assert index.path is None
        assert index.refresh(world.library()).read == 4


def test_a_file_moved_to_another_folder_before_its_first_commit(world):
    repo = world.repo
    body = "def generate():\n    # made by the agent before the move\n    return 'made by the agent'\n"
    session = model_session(
        "sess-moved", str(repo.path), iso(14), str(repo.path / "gen.py"), body, "write gen"
    )
    repo.write("tools/gen.py", body)  # the file was moved into tools/ before anyone committed it
    repo.commit("tools", iso(14, 30))
    lib = MemoryLibrary([*world.sessions(), session])
    result = blame_file(lib, "tools/gen.py", repo=repo.path, states=False)
    assert [(x.kind, x.writer.session if x.writer else None) for x in result.lines] == [
        ("agent", "sess-moved")
    ] * 3
    assert blame_commit(lib, "HEAD", repo=repo.path).explained == 3
    # one line alone in a file of the same name elsewhere is no proof
    repo.write("docs/gen.py", "def generate():\n    pass\n")
    repo.commit("docs", iso(14, 45))
    lone = blame_file(lib, "docs/gen.py", repo=repo.path, states=False)
    assert [x.kind for x in lone.lines] == ["human", "human"]


def _rs_world(tmp_path: Path) -> tuple[Repo, Session, str]:
    repo = Repo(tmp_path / "repo")
    repo.write("m.rs", "// model\n")
    repo.commit("start", iso(9))
    model = (
        "// model\npub struct W {\n    #[serde(default)]\n    pub nodes: Vec<Node>,\n}\n\n"
        "impl W {\n    pub fn example() -> Self {\n        Self { nodes: vec![node()] }\n    }\n}\n"
    )
    session = model_session("sess-rs", str(repo.path), iso(10), str(repo.path / "m.rs"), model, "model it")
    repo.write("m.rs", model)
    return repo, session, repo.commit("the session's model", iso(10, 30))


def _kinds(session: Session, repo: Repo) -> dict[tuple[str, str | None], str]:
    return {(x.text.strip(), x.commit): x.kind
            for x in blame_file(MemoryLibrary([session]), "m.rs", repo=repo.path).lines}  # fmt: skip


def test_a_later_commit_s_new_copy_of_a_patch_s_line_is_its_own(tmp_path):
    """A real Rust file: the session wrote `#[serde(default)]` above its fields, its work was
    committed, and days later a human added a field with its own `#[serde(default)]` and copied a
    constructor. Those copies were blamed on the session: its text had reached git already."""
    repo, session, landed = _rs_world(tmp_path)
    repo.write("m.rs", repo.read("m.rs").replace(
        "    pub nodes: Vec<Node>,\n", "    pub nodes: Vec<Node>,\n    #[serde(default)]\n    pub created: u64,\n"
    ).replace("impl W {\n", "impl W {\n    pub fn empty() -> Self {\n        Self { nodes: vec![node()] }\n    }\n\n"))
    by_hand = repo.commit("created field, empty()", iso(12))
    kinds = _kinds(session, repo)
    assert kinds[("#[serde(default)]", landed)] == kinds[("Self { nodes: vec![node()] }", landed)] == "agent"
    assert kinds[("#[serde(default)]", by_hand)] == "human"
    assert kinds[("pub fn empty() -> Self {", by_hand)] == "human"
    assert kinds[("Self { nodes: vec![node()] }", by_hand)] == "human"


def test_a_later_commit_that_only_moves_a_patch_s_lines_leaves_them_the_patch_s(tmp_path):
    repo, session, landed = _rs_world(tmp_path)
    text = repo.read("m.rs")
    impl = text[text.index("impl W {"):]
    repo.write("m.rs", "// model\n" + impl + "\n" + text[len("// model\n"): text.index("impl W {")].rstrip("\n") + "\n")
    moved = repo.commit("impl first", iso(13))
    kinds = _kinds(session, repo)
    here = {t: k for (t, c), k in kinds.items() if c == moved and any(ch.isalnum() for ch in t)}
    assert here and set(here.values()) == {"agent"}, kinds


TARGET_RULE = (
    ".target::after {\n  content: \"\";\n  width: 18px;\n  border-radius: 50%;\n  background: var(--accent);\n"
    "  opacity: 0.9;\n  position: absolute;\n  z-index: 1;\n}\n"
)
ARROW_RULES = (
    "\n.arrow-line {\n  stroke: #6ec77c;\n  stroke-width: 1.8;\n  opacity: 0.9;\n}\n"
    "\n.arrow-layer {\n  content: \"\";\n  position: absolute;\n  inset: 0;\n}\n"
)


def test_a_generic_line_goes_to_the_patch_that_placed_it_not_to_a_later_twin(tmp_path):
    """rtchess (issue 34): a step wrote `opacity: 0.9;` in one CSS rule, a later step the same text
    in another rule, and a human then moved the first one two lines down. Every copy went to the
    later patch (the latest that matched); each goes to the patch whose hunk placed it there, and a
    generic line a third step put into a rule the first wrote stays the third step's. A copy in a
    rule a human wrote later, beside none of the patches' lines, is unknown, with the reason."""
    repo = Repo(tmp_path / "repo")
    first = write(repo, "styles.css", TARGET_RULE)
    arrows = replace(repo, "styles.css", "  z-index: 1;\n}\n", "  z-index: 1;\n}\n" + ARROW_RULES)
    landed = repo.commit("both rules", iso(10, 30))
    inserted = replace(repo, "styles.css", "  inset: 0;\n", "  inset: 0;\n  opacity: 0.9;\n")
    session = session_of(repo.path, [(iso(10), first), (iso(10, 10), arrows), (iso(11), inserted)])
    repo.commit("a third copy", iso(11, 30))
    text = repo.read("styles.css")
    repo.write("styles.css", text.replace("  opacity: 0.9;\n  position: absolute;\n  z-index: 1;\n",
                                          "  position: absolute;\n  z-index: 1;\n  opacity: 0.9;\n", 1))
    repo.commit("opacity two lines down", iso(12))
    repo.write("styles.css", repo.read("styles.css") + "\n.plain {\n  color: blue;\n  opacity: 0.9;\n}\n")
    repo.commit("a rule of the human's own", iso(13))
    lib = MemoryLibrary([session])

    def rule_writers(lines) -> list[tuple[str, str, str | None]]:
        rule, out = "", []
        for x in lines:
            rule = x.text.rstrip(" {") if x.text.endswith("{") else rule
            if x.text.strip() in ('content: "";', "opacity: 0.9;", "position: absolute;"):
                out.append((rule, x.text.strip(), x.writer.step if x.writer else None))
        return out

    lines = blame_file(lib, "styles.css", repo=repo.path, states=False).lines
    assert rule_writers(lines) == [
        (".target::after", 'content: "";', "s0"),
        (".target::after", "position: absolute;", "s0"),
        (".target::after", "opacity: 0.9;", "s0"),  # moved by the human: still s0's text
        (".arrow-line", "opacity: 0.9;", "s1"),
        (".arrow-layer", 'content: "";', "s1"),
        (".arrow-layer", "position: absolute;", "s1"),
        (".arrow-layer", "opacity: 0.9;", "s2"),
        (".plain", "opacity: 0.9;", None),  # no patch had it beside these lines, all before 12:00
    ]
    plain = lines[-2]
    assert (plain.text, plain.kind) == ("  opacity: 0.9;", "unknown")
    assert plain.reason is not None and "who wrote it here is not known" in plain.reason
    # The commit's view: its added lines, the file around them as their neighbours (the first
    # rule's closing brace, between the two writers, is unknown).
    commit = blame_commit(lib, landed, repo=repo.path)
    assert {c.step: c.lines for c in commit.steps} == {"s0": 8, "s1": 11}


def test_the_index_asks_sqlite_once_for_a_key_until_it_is_refreshed(world, tmp_path):
    """A file's blame asks for its lines' keys twice (the likeliest writer read ahead, then each line's
    writer): the second asks SQLite only for the keys not asked yet; a refresh forgets what it found."""
    from tracetui.blame.index import line_key

    lib = MemoryLibrary(world.sessions()[:1])
    texts = ("def greet(name):", "    return 'hello ' + name", "not written")
    keys = {k for k in map(line_key, texts) if k is not None}
    with LineIndex(tmp_path / "lines.sqlite") as index:
        index.refresh(lib)
        asked: list[str] = []
        index.conn.set_trace_callback(asked.append)
        first = index.lookup(keys)
        again = index.lookup(keys)
        assert again == first and len(first) == 2 and sum("SELECT" in q for q in asked) == 1
        again[next(iter(again))].clear()  # each list the caller's own
        assert index.lookup(keys) == first and sum("SELECT" in q for q in asked) == 1
        index.refresh(MemoryLibrary(world.sessions()))
        assert set(index.lookup(keys)) >= set(first) and sum("SELECT l.key" in q for q in asked) == 2


def test_a_files_lines_are_keyed_once(world, monkeypatch):
    """Each line's index key is made once, for the read-ahead, the line and its neighbours alike (three
    times a line was a tenth of a long file's attribution)."""
    import tracetui.blame.file_blame as file_blame
    import tracetui.blame.lines as lines

    keyed: list[str] = []

    def counted(line: str) -> int | None:
        keyed.append(line)
        return real(line)

    real = lines.line_key
    monkeypatch.setattr(lines, "line_key", counted)
    monkeypatch.setattr(file_blame, "line_key", counted, raising=False)
    result = blame_file(world.library(), str(world.repo.path / "app.py"), repo=world.repo.path)
    assert sorted(keyed) == sorted(x.text for x in result.lines)


def test_a_steps_open_command_is_quoted_once_for_all_its_lines(world, monkeypatch):
    import tracetui.blame.results as results

    quoted: list[tuple[str, ...]] = []
    real = results.command_line

    def counted(*words: str) -> str:
        quoted.append(words)
        return real(*words)

    monkeypatch.setattr(results, "command_line", counted)
    results._show_step.cache_clear()
    rows = blame_file(world.library(), str(world.repo.path / "app.py"), repo=world.repo.path).rows()
    steps = {(r["session"], r["index"]) for r in rows if r["session"]}
    assert len(quoted) == len(steps) < sum(1 for r in rows if r["session"])
    hints = {real("tracetui", "show", s, "--step", str(i)) for s, i in steps}
    assert {r["open"] for r in rows if r["session"]} == hints


def test_a_commits_and_a_ranges_blame_end_the_git_readers_they_started(world, monkeypatch):
    """The copies test's readers of file versions and diffs (`CopyCounts`) are closed, as a file's
    blame closes its own: a `git cat-file` of an app's commit blame would otherwise outlive it."""
    from tracetui.blame.copy_counts import CopyCounts

    closed: list[CopyCounts] = []
    real = CopyCounts.close

    def counted(self: CopyCounts) -> None:
        closed.append(self)
        real(self)

    monkeypatch.setattr(CopyCounts, "close", counted)
    lib = world.library()
    blame_commit(lib, world.c["c3"], repo=world.repo.path)
    assert len(closed) == 1
    blame_range(lib, f"{world.c['h0']}..{world.c['c4']}", repo=world.repo.path)
    assert len(closed) == 2
