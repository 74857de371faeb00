"""The content rule's read of a clone's history is bounded, whatever the log names.

`file_history` read every distinct version of the logged files over 2,000 commits: a log whose
lines are nowhere, naming a clone's most changed files, had `belongs` decode hundreds of MB (on
pi-mono's mirror, 10 such files cost 2.9 s CPU and 2,000 of them 8 s, each time the trail pane
opened). The versions' bytes are now bounded, newest first.
"""

from __future__ import annotations

import pygit2
from support.trail_kit import Repo, iso

from tracetui.trail.mapping import file_history

VERSION = 1 << 20
HISTORY_BYTES = 32 << 20  # content_evidence.HISTORY_BYTES, as the rule says it


def test_the_history_read_stops_at_its_bytes_bound(tmp_path):
    repo = Repo(tmp_path / "proj")
    versions = HISTORY_BYTES // VERSION + 8
    for n in range(versions):
        repo.write("big.txt", f"version {n}\n" * (VERSION // 11))
        repo.commit(f"v{n}", iso(9, n // 60, n % 60))
    read = list(file_history(pygit2.Repository(str(repo.path)), ["big.txt"]))
    assert sum(len(data) for _, data in read) <= HISTORY_BYTES
    assert read and read[0][1].startswith(f"version {versions - 1}\n".encode())  # the newest first
