"""What the trail pane makes of a session's fates: the final path first, abandoned branches apart."""

from __future__ import annotations

from support.narrow import present

from tracetui.library import RecordedTrail
from tracetui.model import Session, Step
from tracetui.ui import trail_view


class SealedTrail:
    """A library that, like an opened capsule, holds the trail rows as they were sealed."""

    read_only = True
    kind = "capsule"

    def __init__(self, fates):
        self.fates = fates

    def recorded_trail(self, session_id):
        return RecordedTrail(list(self.fates), "as sealed in the capsule")


def _session() -> Session:
    steps = [
        Step(id="a", index=0, kind="tool_call", role="assistant", tool="Edit"),
        Step(id="b", index=1, kind="tool_call", role="assistant", tool="Edit", active=False),
        Step(id="c", index=2, kind="tool_call", role="assistant", tool="Write"),
    ]
    return Session(id="s1", agent="claude", source="x.jsonl", steps=steps)


def test_patches_of_abandoned_branches_are_counted_and_listed_apart():
    fates = [
        {"step": "a", "path": "shop/cart.py", "state": "alive", "diff": ""},
        {"step": "b", "path": "shop/cart.py", "state": "lost", "diff": ""},
        {"step": "c", "path": "README.md", "state": "reverted", "diff": ""},
    ]
    # A partial Library: what the trail reads of a capsule.
    result = trail_view.compute(_session(), SealedTrail(fates), None, None)  # type: ignore[arg-type]
    # The header counts only the final path; the rewound edit is mentioned, not mixed in.
    assert result.counts == {"alive": 1, "reverted": 1}
    assert result.abandoned == 1
    assert result.header[:2] == ["2 patches: 1 reverted 1 alive", "1 more on abandoned branches, listed last"]
    kept = [r for r in result.rows if not r.abandoned]
    rewound = [r for r in result.rows if r.abandoned]
    assert [r.step_index for r in kept] == [0, 2]
    assert [(r.step_index, r.state) for r in rewound] == [(1, "lost")]
    assert result.rows == kept + rewound  # the abandoned ones listed last
    # The timeline still gets the abandoned step's badge, for when branches are shown.
    assert result.states == {"a": "alive", "b": "lost", "c": "reverted"}


def test_a_session_without_rewinds_has_no_abandoned_block():
    fates = [{"step": "a", "path": "shop/cart.py", "state": "alive", "diff": ""}]
    # A partial Library: what the trail reads of a capsule.
    result = trail_view.compute(_session(), SealedTrail(fates), None, None)  # type: ignore[arg-type]
    assert result.abandoned == 0
    assert [r.abandoned for r in result.rows] == [False]


async def test_the_trail_pane_walks_the_patches_and_enter_goes_to_the_step(demo):
    from textual.widgets import TabbedContent

    from tracetui.ui.app import TraceApp
    from tracetui.ui.widgets.timeline import Timeline
    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    from pilot_steps import open_claude, settle

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(160, 45)) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("t")
        await settle(app, pilot, 1)
        trail = screen.query_one(TrailList)
        await pilot.press("3")  # the pane of the open tab
        await settle(app, pilot)
        assert app.focused is trail
        first = trail.lines[trail.cursor]
        assert isinstance(first, PatchRow)  # the cursor starts on the first patch, not the header
        await pilot.press("j")
        second = trail.lines[trail.cursor]
        assert isinstance(second, PatchRow) and second.step_index != first.step_index
        await pilot.press("enter")
        await settle(app, pilot)
        timeline = screen.query_one(Timeline)
        assert app.focused is timeline and timeline.step_index() == second.step_index
        assert screen.query_one(TabbedContent).active == "diff"


async def test_the_trail_pane_wraps_its_header_and_keeps_each_patch_s_file_name_in_view():
    # At 80 columns the sentence saying how to pass --repo ran off the pane, and a long path lost
    # its file name: the header wraps, a path too long for its row keeps its end.
    from rich.cells import cell_len
    from textual.app import App, ComposeResult

    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    header = ["16 patches: 16 unknown",
              "repository not found for /Users/someone/worktrees/dashboard: states are unknown; to judge them in a "
              "clone of its repository: tracetui trail 0123abcd --repo PATH"]  # fmt: skip
    rows = [PatchRow("a", 65, "docs/adr/0021-swoosh-is-the-email-transport-for-every-message.md", "unknown", None,
                     "0 kept, 0 changed, 0 dropped", False),
            PatchRow("b", 67, "CONTEXT.md", "unknown", None, "", False)]  # fmt: skip

    class One(App):
        def compose(self) -> ComposeResult:
            yield TrailList()

    app = One()
    async with app.run_test(size=(60, 20)) as pilot:
        trail = app.query_one(TrailList)
        trail.show(header, rows)
        await pilot.pause()
        width = trail.scrollable_content_region.width
        drawn = ["".join(text for text, _ in trail.render_row(i, width, False)) for i in range(trail.count)]
        assert all(cell_len(line) <= width for line in drawn)
        said = " ".join(line.strip() for line in drawn[: trail.lines.index(rows[0]) - 2])
        assert "tracetui trail 0123abcd --repo PATH" in said
        assert any("…" in line and "-every-message.md" in line for line in drawn)
        assert trail.lines[trail.cursor] is rows[0]
        # Wider: the header is wrapped again, the cursor stays on its patch.
        trail.cursor = trail.lines.index(rows[1])
        await pilot.resize_terminal(120, 20)
        await pilot.pause()
        assert len([line for line in trail.lines if isinstance(line, str)]) < len(drawn) - 2
        assert trail.lines[trail.cursor] is rows[1]


async def test_a_narrow_trail_pane_gives_the_path_the_room_of_the_commit_column():
    """At 120 columns the pane is 43 wide, and a row spent 36 of them on `step   148  alive ...
    044184aa  `: package.json read `….json`. Where the paths do not fit, the word "step" goes first,
    then the commit; where they fit, the rows are as before. One choice for the whole pane: chosen
    row by row, the states of rows with short and long paths no longer stood in one column."""
    from textual.app import App, ComposeResult

    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    rows = [PatchRow("a", 148, "ui/tsconfig.node.json", "transformed", "044184aacc66", "19 kept", False),
            PatchRow("b", 149, "a.py", "alive", "044184aacc66", "", False),
            # A short path with evidence: the commit goes rather than the path being cut to `…js`.
            PatchRow("c", 27, "app.js", "reverted", "dc0d1f0d", "0 kept, 0 changed, 3 dropped",
                     False)]  # fmt: skip

    class One(App):
        def compose(self) -> ComposeResult:
            yield TrailList()

    for size, shown in (((45, 10), ["148 transformed  ui/tsconfig.node.json  (…", "149 alive        a.py",
                                    "27 reverted     app.js  (0 kept, 0 chang…"]),
                        # The commit outlasts the word "step" (issue 40: at 120 columns it went).
                        ((55, 10), ["148 transformed  044184aa  ui/tsconfig.node.json  (…",
                                    "149 alive        044184aa  a.py",
                                    "27 reverted     dc0d1f0d  app.js  (0 kept, 0 chang…"]),
                        ((100, 10), ["step   148  transformed  044184aa  ui/tsconfig.node.json  (19 kept)",
                                     "step   149  alive        044184aa  a.py",
                                     "step    27  reverted     dc0d1f0d  app.js  "
                                     "(0 kept, 0 changed, 3 dropped)"])):  # fmt: skip
        app = One()
        async with app.run_test(size=size) as pilot:
            trail = app.query_one(TrailList)
            trail.show(["2 patches"], rows)
            await pilot.pause()
            width = trail.scrollable_content_region.width
            drawn = ["".join(t for t, _ in trail.render_row(trail.lines.index(r), width, False))
                     for r in rows]
            assert len({d.index(present(r.state)) for d, r in zip(drawn, rows)}) == 1, drawn  # one column of states
            drawn = [d.strip() for d in drawn]
            assert [d[: len(s)] for d, s in zip(drawn, shown, strict=True)] == shown, drawn


async def test_a_trail_without_any_commit_has_no_commit_column():
    """Without a repository every state is unknown and no patch has a commit: the column stood empty
    (10 cells of a gemini session's rows at 80 columns) while paths were cut."""
    from textual.app import App, ComposeResult

    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    rows = [PatchRow("a", 44, "src/main/resources/application.properties", "unknown", None, "0 kept", False)]

    class One(App):
        def compose(self) -> ComposeResult:
            yield TrailList()

    app = One()
    async with app.run_test(size=(80, 10)) as pilot:
        trail = app.query_one(TrailList)
        trail.show(["1 patch"], rows)
        await pilot.pause()
        width = trail.scrollable_content_region.width
        drawn = "".join(t for t, _ in trail.render_row(trail.lines.index(rows[0]), width, False)).rstrip()
        assert drawn == " step    44  unknown      src/main/resources/application.properties  (0 kept)"


async def test_at_120_columns_the_trail_keeps_its_commits_and_the_diff_its_code_lines(demo):
    """Issue 40: at 120 columns the Trail pane dropped its commit column and the Diff pane wrapped code."""
    from rich.cells import cell_len

    from tracetui.ui.app import TraceApp
    from tracetui.ui.widgets.text_view import TextView
    from tracetui.ui.widgets.timeline import Timeline
    from tracetui.ui.widgets.trail_list import TrailList
    from tracetui.views.trail import PatchRow

    from pilot_steps import open_claude, settle

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_claude(app, pilot)
        await pilot.press("t")
        await settle(app, pilot)
        trail = screen.query_one(TrailList)
        width = trail.scrollable_content_region.width
        rows = [(i, line) for i, line in enumerate(trail.lines) if isinstance(line, PatchRow) and line.commit]
        assert rows
        for i, row in rows:
            drawn = "".join(t for t, _ in trail.render_row(i, width, False))
            assert present(row.commit)[:8] in drawn and row.path in drawn, drawn
        timeline = screen.query_one(Timeline)
        assert timeline.region.width >= 50  # the steps keep a readable pane beside it
        await pilot.press("3", "enter")  # a patch's step, in the Diff tab
        await settle(app, pilot)
        diff = screen.query_one("#diff-view", TextView)
        room = diff.scrollable_content_region.width
        lines = diff.plain_lines()
        code = [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]
        assert code and all(cell_len(line) <= max(room, diff.virtual_size.width) for line in lines)
        source = "\n".join(diff.document.plain(i) for i in range(diff.document.count))
        assert all(line in source.split("\n") for line in code)  # each drawn code row is a whole line
