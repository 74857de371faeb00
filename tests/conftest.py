"""Shared test fixtures: where the real corpus lives, and a skip when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("TRACETUI_CORPUS", ROOT.parent / "shared" / "corpus"))
SECRETS = Path(os.environ.get("TRACETUI_SECRETS", ROOT.parent / "shared" / "secrets"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def corpus_files(agent: str, pattern: str = "*.jsonl") -> list[Path]:
    """The real logs for one agent; empty where the corpus is absent (tests then skip)."""
    folder = CORPUS / agent
    return sorted(folder.glob(pattern)) if folder.is_dir() else []


requires_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"the real session logs are not at {CORPUS} (a user's clone has none)"
)
requires_secrets = pytest.mark.skipif(
    not SECRETS.is_dir(), reason=f"the labelled secrets are not at {SECRETS}"
)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """No test may read or write the real user's agent logs or bucket."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for var in ("TRACETUI_BUCKET", "CLAUDE_CONFIG_DIR", "CODEX_HOME", "PI_CODING_AGENT_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
