"""A user or host named like a word of the export format itself: ATIF's keys (`steps`, `source`,
`message`), its own values (`agent`, `user`), a page's fixed text (`steps 0 to 4`, `session`, `cost`).

The second gate read the trajectory's keys and the page's own words as text of the log, found the name
there, and refused the session: no scrub can take a word out of the schema. Now the gate reads only
what came from the log (`atif.gate_view`, `page.Rendered.log_text`), so the session is written with
the name scrubbed wherever the log held it, as a key of a tool's input too, and a log value that is
exactly the word is still scrubbed. Names and values are made up.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.claude_chat import claude_tool_call
from support.machine_names import named_machine

from tracetui.bucket import Bucket
from tracetui.cli import main
from tracetui.export import ExportOptions, check, export

SID = "6e6e6e6e-1111-4222-8333-444455556666"
# ATIF's keys and words, the page's words, and the outcome labels' keys.
WORDS = ["steps", "source", "message", "agent", "user", "session", "started", "project", "tests", "cost",
         "assistant", "result"]
INPUT = {"steps": "source", "note": "send the steps here", "list": ["agent", "message"]}


def _log(folder: Path) -> Path:
    return claude_tool_call(folder, SID, "/srv/app", "steps", INPUT, "the user and the session",
                            "stored at the cost of one")


@pytest.fixture()
def named(tmp_path, monkeypatch) -> Path:
    """A bucket of the log, on a machine whose names are the format's words."""
    bucket = tmp_path / "bucket"
    assert main(["--bucket", str(bucket), "sync", "--source", f"claude={_log(tmp_path / 'logs')}", "--json"]) == 0
    named_machine(monkeypatch, WORDS)
    return bucket


def _export(bucket: Path, dest: Path, fmt: str):
    with Bucket.open(bucket) as b:
        return export(b, dest, ExportOptions(fmt, accept_suggested=True))


def _trajectory(dest: Path) -> dict[str, Any]:
    [path] = (dest / "trajectories").rglob("*.json")
    document: dict[str, Any] = json.loads(path.read_text())
    return document


def test_a_trajectory_is_written_with_the_names_scrubbed_where_the_log_held_them(named, tmp_path):
    report = _export(named, tmp_path / "out", "atif")
    assert report.written == 1 and report.refused == [], report.refused
    document = _trajectory(tmp_path / "out")
    assert {"steps", "schema_version", "agent"} <= set(document)  # the format's own words stand
    user, agent = document["steps"][0], document["steps"][1]
    assert user["source"] == "user" and agent["source"] == "agent"
    assert user["message"].startswith("<") and "steps" not in user["message"]  # a value that is the word
    [call] = agent["tool_calls"]
    arguments = call["arguments"]
    assert set(arguments) == {"note", "list", next(k for k in arguments if k.startswith("<"))}
    assert all(v.startswith("<") for v in [*arguments["list"], *(v for k, v in arguments.items() if k != "note"
                                                                   and isinstance(v, str))])
    text = json.dumps(arguments) + agent["observation"]["results"][0]["content"] + agent.get("message", "")
    for word in WORDS:
        assert f" {word}" not in text and f'"{word}"' not in text, word


def test_the_trajectory_still_validates_and_its_check_passes(named, tmp_path):
    atif = pytest.importorskip("atif", reason="the atif package (ATIF's pydantic models) is not installed")
    dest = tmp_path / "out"
    assert _export(named, dest, "atif").written == 1
    atif.Trajectory.model_validate(_trajectory(dest))
    # `export --check` reads the trajectory as the gate did, and the receipt's values but its own words
    # (`check_views.receipt_view`).
    assert check(dest).problems == []


@pytest.mark.parametrize("fmt", ["html", "md"])
def test_a_page_is_written_with_the_names_scrubbed_where_the_log_held_them(named, tmp_path, fmt):
    dest = tmp_path / "out"
    with Bucket.open(named) as b:
        report = export(b, dest, ExportOptions(fmt, accept_suggested=True))
    assert report.written == 1 and report.refused == [], report.refused
    [page] = dest.glob(f"*.{fmt}")
    text = page.read_text()
    assert "steps 0 to" in text  # the page's own words stand
    for said in ("send the steps here", "the user and the session", "the cost of one"):
        assert said not in text, said
    assert "send the &lt;HOST&gt; here" in text or "send the <HOST> here" in text


def test_the_gate_still_reads_every_string_of_the_log_in_a_trajectory():
    from tracetui.export.atif import gate_view

    document = {"schema_version": "ATIF-v1.7", "steps": [
        {"source": "user", "message": "steps", "extra": {"kind": "user"}},
        {"source": "agent", "message": "x", "tool_calls": [{"function_name": "source", "arguments": INPUT}],
         "observation": {"results": [{"content": "agent"}]}, "extra": {"kind": "tool_call"}},
        {"source": "other", "extra": {"kind": "not a kind", "note": "user"}},
    ]}
    read = json.loads(gate_view(json.dumps(document).encode()))

    def strings(obj: Any) -> list[str]:
        if isinstance(obj, str):
            return [obj]
        if isinstance(obj, dict):
            return [s for k, v in obj.items() for s in [k, *strings(v)]]
        return [s for v in obj for s in strings(v)] if isinstance(obj, list) else []

    found = strings(read)
    # The log's values (the word as a prompt, a tool's name, a result) and a tool input's keys and values.
    for value in ("steps", "source", "agent", "x", "note", "send the steps here", "message", "other",
                  "not a kind", "user"):
        assert value in found, value
    assert found.count("steps") == 2  # the prompt and the input's key: not the schema's key
    assert "schema_version" not in found and "ATIF-v1.7" not in found and "tool_call" not in found
    assert gate_view(b"not json\n") == b"not json\n"
