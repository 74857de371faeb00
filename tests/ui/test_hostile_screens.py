"""The app's other screens on hostile logs and a hostile repository: the redaction editor, the seal
dialog, the cross-session review, the export dialog, the key help and the blame screen draw no
control byte, and no markup action from a log or a file runs (the canary folder stays empty)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pilot_steps import settle
from support.narrow import on_screen, present

from tracetui.bucket import Bucket
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.browser import BrowserScreen

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures"))
from hostile import assert_inert, hostile_text

SIZE = (160, 48)


def _clean(app: TraceApp, where: str) -> None:
    assert_inert(app.export_screenshot(), where)




async def _visit(app: TraceApp, pilot, action: str, where: str) -> None:
    await app.run_action(action)
    await settle(app, pilot, 3)
    assert not isinstance(app.screen, BrowserScreen), f"{where} did not open"
    _clean(app, where)
    for _ in range(3):  # a screen and a confirmation on top of it
        if isinstance(app.screen, BrowserScreen):
            break
        await pilot.press("escape")
        await settle(app, pilot, 1)
    assert app.is_running, where


async def test_the_dialogs_of_hostile_sessions_stay_inert(hostile_bucket):
    bucket, canary = hostile_bucket
    app = TraceApp(bucket)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen)
        await _visit(app, pilot, "screen.review", "the review screen")
        await _visit(app, pilot, "screen.export", "the export dialog")
        for n in (0, 1, 2, 5):  # claude, codex, pi, opencode: the order of the list may vary, any four
            await pilot.press("home", *(["down"] * n), "enter")
            await settle(app, pilot)
            assert screen.opened is not None
            await pilot.press("down", "down")
            await _visit(app, pilot, "screen.redact", f"the redaction editor of session {n}")
            await _visit(app, pilot, "screen.seal", f"the seal dialog of session {n}")
            await app.run_action("app.toggle_keys")
            await settle(app, pilot, 2)
            _clean(app, "the key help")
            await app.run_action("app.toggle_keys")
            await settle(app, pilot, 1)
        assert app.is_running
    assert list(canary.iterdir()) == [], "a markup action from a log ran"


def _git(repo: Path, *args: str) -> None:
    env = {
        "GIT_AUTHOR_NAME": "T\x1b]0;x\x07",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "T",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "PATH": "/usr/bin:/bin",
        "HOME": str(repo.parent),
    }
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env=env)


async def test_blame_of_a_hostile_file_in_a_hostile_repository_stays_inert(hostile_bucket, tmp_path):
    """A repository named by a log is input too: its file names, lines, author names and commit
    messages reach the blame screen."""
    bucket, canary = hostile_bucket
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    name = "f\x1b]0;t\x07\u202e.py"
    text = hostile_text(canary).replace("\x00", "")  # a NUL makes the file binary: nothing to show
    (repo / name).write_text("".join(f"{line}\n" for line in (text, "x = 1", text)))
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", text)
    app = TraceApp(bucket, repo=str(repo))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        on_screen(app, BrowserScreen).show_blame(str(repo / name), str(repo))
        await settle(app, pilot, 4)
        _clean(app, "the blame screen")
        drawn = app.export_screenshot()
        assert "pwned-title" in drawn and "\u241b" in drawn, (
            "the file's lines are shown, their ESC made visible"
        )
        await pilot.press("down", "enter")
        await settle(app, pilot, 2)
        _clean(app, "after enter on a blamed line")
        assert app.is_running
    assert list(canary.iterdir()) == []


async def test_times_out_of_range_in_the_list_its_orders_and_date_filters(tmp_path):
    """Each agent's times set to another out-of-range or malformed value: the list draws, sorts four
    ways, filters by date and opens every session."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
    import orjson
    from support.hostile_fields import ODD_TIMES, PICKS, times_replaced
    from textual.widgets import Input

    sources: dict[str, list[Path]] = {}
    for n, (agent, source) in enumerate(PICKS.items()):
        odd = ODD_TIMES[(n * 2) % len(ODD_TIMES)]
        dest = tmp_path / "src" / agent
        if source.is_dir():
            import shutil

            shutil.copytree(source, dest)
        else:
            dest.mkdir(parents=True)
            dest.joinpath(source.name).write_bytes(source.read_bytes())
        for path in dest.rglob("*"):
            if path.suffix == ".jsonl":
                lines = [x for x in path.read_bytes().splitlines() if x.strip()]
                path.write_bytes(b"".join(orjson.dumps(times_replaced(orjson.loads(x), odd)) + b"\n" for x in lines))
            elif path.suffix == ".json":
                path.write_bytes(orjson.dumps(times_replaced(orjson.loads(path.read_bytes()), odd)))
        sources[agent] = [dest]
    with Bucket.open(tmp_path / "b") as bucket:
        bucket.sync(sources)
        count = len(bucket.list_sessions())
        app = TraceApp(bucket)
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, BrowserScreen)
            for _ in range(4):
                await pilot.press("o")
                await settle(app, pilot, 1)
                _clean(app, "an order of the list")
            for n in range(count):
                await pilot.press("home", *(["down"] * n), "enter")
                await settle(app, pilot, 2)
                assert screen.opened is not None
                _clean(app, f"session {n}")
                await pilot.press("escape")
                await settle(app, pilot, 1)
            for query in (
                "since:2026-01-01",
                "until:1970-01-01",
                "today",
                "yesterday",
                "7d",
                "36h",
                "since:99999-01-01",
            ):
                screen.query_one("#filter", Input).value = query
                await settle(app, pilot, 2)
                _clean(app, f"the filter {query}")
            assert app.is_running


async def test_a_capsules_folder_never_names_a_file_the_app_opens(tmp_path, monkeypatch):
    """A capsule's steps say which folder they ran in: a stranger's word. `E` (editor) and `B`
    (blame) look for a capsule's files in the user's `--repo` only, never in the folder it names."""
    import orjson

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
    import capsule_kit as kit

    from tracetui.capsule import manifest as mf
    from tracetui.capsule import open_capsule, seal
    from tracetui.capsule.archive import read_archive, write_archive
    from tracetui.ui.widgets.timeline import Timeline

    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    sealed = tmp_path / "ok.capsule"
    seal(session, kit.empty_plan(session), repo=repo, out=sealed, secret=b"\x09" * 32)
    members = read_archive(sealed.read_bytes(), mf.ALLOWED)
    private = tmp_path / "private"
    private.mkdir()
    (private / "id_rsa").write_text("a private key\n")
    records = [orjson.loads(line) for line in members[mf.TRACE].splitlines()]
    for record in records:
        record["cwd"] = str(private)
        for edit in record.get("edits", []):
            edit["path"] = "id_rsa"
    payload = {k: v for k, v in members.items() if k in mf.PAYLOAD} | {mf.TRACE: mf.canonical_lines(records)}
    manifest = orjson.loads(members[mf.MANIFEST])
    manifest["session"]["cwd"] = str(private)
    manifest["members"] = {k: mf.member_entry(v) for k, v in sorted(payload.items())}
    path = tmp_path / "stranger.capsule"
    path.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))

    ran: list[object] = []
    real_run = subprocess.run

    def run(command, *args, **kwargs):  # the editor is recorded, never started; git and the rest run
        if any("id_rsa" in str(word) for word in command):
            ran.append(command)
            return subprocess.CompletedProcess(command, 0)
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", run)
    app = TraceApp(open_capsule(path), repo=str(repo))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BrowserScreen) and screen.opened is not None
        edits = [s.index for s in present(screen.opened).session.steps if s.edits]
        assert edits
        for index in edits:
            screen.query_one(Timeline).reveal_step(index)
            await settle(app, pilot, 1)
            await app.run_action("screen.editor")
            await app.run_action("screen.blame")
            await settle(app, pilot, 2)
            assert isinstance(app.screen, BrowserScreen), "no blame of a file the capsule named"
        assert app.is_running
    assert ran == [], "the editor was started on a file the capsule's folder named"
