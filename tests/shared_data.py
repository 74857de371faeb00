"""Where the shared test data lives: the real corpus, the labelled secrets, our fixtures.

A module of its own (not conftest.py) because tests/ui has a conftest too, and a bare
`from conftest import ...` could find either one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the repository
TESTS = ROOT / "tests"
CORPUS = Path(os.environ.get("TRACETUI_CORPUS", ROOT.parent / "shared" / "corpus"))
SECRETS = Path(os.environ.get("TRACETUI_SECRETS", ROOT.parent / "shared" / "secrets"))
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# Bare mirrors of public repositories (the `fetch` tool puts them at /work/.mirror/OWNER+NAME/repo).
MIRRORS = Path(os.environ.get("TRACETUI_MIRRORS", ROOT.parent / ".mirror"))


def mirror(owner: str, name: str) -> Path | None:
    """The bare git directory of a fetched public repository, or None where it was not fetched."""
    path = MIRRORS / f"{owner}+{name}" / "repo"
    return path if (path / "HEAD").is_file() or (path / ".git").exists() else None


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


def processes_with(argument: str) -> list[int]:
    """The pids of live (not zombie) processes with `argument` on their command line: how tests find
    a check's `sleep 61.2345` among every process, whatever pid namespace it ran in."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            state = Path(f"/proc/{entry}/stat").read_bytes().rsplit(b")", 1)[-1].split()[0]
        except OSError:
            continue
        if argument.encode() in args and state != b"Z":
            found.append(int(entry))
    return found
