"""Pilot tests of the redaction editor: navigate, decide, mark, undo, preview; the plan on disk follows."""

from __future__ import annotations

import sys
from pathlib import Path

from support.narrow import present
from textual.app import App
from textual.widgets import TextArea
from textual.widgets.text_area import Selection

from tracetui.redact import Identity, PlanStore, load_plan
from tracetui.ui.screens.redact_editor import RedactEditor, paginate
from tracetui.ui.widgets.redact_area import DisplayMap, RedactArea

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "fixtures" / "redact"))
import redact_samples as S  # noqa: E402


class EditorApp(App):
    def __init__(self, session, location):
        super().__init__()
        self.session, self.location = session, location

    def on_mount(self) -> None:
        self.push_screen(RedactEditor(self.session, self.location, Identity()))


async def _ready(app, pilot) -> RedactEditor:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, RedactEditor)
    return screen


def _disk(store: PlanStore, session_id: str):
    return {s.key: s.decision for s in present(store.load(session_id)).spans}


async def test_navigate_decide_mark_undo_preview(tmp_path):
    session = S.make_session()
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = EditorApp(session, store)
    async with app.run_test(size=(120, 36)) as pilot:
        editor = await _ready(app, pilot)
        assert editor.plan is not None and editor.items
        assert store.path(session.id).exists()  # the first scan is saved at once
        # It opens on the first finding waiting for a decision; N and p walk every finding.
        first = present(editor.current)
        assert first.pending and editor.index == min(i for i, s in enumerate(editor.items) if s.pending)
        editor._go(0)
        await pilot.press("N")
        assert editor.index == 1
        await pilot.press("p")
        assert editor.index == 0
        await pilot.press("p")  # wraps around to the last finding
        assert editor.index == len(editor.items) - 1

        # Walk to the email suggestion and accept it, then reject it.
        while present(editor.current).kind != "email":
            await pilot.press("n")
        email = present(editor.current)
        assert email.decision is None and (email.step, email.field) == ("u1", "text")
        area = app.screen.query_one(RedactArea)
        assert area.selected_text == S.EMAIL  # the finding is selected on screen
        await pilot.press("a")
        assert _disk(store, session.id)[email.key] == "accepted"
        await pilot.press("x")
        assert _disk(store, session.id)[email.key] == "rejected"

        # Select a word with the keyboard-equivalent selection API, mark it.
        text = present(session.step("u1")).text
        start = text.index("client")
        area.selection = Selection((0, start), (0, start + len("client")))
        await pilot.press("m")
        manual = [s for s in present(store.load(session.id)).spans if s.decision == "manual"]
        assert [(s.step, s.field, s.start, s.end) for s in manual] == [("u1", "text", start, start + 6)]

        # The preview shows the page as it will be sealed.
        await pilot.press("v")
        preview = app.screen.query_one("#redact-preview", TextArea)
        assert preview.display
        assert S.OPENAI not in preview.text and "<OPENAI_KEY_1>" in preview.text
        assert "client" not in preview.text and "<REDACTED_1>" in preview.text
        assert S.EMAIL in preview.text  # rejected: kept as it is

        # Undo takes the manual span away again, on disk too.
        await pilot.press("u")
        assert not [s for s in present(store.load(session.id)).spans if s.decision == "manual"]
        await pilot.press("u")
        assert _disk(store, session.id)[email.key] == "accepted"


async def test_accept_kind_and_everywhere(tmp_path):
    session = S.make_session()
    plan_file = tmp_path / "one.plan.json"
    app = EditorApp(session, plan_file)
    async with app.run_test(size=(120, 36)) as pilot:
        editor = await _ready(app, pilot)
        while present(editor.current).kind != "github-token":
            await pilot.press("N")
        await pilot.press("X")  # asks first; y rejects them
        await pilot.press("y")
        assert {s.decision for s in present(load_plan(plan_file)).spans if s.kind == "github-token"} == {"rejected"}
        await pilot.press("A")  # nothing undecided is left of that kind: the rejects stay
        await pilot.pause()
        assert {s.decision for s in present(load_plan(plan_file)).spans if s.kind == "github-token"} == {"rejected"}
        # "landed" appears once; mark it everywhere through a selection.
        while (present(editor.current).step, present(editor.current).field) != ("a1", "text"):
            await pilot.press("N")
        area = app.screen.query_one(RedactArea)
        text = present(session.step("a1")).text
        i = text.index("env file")
        area.selection = Selection((0, i), (0, i + len("env file")))
        await pilot.press("e")
        spans = [s for s in present(load_plan(plan_file)).spans if s.decision == "manual"]
        assert sorted((s.step, s.field) for s in spans) == [("a1", "text"), ("c1", "tool_input.description")]


async def test_control_characters_are_shown_and_offsets_stay_aligned(tmp_path):
    session = S.make_session()
    present(session.step("u1")).text = "\x1b]52;c;ZZZ\x07 then " + S.GITHUB
    app = EditorApp(session, tmp_path / "p.plan.json")
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        while present(editor.current).step != "u1":
            await pilot.press("N")
        area = app.screen.query_one(RedactArea)
        assert "\x1b" not in area.text and "␛" in area.text
        assert area.selected_text == S.GITHUB


def test_display_map_round_trips():
    m = DisplayMap("a\x1bb\tc\u202ed")
    assert m.text == "a␛b    c<U+202E>d"
    assert [m.to_display(i) for i in range(len(m.raw) + 1)] == [0, 1, 2, 3, 7, 8, 16, 17]
    assert m.to_raw(5) == 3 and m.to_raw(10) == 5


def test_paginate_bounds_lines_and_giant_lines():
    text = "\n".join(f"line {i}" for i in range(1000))
    starts = paginate(text, lines=400, chars=10_000)
    assert len(starts) == 3 and text[starts[1] :].startswith("line 400\n")
    assert paginate("x" * 25, lines=10, chars=10) == [0, 10, 20]


async def test_long_fields_are_paged_and_the_page_follows_the_finding(tmp_path):
    session = S.make_session()
    lines = [f"log line {i} nothing to see" for i in range(5000)]
    lines[4500] = f"deploy with {S.GITHUB} now"
    present(session.step("r1")).text = "\n".join(lines)
    app = EditorApp(session, tmp_path / "big.plan.json")
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        while present(editor.current).kind != "github-token" or present(editor.current).step != "r1":
            await pilot.press("N")
        area = app.screen.query_one(RedactArea)
        assert area.document.line_count <= 401  # a page (400 lines and the empty one after its newline)
        assert area.selected_text == S.GITHUB
        assert editor._page == 4500 // 400
        await pilot.press("]")
        assert editor._page == 4500 // 400 + 1 and S.GITHUB not in area.text


async def test_keyboard_selection_becomes_a_manual_span(tmp_path):
    session = S.make_session()
    plan_file = tmp_path / "kb.plan.json"
    app = EditorApp(session, plan_file)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        while (present(editor.current).step, present(editor.current).field) != ("u1", "text"):
            await pilot.press("N")
        area = app.screen.query_one(RedactArea)
        area.focus()
        area.move_cursor((0, 0))
        for _ in range(3):
            await pilot.press("shift+right")
        assert area.selected_text == "Use"
        await pilot.press("m")
        manual = [s for s in present(load_plan(plan_file)).spans if s.decision == "manual"]
        assert [(s.step, s.field, s.start, s.end) for s in manual] == [("u1", "text", 0, 3)]


class StepEditorApp(App):
    def __init__(self, session, location, step_id):
        super().__init__()
        self.session, self.location, self.step_id = session, location, step_id

    def on_mount(self) -> None:
        self.push_screen(RedactEditor(self.session, self.location, Identity(), step_id=self.step_id))


async def test_text_without_findings_can_be_opened_and_marked_by_hand(tmp_path):
    from tracetui.model import Session, Step

    steps = [
        Step(id="s0", index=0, kind="user", role="user", text="Rename the billing module."),
        Step(id="s1", index=1, kind="assistant", role="assistant", text="Done: the codename is bluefin."),
    ]
    session = Session(id="plain-1", agent="claude", source="x.jsonl", steps=steps)
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = StepEditorApp(session, store, "s1")
    async with app.run_test(size=(120, 36)) as pilot:
        editor = await _ready(app, pilot)
        assert editor.items == []  # nothing a detector would flag
        area = app.screen.query_one(RedactArea)
        assert editor._field == ("s1", "text") and "bluefin" in area.text  # opened on the given step
        await pilot.press("comma")
        assert editor._field == ("s0", "text")
        await pilot.press("full_stop")
        start = area.text.index("bluefin")
        area.selection = Selection((0, start), (0, start + len("bluefin")))
        await pilot.press("m")
        await pilot.pause()
    [span] = present(store.load(session.id)).spans
    assert (span.step, span.field, span.start, span.end, span.decision) == ("s1", "text", start, start + 7, "manual")


def _review_session():
    """Sure findings first, then suggestions: two e-mail values, one of them twice, the first deep in a
    long field so opening on it needs a scroll."""
    from tracetui.model import Session, Step

    lines = [f"build step {i} ok" for i in range(300)]
    lines[250] = "mail ann.lee@corp-mail.io about the release"
    steps = [
        Step(id="s0", index=0, kind="user", role="user", text=f"deploy with {S.GITHUB} please"),
        Step(id="s1", index=1, kind="tool_result", role="tool", text="\n".join(lines)),
        Step(id="s2", index=2, kind="assistant", role="assistant", text="I wrote to ann.lee@corp-mail.io and bo.ng@corp-mail.io."),
    ]
    return Session(id="review-1", agent="claude", source="x.jsonl", steps=steps)


async def test_opens_on_the_first_undecided_finding_in_view_and_highlighted(tmp_path):
    session = _review_session()
    app = EditorApp(session, tmp_path / "r.plan.json")
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        await pilot.pause()
        first_waiting = next(s for s in editor.items if s.pending)
        assert editor.current is first_waiting and (first_waiting.step, first_waiting.kind) == ("s1", "email")
        area = app.screen.query_one(RedactArea)
        assert area.selected_text == "ann.lee@corp-mail.io"
        row = area.selection.end[0]
        assert row == 250 and area.scroll_offset.y <= row < area.scroll_offset.y + area.scrollable_content_region.height
        assert any(p.state == "current" for p in area.painted)
        status = str(app.screen.query_one("#redact-status").render())
        assert "2 decisions left (3 findings waiting)" in status


async def test_n_walks_only_the_undecided_and_N_walks_everything(tmp_path):
    session = _review_session()
    app = EditorApp(session, tmp_path / "r.plan.json")
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        await pilot.press("x")  # ann's address is kept, in both places it appears
        plan = present(load_plan(tmp_path / "r.plan.json"))
        assert [s.decision for s in plan.spans if s.kind == "email" and "s2" == s.step][:1] == ["rejected"]
        seen = []
        for _ in range(3):
            await pilot.press("n")
            seen.append(present(editor.current))
        assert all(s.pending for s in seen) and {(s.step, s.start) for s in seen} == {(seen[0].step, seen[0].start)}
        assert seen[0].step == "s2" and present(session.step("s2")).text[seen[0].start:seen[0].end] == "bo.ng@corp-mail.io"
        await pilot.press("a")
        await pilot.press("n")  # nothing is left: it stays, and says so
        assert editor.current is seen[0] or present(editor.current).key == seen[0].key
        status = str(app.screen.query_one("#redact-status").render())
        assert "nothing left to decide" in status
        visited = set()
        for _ in range(len(editor.items)):
            await pilot.press("N")
            visited.add(present(editor.current).key)
        assert len(visited) == len(editor.items)  # N reaches the sure and the decided ones too


async def test_one_decision_covers_every_occurrence_of_the_value(tmp_path):
    session = _review_session()
    plan_file = tmp_path / "r.plan.json"
    app = EditorApp(session, plan_file)
    async with app.run_test(size=(100, 30)) as pilot:
        editor = await _ready(app, pilot)
        assert present(editor.plan).decisions_left() == 2
        await pilot.press("a")
        await pilot.pause()
    spans = [s for s in present(load_plan(plan_file)).spans if s.kind == "email"]
    ann = [s for s in spans if present(session.step(s.step)).text[s.start:s.end] == "ann.lee@corp-mail.io"]
    assert len(ann) == 2 and {s.decision for s in ann} == {"accepted"}
    assert [s.decision for s in spans if s not in ann] == [None]


async def test_bulk_accept_asks_with_the_count_and_leaves_a_rejected_finding_rejected(tmp_path):
    from tracetui.ui.screens.confirm import ConfirmScreen

    session = _review_session()
    plan_file = tmp_path / "r.plan.json"
    app = EditorApp(session, plan_file)
    async with app.run_test(size=(100, 30)) as pilot:
        await _ready(app, pilot)
        await pilot.press("x")  # reject ann (both places)
        await pilot.press("A")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Accept (scrub) 1 finding of kind email" in app.screen.question
        assert "2 you decided already stay" in app.screen.question
        await pilot.press("n")  # no: nothing changes
        await pilot.pause()
        assert isinstance(app.screen, RedactEditor)
        assert [s.decision for s in present(load_plan(plan_file)).spans if s.kind == "email"].count(None) == 1
        await pilot.press("A")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, RedactEditor)
    by_value: dict[str, set[str | None]] = {}
    for s in present(load_plan(plan_file)).spans:
        if s.kind == "email":
            by_value.setdefault(present(session.step(s.step)).text[s.start:s.end], set()).add(s.decision)
    assert by_value == {"ann.lee@corp-mail.io": {"rejected"}, "bo.ng@corp-mail.io": {"accepted"}}


async def test_one_line_labels_too_long_for_the_screen_end_in_an_ellipsis(tmp_path):
    # A one-line Static wraps by default: the second line is simply not drawn, so a title cut at 80
    # columns ended mid-word ("nothing left to") with no sign that more was said.
    from textual.geometry import Region
    from textual.widgets import Static

    session = S.make_session()
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = EditorApp(session, store)
    async with app.run_test(size=(50, 24)) as pilot:
        screen = await _ready(app, pilot)
        for name in ("#redact-title", "#redact-status"):
            label = screen.query_one(name, Static)
            width = label.outer_size.width
            drawn = "".join(s.text for s in label.render_lines(Region(0, 0, width, 1))).rstrip()
            assert drawn.endswith("…"), (name, drawn)


async def test_closing_the_editor_while_it_scans_leaves_the_app_running(tmp_path, monkeypatch):
    # The scan runs on in its thread after Escape: what it then reports (progress, the plan) must find
    # the editor gone and do nothing, not look for the editor's widgets and end the app.
    import time

    import tracetui.redact as redact

    real = redact.refresh_plan
    seen: dict[str, object] = {}

    def slow_scan(session, location, identity, progress=None):
        try:
            deadline = time.monotonic() + 60
            while "editor" not in seen and time.monotonic() < deadline:
                time.sleep(0.01)
            editor = seen["editor"]
            while editor.is_attached and time.monotonic() < deadline:  # type: ignore[attr-defined]
                time.sleep(0.01)
            seen["detached"] = not editor.is_attached  # type: ignore[attr-defined]
            if progress is not None:
                progress(1, 2)
            return real(session, location, identity)
        finally:
            seen["done"] = True  # however the scan ends (a report to a gone editor may stop it)

    monkeypatch.setattr(redact, "refresh_plan", slow_scan)
    session = S.make_session()
    app = EditorApp(session, PlanStore(tmp_path / "plans", tmp_path / "cache"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        seen["editor"] = app.screen
        assert isinstance(app.screen, RedactEditor)
        await pilot.press("escape")
        await app.workers.wait_for_complete()  # the worker is cancelled with its screen: its thread runs on
        deadline = time.monotonic() + 60
        while "done" not in seen and time.monotonic() < deadline:
            await pilot.pause(0.01)
        await pilot.pause()  # what the scan's end posted, handled
        assert seen.get("detached") is True
        assert app.is_running and not isinstance(app.screen, RedactEditor)


async def test_f1_in_the_read_only_editor_lists_no_editing_keys_and_scrolls(tmp_path):
    """The key help listed Delete, Cut, Paste, Undo and Redo of a text nobody can edit, and ran
    past the bottom of an 80x24 screen."""
    from tracetui.library import MemoryLibrary
    from tracetui.ui.app import TraceApp
    from tracetui.ui.widgets.key_help import KeyRows

    session = S.make_session()
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = TraceApp(MemoryLibrary([session]))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.push_screen(RedactEditor(session, store, Identity()))
        editor = await _ready(app, pilot)
        assert isinstance(app.focused, RedactArea)
        await pilot.press("f1")
        await pilot.pause(0.2)
        area = editor.query_one(RedactArea)
        offered = {b.action for node, b, _, _ in editor.active_bindings.values() if node is area}
        editing = {"delete_left", "delete_right", "cut", "paste", "undo", "redo", "delete_line",
                   "delete_to_end_of_line_or_delete_line", "delete_word_left"}  # fmt: skip
        assert not offered & editing
        assert {"cursor_down", "copy", "select_all"} <= offered  # reading and selecting stay
        shown = str(editor.query_one(KeyRows).render())
        assert "Paste" not in shown and "Delete character" not in shown and "Redo" not in shown
        assert "take back the last decision" in " ".join(shown.split())  # the editor's own undo stays
        panel = editor.query_one("#keys-help")
        assert panel.region.bottom <= 24 and panel.max_scroll_y > 0  # more keys than lines: it scrolls
        panel.scroll_end(animate=False)
        await pilot.pause(0.2)
        assert panel.scroll_y == panel.max_scroll_y
        # Keys still work while the help is open: the editor's own `a` decides.
        assert isinstance(app.focused, RedactArea)


async def test_R_scrubs_a_name_everywhere_and_every_later_review_finds_it(tmp_path):
    from tracetui.model import Session, Step
    from tracetui.redact import scan_text

    steps = [
        Step(id="s0", index=0, kind="user", role="user", text="Ask Tobiah Merriweather for the layout."),
        Step(id="s1", index=1, kind="assistant", role="assistant", text="Tobiah Merriweather's layout is used."),
    ]
    session = Session(id="names-1", agent="claude", source="x.jsonl", steps=steps)
    store = PlanStore(tmp_path / "plans", tmp_path / "cache")
    app = StepEditorApp(session, store, "s0")
    async with app.run_test(size=(120, 36)) as pilot:
        editor = await _ready(app, pilot)
        area = app.screen.query_one(RedactArea)
        start = area.text.index("Tobiah")
        area.selection = Selection((0, start), (0, start + len("Tobiah Merriweather")))
        await pilot.press("R")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert editor.plan is not None
    spans = {(s.step, s.kind) for s in present(store.load(session.id)).spans}
    assert spans == {("s0", "person-name"), ("s1", "person-name")}
    later = scan_text("a note for Tobiah Merriweather", Identity.from_environment())
    assert [f.kind for f in later] == ["person-name"]
