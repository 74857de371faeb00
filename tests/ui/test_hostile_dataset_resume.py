"""The resume key on a team dataset's session (`tracetui --dataset URL`).

A dataset's rows are other machines': the working folder a session names is a stranger's word, as a
capsule's is (docs/internals/resume.md). The app refused the key on a capsule (the clone must be
named: `--cwd`), but took a dataset for the user's own: found 2026-11-29 by a red team, the key on a
dataset's session wrote a session into the user's agent store, to run in whatever folder the
dataset's row named (`/`, the user's home, `~/.ssh`, a world-writable folder where anyone may plant
the agent's project settings), with the stranger's history as what the model goes on from, and
copied `cd THAT && pi --session NEW` to the clipboard. Now the core refuses to resume a foreign
library's session (a capsule's, a dataset's) in the folder it names, in one line, writing nothing;
a folder the caller names (`--cwd`) is still taken. The app says so as it does for a capsule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pilot_steps import open_by_id, settle
from support.narrow import present

from tracetui.errors import TracetuiError
from tracetui.ui.app import TraceApp

pytest.importorskip("duckdb")
pytest.importorskip("fsspec")

from tracetui.dataset import open_dataset  # noqa: E402

SIZE = (160, 45)
SESSION = "33333333-aaaa-4bbb-8ccc-000000000003"  # pi's fixture session (machine beta)
# Folders a dataset's row may name: each a plain absolute path, which checked_cwd alone takes.
FOLDERS = ["/", "/root", "/root/.ssh", "/home/victim", "/tmp/planted", "/etc", "/var/tmp/shared-project"]


def _dataset_naming(source: Path, dest: Path, cwd: str) -> Path:
    """A copy of the team dataset whose sessions all name `cwd` as their working folder."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    shutil.copytree(source, dest)
    for path in dest.rglob("*.parquet"):
        if "sessions" not in path.parts:
            continue
        table = pq.read_table(path)
        at = table.schema.get_field_index("cwd")
        pq.write_table(table.set_column(at, "cwd", pa.array([cwd] * table.num_rows, pa.string())), path)
    return dest


def _stores(tmp_path: Path, monkeypatch) -> Path:
    stores = tmp_path / "stores"
    for var, name in (("CLAUDE_CONFIG_DIR", "claude"), ("CODEX_HOME", "codex"), ("PI_CODING_AGENT_DIR", "pi"),
                      ("GEMINI_CLI_HOME", "gemini"), ("COPILOT_HOME", "copilot"),
                      ("XDG_DATA_HOME", "data")):  # fmt: skip
        monkeypatch.setenv(var, str(stores / name))
    return stores


@pytest.mark.parametrize("cwd", FOLDERS)
def test_the_core_resumes_no_dataset_session_in_the_folder_it_names(team_dataset_root, tmp_path, monkeypatch,
                                                                      cwd):  # fmt: skip
    import tracetui.resume as resume_api

    stores = _stores(tmp_path, monkeypatch)
    library = open_dataset(str(_dataset_naming(team_dataset_root / "dataset", tmp_path / "ds", cwd)))
    try:
        session = library.session(SESSION)
        assert session.cwd == cwd
        last = session.steps[-1].index
        with pytest.raises(TracetuiError) as caught:
            resume_api.continue_at(library, SESSION, last, home=tmp_path / "home")
        said = str(caught.value)
        assert "\n" not in said and "dataset" in said and "--cwd" in said, said
        assert not stores.exists() and not (tmp_path / "home").exists()
        # A folder the user names is theirs: the session is written to run there.
        mine = str(tmp_path / "mine")
        done = resume_api.continue_at(library, SESSION, last, cwd=mine, home=tmp_path / "home")
        assert done.cwd == str(tmp_path / "mine") and Path(done.path).is_file()
        assert Path(done.path).is_relative_to(stores)
    finally:
        library.close()


async def test_the_key_on_a_dataset_session_writes_nothing_and_copies_nothing(team_dataset_root, tmp_path,
                                                                              monkeypatch):  # fmt: skip
    stores = _stores(tmp_path, monkeypatch)
    library = open_dataset(str(_dataset_naming(team_dataset_root / "dataset", tmp_path / "ds", "/root/.ssh")))
    try:
        app = TraceApp(library)
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_by_id(app, pilot, SESSION)
            assert screen.opened is not None
            screen.jump_to_step(present(screen.opened).session.steps[-1].id)
            await settle(app, pilot)
            await pilot.press("K")
            await settle(app, pilot)
            said = [str(n.message) for n in app._notifications]
            assert any("dataset" in m for m in said), said
            assert app.clipboard == "" and not stores.exists()
    finally:
        library.close()
