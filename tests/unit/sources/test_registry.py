"""Adding an agent is one module declaring an `Agent`: the registry alone makes it syncable."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import orjson
import pytest

from tracetui.bucket import Bucket
from tracetui.bucket.locations import default_sources, parse_sources
from tracetui.cli import main
from tracetui.errors import TracetuiError
from tracetui.model import Session, SessionFilter, Step, StepKind
from tracetui.sources import RawLog, SessionFiles, registry
from tracetui.sources.common.jsonl import iter_records


def _group(paths: list[Path]) -> list[SessionFiles]:
    return [SessionFiles("fake", p) for p in paths]


def _read(main: RawLog, companions: list[RawLog]) -> Session:
    session = Session(id="", agent="fake", source=main.path, files=[main.path])
    for number, record in iter_records(main.path, main.data, session.errors, lambda r: "role" in r):
        session.id = session.id or str(record.get("sid") or "")
        kind = StepKind.USER if record.get("role") == "user" else StepKind.ASSISTANT
        session.steps.append(Step(f"L{number}", len(session.steps), kind, str(record.get("role")),
                                  str(record.get("text") or ""), timestamp=record.get("ts")))  # fmt: skip
    session.started = session.steps[0].timestamp if session.steps else None
    session.title = session.steps[0].text if session.steps else None
    return session


def _folders(env: Mapping[str, str], home: Path) -> list[Path]:
    return [Path(env["FAKE_AGENT_HOME"])] if env.get("FAKE_AGENT_HOME") else [home / ".fake-agent"]


FAKE = registry.Agent(name="fake", label="Fake Agent", patterns=("*.fake.jsonl",), folders=_folders,
                      group=_group, read=_read, env=("FAKE_AGENT_HOME",))  # fmt: skip


def _log(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "one.fake.jsonl"
    rows = [{"sid": "fake-0001", "role": "user", "text": "count the xylocarps", "ts": "2026-03-01T10:00:00Z"},
            {"sid": "fake-0001", "role": "assistant", "text": "there are three", "ts": "2026-03-01T10:00:05Z"}]  # fmt: skip
    log.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    return log


def test_a_fourth_agent_syncs_through_the_registry_alone(tmp_path, monkeypatch, capsys):
    _log(tmp_path / "logs")
    monkeypatch.setenv("FAKE_AGENT_HOME", str(tmp_path / "logs"))
    with registry.registered(FAKE):
        assert "fake" in registry.names() and registry.spoken_names().endswith("or fake")
        assert default_sources()["fake"] == [tmp_path / "logs"]
        assert parse_sources([f"fake={tmp_path / 'logs'}"]) == {"fake": [tmp_path / "logs"]}
        with Bucket.open(tmp_path / "b") as bucket:
            report = bucket.sync({"fake": [tmp_path / "logs"]})
            assert (report.sessions, report.new, report.errors) == (1, 1, [])
            [row] = bucket.list_sessions(SessionFilter(agent="fake"))
            assert (row.id, row.steps, row.title) == ("fake-0001", 2, "count the xylocarps")
            assert [h.session for h in bucket.search("xylocarps")] == ["fake-0001"]
        # and through the CLI, as a user would
        assert main(["--bucket", str(tmp_path / "b2"), "sync", "--source", f"fake={tmp_path / 'logs'}", "--json"]) == 0
        assert orjson.loads(capsys.readouterr().out)["new"] == 1
    assert "fake" not in registry.names()


def test_unknown_agents_are_named_with_the_known_ones(tmp_path):
    with pytest.raises(TracetuiError, match="expected claude, codex, pi, gemini, copilot or opencode") as raised:
        parse_sources([f"nosuchagent={tmp_path}"])
    assert all(name in str(raised.value) for name in ("claude", "codex", "pi", "gemini", "copilot", "opencode"))
    with pytest.raises(ValueError, match="already registered"):
        registry.register(registry.get("pi"))


def test_every_builtin_agent_declares_itself():
    for agent in registry.agents():
        assert agent.patterns and agent.env and agent.label
        assert registry.importable(agent.name)
        assert all(isinstance(p, Path) for p in agent.default_folders())


def test_each_builtin_label_is_the_one_its_reader_declares():
    assert set(registry.READER_LABELS) == set(registry.READER_MODULES)
    for name in registry.READER_MODULES:
        declared = importlib.import_module(registry.READER_MODULES[name]).AGENT.label
        assert registry.READER_LABELS[name] == declared == registry.label(name)
    with registry.registered(FAKE):
        assert registry.label("fake") == "Fake Agent"
    with pytest.raises(ValueError):
        registry.label("nobody")


def test_a_label_imports_no_reader():
    code = (
        "import sys\nfrom tracetui.sources import registry\n"
        "labels = [registry.label(n) for n in registry.READER_MODULES]\n"
        "print(sorted(m for m in sys.modules if m.startswith('tracetui.sources.') and m.endswith('.reader')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_agent_s_folder_is_the_registry_s():
    """The folder a raw export and a dataset put an agent's files in is an agent's fact, kept with its
    name and label (`registry.AGENT_FOLDERS`); an agent not listed goes in a folder of its name."""
    from tracetui.export.raw import agent_folder

    assert set(registry.AGENT_FOLDERS) <= set(registry.READER_MODULES)
    assert {a: agent_folder(a) for a in registry.READER_MODULES} == {
        a: registry.AGENT_FOLDERS.get(a, a) for a in registry.READER_MODULES
    }
    assert agent_folder("claude") == "claude_code"
