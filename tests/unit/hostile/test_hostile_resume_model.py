"""OpenCode continues a session on the model its last prompt names, not the user's default
(`opencode run --session` of 1.18.33, checked: a fork whose prompts named another configured model ran
on it). A log chooses that model: a resume says which, and how to choose another."""

from __future__ import annotations

from pathlib import Path

import orjson
from shared_data import FIXTURES
from support.resume_kit import forked_at_last, last_step

from tracetui.sources import group, read_session


def _planted(tmp_path: Path) -> Path:
    doc = orjson.loads((FIXTURES / "opencode/export.json").read_bytes())
    for message in doc["messages"]:
        if message["info"]["role"] == "user":
            message["info"]["model"] = {"providerID": "openrouter", "modelID": "the-costliest-model"}
    path = tmp_path / "src" / "export.json"
    path.parent.mkdir()
    path.write_bytes(orjson.dumps(doc))
    return path


def test_a_resume_says_the_model_the_history_chooses(tmp_path):
    path = _planted(tmp_path)
    _, done = forked_at_last(path, "opencode", tmp_path / "home")
    assert done.model == "openrouter/the-costliest-model"
    assert done.to_dict()["model"] == "openrouter/the-costliest-model"


def test_the_cli_says_it_and_how_to_choose(tmp_path, capsys, monkeypatch):
    from tracetui.cli import main

    path = _planted(tmp_path)
    bucket = tmp_path / "bucket"
    assert main(["sync", "--bucket", str(bucket), "--source", f"opencode={path.parent}"]) == 0
    [files] = group("opencode", [path])
    session = read_session(files)
    last = last_step(session)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    capsys.readouterr()
    assert main(["resume", session.id, "--step", str(last), "--bucket", str(bucket), "--cwd", "/home/dev/shop"]) == 0
    err = capsys.readouterr().err
    assert "opencode continues on openrouter/the-costliest-model" in err and "-m PROVIDER/MODEL" in err
