"""A capsule of thousands of tiny patches, applied all at once on the replay screen: the steps' lines
and diffs are made in the worker that applies them, and the UI thread only shows them."""

from __future__ import annotations

import gc
import sys
import threading
import time
from pathlib import Path

import orjson
from textual.widgets import Input

from pilot_steps import settle

from tracetui.capsule import open_capsule, seal
from tracetui.capsule import manifest as mf
from tracetui.capsule.archive import read_archive, write_archive
from tracetui.ui.app import TraceApp
from tracetui.ui.screens.replay import ReplayScreen
from tracetui.ui.widgets.text_view import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fixtures" / "capsule"))
import capsule_kit as kit  # noqa: E402

PATCHES = 8_000


def _many(tmp_path: Path) -> tuple[Path, Path]:
    repo, _ = kit.make_repo(tmp_path)
    session = kit.make_session(repo)
    seal(session, kit.empty_plan(session), repo=repo, out=tmp_path / "ok.capsule", secret=b"\x06" * 32)
    members = read_archive((tmp_path / "ok.capsule").read_bytes(), mf.ALLOWED)
    first, *_, last = [orjson.loads(line) for line in members[mf.TRAIL].splitlines()]
    records = [
        {**first, "path": f"t/f{i}.txt", "op": "create", "step": first["step"] if i % 2 else last["step"],
         "hunks": [{"old_start": 0, "old_lines": 0, "new_start": 1, "new_lines": 1, "lines": [f"+{i}"]}]}
        for i in range(PATCHES)
    ]  # fmt: skip
    payload = {**{k: v for k, v in members.items() if k in mf.PAYLOAD}, mf.TRAIL: mf.canonical_lines(records)}
    manifest = {**orjson.loads(members[mf.MANIFEST]),
                "members": {k: mf.member_entry(v) for k, v in sorted(payload.items())}}  # fmt: skip
    path = tmp_path / "many.capsule"
    path.write_bytes(write_archive({mf.MANIFEST: mf.canonical(manifest), **payload}))
    return path, repo


async def test_applying_8000_tiny_patches_at_once_takes_little_of_the_ui_thread(tmp_path, monkeypatch):
    path, repo = _many(tmp_path)
    spent: list[float] = []
    documents: list[Document | None] = []
    arrived = ReplayScreen.on_applied

    def timed(self, message):
        documents.append(message.document)
        start = time.thread_time()
        arrived(self, message)
        spent.append(time.thread_time() - start)

    monkeypatch.setattr(ReplayScreen, "on_applied", timed)
    # Which thread wrapped each document's lines (at a width not yet known to it).
    wrapped_on: list[tuple[Document, str]] = []
    wrapped = Document.wrapped

    def watched(self, width):
        if width not in self._wrapped:
            wrapped_on.append((self, threading.current_thread().name))
        return wrapped(self, width)

    monkeypatch.setattr(Document, "wrapped", watched)
    # A collector's pass over what earlier tests of this worker left is not the screen's work (the
    # review screen's test saw one land in a handler: 0.8 s of thread time).
    gc.collect()
    app = TraceApp(open_capsule(path))
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("y")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ReplayScreen)
        screen.query_one("#replay-repo", Input).value = str(repo)
        await pilot.click("#replay-start")
        await settle(app, pilot)
        screen.action_apply_all()
        await settle(app, pilot, 4)
        assert screen.run is not None and len(screen.applied_steps) == PATCHES and screen.run.failed == 0
        assert spent and max(spent) < 0.1, spent
        # The applied steps' document came wrapped for the pane: the UI thread wrapped none of it.
        threads = [name for document, name in wrapped_on if any(document is d for d in documents)]
        assert threads and threading.main_thread().name not in threads, threads
