"""A digest of every reader's output over the corpus and the test fixtures.

A refactor of a reader must not change what it reads: run this before and after and compare.
    python scripts/reader_digest.py > before.txt   ...   python scripts/reader_digest.py | diff before.txt -
A session keeps its log's absolute path, so compare runs from the same folder; outside the main
checkout (a worktree) set TRACETUI_CORPUS to the corpus, or only the fixtures are read.
Each line is `agent  digest  main file`, then a last line with the digest of all of them.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import sys
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
# The checkout this script is in, not whichever tracetui the virtualenv installed: run from a git
# worktree, the shared editable install would otherwise read (and digest) another checkout's code.
sys.path.insert(0, str(ROOT))

from tracetui.sources import read_session, registry  # noqa: E402

CORPUS = Path(os.environ.get("TRACETUI_CORPUS", ROOT.parent / "shared" / "corpus"))
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS_FOLDER = {"claude": "claude", "codex": "codex", "pi": "pi"}


def files_of(agent: registry.Agent, folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.rglob("*") if p.is_file() and any(fnmatch.fnmatch(p.name, g) for g in agent.patterns)
    )


def main() -> int:
    total = hashlib.sha256()
    for agent in registry.agents():
        folders = [CORPUS / CORPUS_FOLDER.get(agent.name, agent.name), FIXTURES / agent.name]
        for folder in folders:
            for files in agent.group(files_of(agent, folder)):
                session = read_session(files)
                digest = hashlib.sha256(orjson.dumps(session.to_dict(), option=orjson.OPT_SORT_KEYS))
                line = f"{agent.name}  {digest.hexdigest()[:16]}  {files.main.relative_to(folder.parent)}"
                total.update(line.encode())
                print(line)
    print(f"all  {total.hexdigest()[:16]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
