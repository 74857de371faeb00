"""Ground truth: a real OpenCode session of the public repository suhd550-dev/stunning-memory, by hand.

The repository holds OpenCode's own opencode.db (OpenCode v1.16.0, committed in 7b38109 "add
opencode.db snapshot", 2026-07-30 14:14:33 UTC) with one session, "New session - ..." (14:04-14:14,
deepseek-v4-flash, cwd /workspace, the repository's root): it rewrote SPEC.md, then wrote
sync-sessions.sh four times, each write followed within a minute or two by a commit of the agent's.
The database is read from the mirror into a temporary folder, never committed here. Each expectation
was decided by hand from `git show REV:PATH` and `git log` of both files, not from the tool's output:

- SPEC.md (14:05:23): its 105 new lines are all in 8e5a135 (14:07:03); twenty later commits added
  sources, and 97 of them are at the reference: transformed;
- sync-sessions.sh, write 1 (14:09:47, copy workspace -> home): the next write (14:10:26) replaced
  every line of it but `#!/bin/bash` and a `fi` before any commit: lost. A later write (14:12:06)
  wrote most of the same lines again with source and target swapped, and 31ff430 holds those; they
  are that write's lines, not this one's (the trail read transformed at 31ff430 until a line written
  again after a commit stopped counting as this write's moved). The shebang and the `fi` the second
  write kept carry nothing of their own (every version of any script has them): they are not this
  write reaching 7312fcb (the trail read transformed at 7312fcb until lines that carry nothing stopped
  counting as a patch's surviving own lines when they are all that survives); at 31ff430 it is wrong
  either way;
- write 2 (bidirectional, 17 lines): 7312fcb (14:11:32) is exactly its text; 31ff430 replaced it by a
  one-way copy that keeps its "pull" half with renamed variables: transformed;
- write 3 (14:12:06): 31ff430 (14:12:09) is exactly its text; 7b38109 renamed the database in its
  SRC and DST lines: transformed;
- write 4 (14:14:28): 7b38109 is exactly its text, and so is the reference: alive.

All 5 patches are asserted, 5/5 agree. Judged at 6ddc164 (main when the mirror was fetched).
"""

from __future__ import annotations

from support.ground_truth import GroundTruth, Judged, opencode_db_fates

OWNER, NAME = "suhd550-dev", "stunning-memory"
LOGGED_AT = "7b38109fb446018a25bb3d5fe35428abb2242041"
REF = "6ddc1641344a320f7572ac5e481f101328ac29a8"
SPEC_AT = "8e5a1356896627717dcedbbe51c7b05544621caa"
BIDI = "7312fcb544a21b6309b75bda76e127d034c07543"
ONE_WAY = "31ff4309514d14560d6c9f5b3078c46374f7f470"
SYNC = "sync-sessions.sh"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("prt_fb357eec4001WGs8lFotT7ONf6", "SPEC.md", "transformed", SPEC_AT, None),
    ("prt_fb35cb7c30015J2t8mdH0Mho2f", SYNC, "transformed", BIDI, None),
    ("prt_fb35e41d20010e7WfEjZTOWmF4", SYNC, "transformed", ONE_WAY, None),
    ("prt_fb36068b7001kaBPTGRJIZSbJF", SYNC, "alive", LOGGED_AT, None),
]
FIRST_WRITE = ("prt_fb35c1ffe001LQZeWbSLgvSy6k", SYNC, "lost", None, None)


def judge(tmp_path_factory) -> Judged:
    clone, sessions, fates = opencode_db_fates(
        tmp_path_factory, OWNER, NAME, LOGGED_AT, "opencode.db", REF, "/workspace"
    )
    assert [len(s.steps) for s in sessions] == [81]  # 8 prompts, 9 replies, 22 thoughts, 21 calls and results
    return Judged(clone, {"": fates})


def _fate(judged: Judged, want):
    [f] = [f for f in judged.fates if (f.patch.step_id, f.patch.path) == (want[0], want[1])]
    return (f.patch.step_id, f.patch.path, f.state, f.commit, f.path_now)


def a_write_replaced_before_any_commit_is_lost(judged: Judged) -> None:
    assert _fate(judged, FIRST_WRITE) == FIRST_WRITE


def every_patch_is_checked(judged: Judged) -> None:
    assert len(judged.fates) == len(TRUTH) + 1


STUNNING_MEMORY = GroundTruth(
    "stunning-memory",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][-8:]}:{t[1]}",
    checks=(a_write_replaced_before_any_commit_is_lost, every_patch_is_checked),
)
