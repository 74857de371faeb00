"""Every form of `tracetui blame` prints the log's strings through the export's second gate.

`blame --format agent-trace` went through the gate (`capsule.gate_scrubbed`); the other forms did
not. `blame FILE --json`, the plain lines, `--commit` and `--range` (made for a pull request's
description) printed each writing step's prompt and the path the log gave as the log had them: a
token the user pasted into a prompt, and their home folder, were in what is pasted where others
read it. Each form now passes the same gate: a sure finding becomes a placeholder of its kind. And a
value the user chose to scrub (an address, which no gate is sure of) is scrubbed by the session's
plan first, as an export scrubs it; a suggestion not yet decided (a phone number) too, since an export
would refuse until it is: only what the user kept prints as it is.
"""

from __future__ import annotations

import orjson
import pytest
from support import blame_world
from support.blame_world import build, synced

from tracetui.cli import main

TOKEN = "ghp_" + "Qm7Xc2Vb9Nz4Lk1Jh8Gf5Ds3Ap6Wo0Ei2Ru4T"  # made up: no key is, or was, live
HOME = "/home/jdoe5/clientwork"
EMAIL = "marguerite.oakhaven@clientcorp.io"  # a suggestion: printed only if the plan keeps it
PHONE = "+1 415 555 0199"  # a suggestion the user never decides: not released either
PROMPT = f"add a greeting; the token is {TOKEN}, the notes are in {HOME}/notes.md; ask {EMAIL} or {PHONE}"

FORMS = {
    "file-json": lambda w: ["app.py", "--json"],
    "file-plain": lambda w: ["app.py"],
    "commit-json": lambda w: ["--commit", w.c["c1"], "--json"],
    "commit-plain": lambda w: ["--commit", w.c["c1"]],
    "range-json": lambda w: ["--range", f"{w.c['h0']}..HEAD", "--json"],
    "range-lines": lambda w: ["--range", f"{w.c['h0']}..HEAD", "--lines"],
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_no_form_of_blame_prints_a_prompt_s_token_or_home(tmp_path, capsys, monkeypatch, form):
    monkeypatch.setattr(blame_world, "PROMPT_A", PROMPT)
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    # The user decides to scrub the address (a suggestion: no gate would), as they would for an export.
    assert main(["--bucket", str(bucket), "scan", blame_world.CLAUDE_SID, "--accept", "email"]) == 0
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", *FORMS[form](world)]) == 0
    out = capsys.readouterr().out
    assert TOKEN not in out and "jdoe5" not in out and "oakhaven" not in out and "555 0199" not in out
    assert "<GITHUB_TOKEN_1>" in out  # the prompt is still there, the token replaced
    assert "add a greeting" in out
    if form.endswith("json"):
        orjson.loads(out)


def test_the_repository_s_own_lines_are_printed_as_git_has_them(tmp_path, capsys, monkeypatch):
    # The gate reads the log's members (the prompt, the path it gave), not the file's lines: whoever
    # reads the blame reads those in the repository, and a line scrubbed there (a fixture's home path)
    # misquoted the file. Scanning a 4,442-line file's lines was a third of a first blame's CPU.
    line = "DATA = '/home/jdoe5/fixtures'  # a test's path, committed"
    monkeypatch.setattr(blame_world, "PROMPT_A", PROMPT)
    monkeypatch.setattr(blame_world, "FAREWELL", blame_world.FAREWELL + line + "\n")
    world = build(tmp_path)
    bucket = tmp_path / "bucket"
    synced(world, bucket)
    capsys.readouterr()
    monkeypatch.chdir(world.repo.path)
    assert main(["--bucket", str(bucket), "blame", "app.py", "--json"]) == 0
    rows = orjson.loads(capsys.readouterr().out)
    assert [r["text"] for r in rows] == world.repo.read("app.py").splitlines()
    assert line in [r["text"] for r in rows]
    assert not any(TOKEN in (r["prompt"] or "") or "jdoe5" in (r["prompt"] or "") for r in rows)
    assert any("<GITHUB_TOKEN_1>" in (r["prompt"] or "") for r in rows)
