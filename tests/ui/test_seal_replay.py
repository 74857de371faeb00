"""Sealing from the app (marks, the seal dialog, refusals) and replaying an opened capsule."""

from __future__ import annotations

import subprocess
from pathlib import Path

import orjson
import pytest
from pilot_steps import open_claude, settle
from shared_data import processes_with
from support.narrow import on_screen, present
from textual.widgets import Checkbox, Input

from tracetui.capsule import open_capsule, verify
from tracetui.demo.build import build, open_library
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.confirm import ConfirmScreen
from tracetui.ui.screens.replay import ReplayScreen
from tracetui.ui.screens.seal import SealScreen
from tracetui.ui.widgets.text_view import TextView
from tracetui.ui.widgets.timeline import Timeline
from support.sandboxed import requires_sandbox

SIZE = (160, 48)


def _to_step(timeline: Timeline, index: int) -> None:
    timeline.reveal_step(index)
    assert timeline.step_index() == index


async def mark(pilot, timeline: Timeline, a: int, b: int) -> None:
    _to_step(timeline, a)
    await pilot.press("m")
    _to_step(timeline, b)
    await pilot.press("m")
    await pilot.pause()


def _demo_with_email(root: Path):
    """The demo, with an email address in the Claude session's first prompt (so its title too): two
    pending suggestions."""
    demo = build(root)
    log = next(p for p in (root / "logs" / "claude").rglob("*.jsonl") if "subagents" not in p.parts)
    records = [orjson.loads(line) for line in log.read_bytes().splitlines()]
    first = next(r for r in records if r.get("type") == "user")
    first["message"]["content"] += " Send the report to dana.reyes@shopmail.io when done."
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    return demo, open_library(demo)


# -- marks ------------------------------------------------------------------------------------


async def test_two_marks_make_the_range_in_the_gutter_and_title(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        assert timeline.seal_steps() is None and timeline.border_title is None
        await mark(pilot, timeline, 5, 2)
        assert timeline.seal_steps() == (2, 5)
        assert timeline.border_title == "steps 2–5"
        gutters = {timeline.rows[r]: timeline.render_line(r).text[0] for r in range(6)}
        assert gutters[2] == "◆" and gutters[5] == "◆"
        assert gutters[3] == "┃" and gutters[4] == "┃"
        assert gutters[0] == " " and gutters[1] == " "
        # A mark pressed again (the cursor is on step 2) goes away: one mark runs to the session's end.
        await pilot.press("m")
        last = present(screen.opened).session.steps[-1].index
        assert timeline.seal_steps() == (5, last)
        assert timeline.border_title == f"steps 5–{last} (mark the end with m)"
        # With two marks (5 and 7), a third starts a new range.
        await mark(pilot, timeline, 7, 1)
        assert timeline.marks == [1] and timeline.seal_steps() == (1, last)
        _to_step(timeline, 8)
        await pilot.press("m")
        assert timeline.seal_steps() == (1, 8)


# -- sealing ----------------------------------------------------------------------------------


async def test_seal_the_marked_range_with_accept(tmp_path):
    demo, library = _demo_with_email(tmp_path / "demo")
    app = TraceApp(library)
    out = tmp_path / "episode.capsule"
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_claude(app, pilot)
        timeline = screen.query_one(Timeline)
        await mark(pilot, timeline, 0, 9)
        await pilot.press("s")
        await settle(app, pilot)
        seal = app.screen
        assert isinstance(seal, SealScreen)
        assert seal.steps == (0, 9)
        default = seal.query_one("#seal-out", Input).value
        assert default.endswith("/7d3c1a52-0-9.capsule")
        assert seal.state is not None and len(seal.state.undecided) == 2
        plan_text = str(seal.query_one("#seal-plan").render())
        assert "2 suggestions undecided" in plan_text
        seal.query_one("#seal-out", Input).value = str(tmp_path / "no-such-folder" / "x.capsule")
        await pilot.pause()
        assert str(seal.query_one("#seal-out-note").render()) == "its folder does not exist"
        seal.query_one("#seal-out", Input).value = str(out)
        await pilot.pause()
        assert str(seal.query_one("#seal-out-note").render()) == ""
        seal.query_one("#seal-accept", Checkbox).value = True
        await pilot.pause()
        assert "will be scrubbed too (accepted)" in str(seal.query_one("#seal-plan").render())
        await pilot.click("#seal-go")
        await settle(app, pilot)
        assert seal.result is not None, str(seal.query_one("#seal-result").render())
        shown = str(seal.query_one("#seal-result").render())
        assert seal.result.capsule_id in shown and str(out) in shown
        assert any(seal.result.capsule_id[:16] in n.message for n in app._notifications)
        assert str(seal.query_one("#seal-out-note").render()) == "that file exists: sealing replaces it"
    report = verify(out)
    assert report.ok
    assert (report.steps["first"], report.steps["last"]) == (0, 9)
    capsule = open_capsule(out)
    assert capsule.manifest["steps"]["first"] == 0 and capsule.manifest["steps"]["last"] == 9
    assert b"shopmail" not in out.read_bytes()


async def test_seal_refuses_with_an_undecided_suggestion_and_shows_no_value(tmp_path):
    demo, library = _demo_with_email(tmp_path / "demo")
    app = TraceApp(library)
    out = tmp_path / "refused.capsule"
    async with app.run_test(size=SIZE) as pilot:
        await open_claude(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        seal = app.screen
        assert isinstance(seal, SealScreen)
        assert seal.steps is None  # no marks: the whole session
        seal.query_one("#seal-out", Input).value = str(out)
        await pilot.click("#seal-go")
        await settle(app, pilot)
        assert seal.result is None
        assert [(f["kind"], f["tier"]) for f in seal.refused] == [("email", "suggested")] * 2
        shown = str(seal.query_one("#seal-result").render())
        assert "2 suggested findings need a decision" in shown
        assert "  session title: email (suggested)" in shown
        assert "  step 0 text: email (suggested)" in shown
        # How to decide them, here too (the same commands the CLI prints).
        assert f"decide email: `tracetui scan {seal.session.id} --accept email` (scrub)" in shown
        assert "dana" not in shown and "shopmail" not in shown
    assert not out.exists()


async def test_seal_is_refused_for_a_read_only_capsule(sealed_demo):
    _, path = sealed_demo
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, SealScreen)
        assert any("cannot be sealed again" in n.message for n in app._notifications)


async def test_replay_key_is_only_for_a_capsule(demo):
    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, ReplayScreen)


# -- replay -----------------------------------------------------------------------------------


def _clone(demo, tmp_path: Path) -> Path:
    # A checkout of our own: the replay must work on any clone that has the base commit.
    clone = tmp_path / "checkout"
    subprocess.run(["git", "clone", "-q", str(demo.repo), str(clone)], check=True)
    return clone


async def _replay_on(app, pilot, checkout: Path) -> ReplayScreen:
    """Open the replay screen (`y`) with `checkout` as the repository to replay on."""
    await settle(app, pilot)
    await pilot.press("y")
    await pilot.pause()
    replay = app.screen
    assert isinstance(replay, ReplayScreen)
    replay.query_one("#replay-repo", Input).value = str(checkout)
    return replay


def _worktrees(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "worktree", "list", "--porcelain"], capture_output=True,
                         text=True, check=True).stdout
    return [line.split(" ", 1)[1] for line in out.splitlines() if line.startswith("worktree ")]


@requires_sandbox
async def test_replay_steps_through_the_patches_and_runs_my_check(sealed_demo, tmp_path):
    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    capsule = open_capsule(path)
    app = TraceApp(capsule)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, clone)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        assert replay.run is not None
        worktree = replay.run.worktree
        assert worktree is not None and worktree.is_dir()
        assert replay.run.commit == capsule.base
        total = len(replay.run.steps)
        assert total >= 2
        await pilot.press("n")
        await settle(app, pilot)
        assert len(replay.applied_steps) == 1
        diff = "\n".join(replay.query_one(TextView).plain_lines())
        assert f"(1 of {total})" in diff and "· applied" in diff
        assert "+def apply_discount(amount, percent):" in diff
        assert app.focused is replay.query_one("#replay-next")  # keys keep working after a step
        await pilot.press("A")
        await settle(app, pilot)
        assert len(replay.applied_steps) == total
        assert replay.run.failed == 0 and replay.run.applied == len(capsule.fates)
        status = str(replay.query_one("#replay-status").render())
        assert f"{total} of {total} steps applied" in status and "every step is applied" in status
        # My own check, in the worktree: the file the session created exists there.
        check = "test -f shop/cart.py && grep -c apply_discount shop/cart.py"
        replay.query_one("#replay-check", Input).value = check
        await pilot.click("#replay-run")
        await settle(app, pilot)
        verdict = str(replay.query_one("#replay-verdict").render())
        assert verdict.startswith(f"check passes (exit 0) after {total} of {total} steps")
        assert replay.check.exit_code == 0
        replay.query_one("#replay-check", Input).value = "test -f no-such-file"
        await pilot.click("#replay-run")
        await settle(app, pilot)
        assert str(replay.query_one("#replay-verdict").render()).startswith("check fails (exit 1)")
        # The replay is a clone of its own: nothing is registered in (or shared with) my repository.
        assert _worktrees(clone) == [str(clone)]
        assert (worktree / ".git").is_dir()
        # Leaving would discard the applied steps: Escape asks, and the question waits for the
        # answer (a status line asking for a second Escape expired in seconds).
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen) and app.screen_stack[-2] is replay
        assert "discard the" in str(app.screen.query_one("#confirm-question").render())
        await pilot.pause(4.5)  # longer than the old guard lived: still asked
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # no: the replay and its clone stay
        await pilot.pause()
        assert app.screen is replay and replay.run is not None and worktree.is_dir()
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (ReplayScreen, ConfirmScreen))
        assert replay.run is None
        assert not worktree.exists()
        assert str(worktree) not in _worktrees(clone)


async def test_leaving_the_app_removes_the_replay_worktree(sealed_demo, tmp_path):
    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        await _replay_on(app, pilot, clone)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        worktree = on_screen(app, ReplayScreen).run.worktree
        assert worktree.is_dir()
    assert not worktree.exists()
    assert _worktrees(clone) == [str(clone)]


async def test_replay_says_when_the_base_commit_is_missing(sealed_demo, tmp_path):
    _, path = sealed_demo
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(["git", "-C", str(other), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "commit", "-q", "--allow-empty", "-m", "x"], check=True)
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, other)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        assert replay.run is None
        assert "is not in" in str(replay.query_one("#replay-status").render())
        assert not replay.query_one("#replay-start").disabled


async def test_decisions_made_in_the_redaction_editor_unblock_the_seal(tmp_path):
    from tracetui.ui.screens.redact_editor import RedactEditor

    demo, library = _demo_with_email(tmp_path / "demo")
    app = TraceApp(library)
    out = tmp_path / "reviewed.capsule"
    async with app.run_test(size=SIZE) as pilot:
        await open_claude(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        seal = on_screen(app, SealScreen)
        assert len(present(seal.state).undecided) == 2
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        on_screen(app, RedactEditor)
        await pilot.press("A")  # scrub every email: it asks first, with the count
        await settle(app, pilot)
        assert "2 findings of kind email" in on_screen(app, ConfirmScreen).question
        await pilot.press("y")
        await settle(app, pilot, 1)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is seal
        assert seal.state is not None and seal.state.undecided == [] and seal.state.sure == 2
        assert "2 sure findings will be scrubbed" in str(seal.query_one("#seal-plan").render())
        seal.query_one("#seal-out", Input).value = str(out)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert seal.result is not None
        assert seal.result.manifest["redaction"]["accept_suggested"] is False
    assert verify(out).ok
    assert b"shopmail" not in out.read_bytes()


async def test_palette_offers_mark_seal_and_replay_only_for_a_capsule(demo, sealed_demo):
    from tracetui.ui.commands import ActionCommands

    def names(app) -> list[str]:
        return [name for name, _, _ in ActionCommands(app.screen)._commands()]

    _, library = demo
    app = TraceApp(library)
    async with app.run_test(size=SIZE):
        listed = names(app)
    assert {"Mark step", "Clear step marks", "Seal…"} <= set(listed) and "Replay…" not in listed
    app = TraceApp(open_capsule(sealed_demo[1]))
    async with app.run_test(size=SIZE):
        assert "Replay…" in names(app)


@requires_sandbox
async def test_closing_during_a_long_check_stops_it(sealed_demo, tmp_path):
    import time

    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    app = TraceApp(open_capsule(path))
    marker = "61.2345"  # an argument no other process has, to find the check's sleep among them all
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, clone)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        worktree = replay.run.worktree
        # The check may write only inside its clone (it may run sandboxed): it says there it started.
        replay.query_one("#replay-check", Input).value = f"touch started; sleep {marker}"
        await pilot.click("#replay-run")
        # Up to 20 s for the sandbox to start the check: 5 s was once too short with both cores busy.
        for _ in range(200):
            await pilot.pause(0.1)
            if (worktree / "started").exists():
                break
        assert processes_with(marker), "the check did not start"
        started = time.monotonic()
        replay.action_close()
        await app.workers.wait_for_complete()
        assert time.monotonic() - started < 10
        assert not worktree.exists()
    for _ in range(20):
        if not processes_with(marker):
            break
        time.sleep(0.1)
    assert not processes_with(marker)



@requires_sandbox
async def test_verdict_judges_at_the_base_and_at_the_ref_like_the_cli(sealed_demo, tmp_path):
    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    capsule = open_capsule(path)
    # A later commit on top of the base that "fixes" the check (it adds the marker the check wants)
    # without touching the files the session patched, so every patch still applies there.
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "checkout", "-q", "-b", "fix", present(capsule.base)], check=True)
    (clone / "FIXED").write_text("yes\n")
    subprocess.run([*git, "add", "FIXED"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "fix"], check=True)
    app = TraceApp(capsule)
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, clone)
        replay.query_one("#replay-check", Input).value = "test -f FIXED && grep -q apply_discount shop/cart.py"
        replay.query_one("#replay-ref", Input).value = "fix"
        await pilot.click("#replay-judge")
        await settle(app, pilot)
        for _ in range(100):  # two worktrees and two checks: give the worker time
            if replay.verdict is not None:
                break
            await pilot.pause(0.1)
        assert replay.verdict.verdict == "fixed"
        text = str(replay.query_one("#replay-verdict").render())
        assert text.startswith("verdict: fixed · the check fails at the base commit but passes at fix")
        assert f"at base {present(capsule.base)[:12]}: check fails (exit 1)" in text
        assert "at ref " in text and "check passes (exit 0)" in text
        # The same check at the base itself: the failure reproduces.
        replay.query_one("#replay-ref", Input).value = present(capsule.base)
        replay.verdict = None
        await pilot.click("#replay-judge")
        for _ in range(100):
            if replay.verdict is not None:
                break
            await pilot.pause(0.1)
        assert present(replay.verdict).verdict == "reproduces"
        assert "-error" in replay.query_one("#replay-verdict").classes
    # Every worktree the verdicts made is gone.
    assert _worktrees(clone) == [str(clone)]


@requires_sandbox
async def test_the_replay_screen_behaves_as_a_form(sealed_demo, tmp_path):
    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        replay = app.screen
        assert isinstance(replay, ReplayScreen)
        repo = replay.query_one("#replay-repo", Input)
        assert app.focused is repo  # where the user types first
        repo.value = str(clone)
        await pilot.press("enter")  # Enter starts, as the Start button does
        await settle(app, pilot)
        assert replay.run is not None
        await pilot.press("n")
        await settle(app, pilot)
        assert app.focused is replay.query_one("#replay-next")
        # Typing a command while a button has focus neither closes the screen nor quits the app.
        await pilot.press("q")
        await pilot.pause()
        assert app.screen is replay and app.is_running
        check = replay.query_one("#replay-check", Input)
        await pilot.click("#replay-check")
        await pilot.pause()
        assert app.focused is check, app.focused
        for key in "test -d shop":
            await pilot.press("space" if key == " " else key)
        assert check.value == "test -d shop"
        assert app.screen is replay  # no single-key binding fired while typing
        await pilot.press("enter")  # Enter in the check field runs it
        await settle(app, pilot)
        assert replay.check is not None and replay.check.exit_code == 0
        await pilot.press("escape", "y")  # leaving discards the applied step: asked, and yes
        await pilot.pause()
        assert not isinstance(app.screen, (ReplayScreen, ConfirmScreen))


# What the trust box says, by what holds the check: its own namespaces, or the fence and a Landlock domain
# of each ABI (faked: the words follow the ABI the runner is then held to, `reaper._landlocked`).
TRUST_WORDS = [
    (True, 7, "in a process namespace of its own"),
    (False, 7, "unable to signal or trace any program outside it, write to cgroups and /proc, or open a unix"
               " socket (your service manager's, a message bus's): it can still write to your terminal"),
    (False, 5, "unable to signal tracetui, write to cgroups and /proc, or open a unix socket"),
    (False, 0, "unable to signal tracetui or open a unix socket"),
]


@pytest.mark.parametrize("own, abi, said", TRUST_WORDS, ids=["own-pids", "scoped", "landlocked", "fenced"])
async def test_without_a_sandbox_the_trust_box_says_what_a_check_can_do(sealed_demo, tmp_path, monkeypatch,
                                                                       own, abi, said):
    """Where a trusted check gets no pid namespace of its own, it can write to the user's terminal, and,
    where the kernel's Landlock has no scopes, stop or kill the user's other programs (docs/design.md,
    "Replay"): the box the user ticks to trust it says so."""
    import tracetui.capsule.sandbox as sandbox_mod
    from tracetui.capsule import landlock

    monkeypatch.setattr(sandbox_mod, "find_sandbox", lambda: None)
    monkeypatch.setattr("tracetui.capsule.find_sandbox", lambda: None)  # the name the app imports
    monkeypatch.setattr("tracetui.capsule.own_pids", lambda: own)
    monkeypatch.setattr("tracetui.capsule.fenceable", lambda: True)
    monkeypatch.setattr(landlock, "abi", lambda: abi)
    demo, path = sealed_demo
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, _clone(demo, tmp_path))
        label = str(replay.query_one("#replay-trust", Checkbox).label)
    assert said in " ".join(label.split()), label
    # The user's service manager, which takes any of the user's processes at its word, is out of reach:
    # its sockets are /dev/null in the check's own namespace, and the fence makes no unix socket.
    assert "systemctl" not in label, label
    assert ("stop or kill your other programs" in label) is (not own and abi < 6), label


async def test_without_a_sandbox_the_check_runs_only_when_trusted(sealed_demo, tmp_path, monkeypatch):
    import sys

    import tracetui.capsule.sandbox as sandbox_mod

    replay_mod = sys.modules["tracetui.capsule.replay"]  # the package's `replay` is the function

    monkeypatch.setattr(sandbox_mod, "find_sandbox", lambda: None)
    monkeypatch.setattr(replay_mod, "find_sandbox", lambda: None)
    monkeypatch.setattr("tracetui.capsule.find_sandbox", lambda: None)  # the name the app imports
    demo, path = sealed_demo
    clone = _clone(demo, tmp_path)
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=SIZE) as pilot:
        replay = await _replay_on(app, pilot, clone)
        trust = replay.query_one("#replay-trust", Checkbox)
        assert "no sandbox here" in str(trust.label)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        replay.query_one("#replay-check", Input).value = "true"
        await pilot.click("#replay-run")
        await settle(app, pilot)
        said = str(replay.query_one("#replay-verdict").render())
        assert "could not run" in said and "trust" in said and replay.check is None
        trust.value = True
        await pilot.pause()
        await pilot.click("#replay-run")
        await settle(app, pilot)
        assert replay.check is not None and replay.check.exit_code == 0 and replay.check.sandbox == "none (trusted)"


# -- the seal dialog's path and base -----------------------------------------------------------


def _git_repo(path: Path) -> str:
    """A repository of another project: one commit, nothing of the demo's."""
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "other.txt").write_text("another project\n")
    subprocess.run(["git", "-C", str(path), "add", "."], check=True)
    subprocess.run(["git", "-C", str(path), "-c", "user.name=t", "-c", "user.email=t@example.com",
                    "commit", "-q", "-m", "other"], check=True)  # fmt: skip
    return subprocess.run(["git", "-C", str(path), "rev-parse", "HEAD"], check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


async def test_the_seal_dialog_starts_in_its_path_field_and_seals_to_the_typed_path(tmp_path, monkeypatch):
    """Focus started on the checkbox: the path typed went nowhere and the capsule was written to the
    default, in the current folder (the user's checkout)."""
    demo = build(tmp_path / "demo")
    library = open_library(demo)
    monkeypatch.chdir(demo.repo)  # the app started from inside a checkout
    out = tmp_path / "typed" / "mine.capsule"
    out.parent.mkdir()
    app = TraceApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_claude(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        seal = app.screen
        assert isinstance(seal, SealScreen)
        field = seal.query_one("#seal-out", Input)
        assert app.focused is field
        default = Path(field.value)
        assert default.parent == tmp_path / "capsules"  # settings.capsules_dir (the tests' own)
        assert not default.is_relative_to(demo.repo)
        assert str(seal.query_one("#seal-out-note").render()) == ""  # made when sealing there
        seal.query_one("#seal-accept", Checkbox).value = True
        await pilot.pause()
        field.focus()
        await pilot.pause()
        await pilot.press(*str(out))  # typing replaces the default, which is selected
        assert field.value == str(out)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert seal.result is not None, str(seal.query_one("#seal-result").render())
        assert seal.result.path == out and out.is_file()
    assert not list(demo.repo.glob("*.capsule"))


async def test_the_seal_dialog_writes_to_the_default_capsules_folder(tmp_path):
    demo = build(tmp_path / "demo")
    app = TraceApp(open_library(demo))
    async with app.run_test(size=SIZE) as pilot:
        await open_claude(app, pilot)
        await pilot.press("s")
        await settle(app, pilot)
        seal = on_screen(app, SealScreen)
        seal.query_one("#seal-accept", Checkbox).value = True
        await pilot.press("enter")  # Enter in the path field seals
        await settle(app, pilot)
        assert seal.result is not None, str(seal.query_one("#seal-result").render())
        assert seal.result.path.parent == tmp_path / "capsules" and seal.result.path.is_file()


async def test_the_seal_base_comes_only_from_a_repository_the_session_belongs_to(tmp_path):
    """An app started with `--repo CLONE` stamped CLONE's HEAD as the base of every session's capsule."""
    demo = build(tmp_path / "demo")
    library = open_library(demo)
    other_head = _git_repo(tmp_path / "other")
    own = subprocess.run(["git", "-C", str(demo.repo), "rev-list", "--max-parents=0", "HEAD"], check=True,
                         capture_output=True, text=True).stdout.split()  # fmt: skip
    for repo, expected in ((str(tmp_path / "other"), "is not this session's repository"),
                           (str(demo.repo), "the --repo clone, which this session belongs to")):  # fmt: skip
        out = tmp_path / f"{Path(repo).name}.capsule"
        app = TraceApp(library, repo=repo)
        async with app.run_test(size=SIZE) as pilot:
            await open_claude(app, pilot)
            await pilot.press("s")
            await settle(app, pilot)
            seal = on_screen(app, SealScreen)
            assert seal.base is not None and seal.base.commit is not None
            shown = str(seal.query_one("#seal-base").render())
            assert f"base commit: {seal.base.commit[:12]}" in shown and expected in shown
            assert seal.base.repo == demo.repo.resolve() or seal.base.repo == demo.repo
            assert seal.base.commit != other_head
            seal.query_one("#seal-accept", Checkbox).value = True
            seal.query_one("#seal-out", Input).value = str(out)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert seal.result is not None, str(seal.query_one("#seal-result").render())
        base = open_capsule(out).base
        assert base == seal.base.commit and base != other_head
        assert own  # the demo's repository has history of its own
