"""A trail's rows do not depend on the interpreter's hash seed (PYTHONHASHSEED).

The fuzzy match tries the new lines that share the most 4-grams with a missing line; where several
share as many, the first counted are tried. The grams were once taken from a set, whose order
follows the hash seed, so `changed`/`dropped` (and a state) could differ between two runs of the
same trail. Each run here is a process of its own with another seed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shared_data import TESTS
from support.trail_kit import Repo, iso, replace

# Run in a child process: build the session from the edit given as JSON, print the trail's rows.
CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from support.trail_kit import session_of
from tracetui.model import FileEdit
from tracetui.trail import trail
repo, when, edit = sys.argv[2], sys.argv[3], FileEdit(**json.loads(sys.argv[4]))
print(json.dumps(trail(session_of(repo, [(when, edit)]), repo=repo).rows()))
"""

# The line the session wrote, as two halves that share no 4-gram.
HEAD_PART = "render_header_blocks"
TAIL_PART = "_with_status_icons"


def _unlike(text: str) -> str:
    """Every fourth character changed: no 4-gram of `text` is left, three characters in four still match."""
    return "".join("Z" if i % 4 == 3 else c for i, c in enumerate(text))


def test_the_fuzzy_match_gives_the_same_rows_under_any_hash_seed(tmp_path):
    line = HEAD_PART + TAIL_PART
    repo = Repo(tmp_path / "r")
    repo.write("view.py", "x = 1\n")
    repo.commit("init", iso(9))
    edit = replace(repo, "view.py", "x = 1\n", f"x = 1\n{line}\n")
    repo.commit("work", iso(11))
    # Later the line is replaced by thirteen lines that share the first half's grams (not close), and
    # one close edit that shares as many of the second half's: more candidates tie than are tried.
    decoys = [f"{HEAD_PART[1:]}X{i:02d}qqqqqqqqqqqqqqq" for i in range(13)]
    repo.write(
        "view.py", "x = 1\n" + "".join(f"{d}\n" for d in decoys) + _unlike(HEAD_PART) + TAIL_PART + "\n"
    )
    repo.commit("rework", iso(12))
    fields = {k: getattr(edit, k) for k in ("path", "op", "old_string", "new_string", "original")}
    rows = []
    for seed in ("0", "7"):  # two seeds that ordered the grams differently when they came from a set
        env = dict(os.environ, PYTHONHASHSEED=seed)
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(TESTS), str(repo.path), iso(10), json.dumps(fields)],
            env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        rows.append(json.loads(out.stdout))
    [first] = rows[0]
    assert first["evidence"] == 1 and first["kept"] == 0
    assert rows[0] == rows[1]
