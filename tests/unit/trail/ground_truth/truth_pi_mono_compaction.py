"""Ground truth: the Pi session of badlogic/pi-mono kept as its "before-compaction" test fixture,
checked by hand.

The log (../shared/corpus/pi/badlogic__pi-mono__packages__coding-agent__test__fixtures__before-
compaction.jsonl, 136 patches, 2025-12-08 22:41 to 2025-12-09 00:2x UTC) refactored the coding agent
into AgentSession and modes, committing as it went (1507f8b7 at 22:54 UTC to 0c1a9c30 at 00:23). The
repository is cloned from its fetched mirror into a temporary folder, never committed here. Each row
was decided from the history (`git log -S`, `git log --follow`, `git show REF:path`), not from the
tool's output:

- reverted by the owner: L26 wrote docs/refactor.md (1507f8b7 added it, 6c9a264b removed it); L830:1
  wrote DEVELOPMENT.md (0c1a9c30, removed by ce637f3e "Remove obsolete DEVELOPMENT.md"); L840:1's
  README link `- [Development](#development)` (0c1a9c30, gone with efc598b6's new README).
- reverted by the session itself, in a later commit: L83's one-line `export { AgentSession, ... }`
  (29d96ab2) became L231:1's multi-line export (94ff0b09); L341's `expandSlashCommand` import
  (e9f6de7c) was taken out again by L511 (00982705).
- lost: L311's `DELETED_runSingleShotMode` stub is in no commit of any branch (`git log -S --all`);
  L317:1 removed it before the next commit.
- alive in the file's new home: L611:1 and L613:1 rewrote utils/config.ts's path lookup (6adfb642),
  14d99b5f moved the file to src/config.ts, where every added line stands at the reference.
- alive: L251's `type SessionStats,` in core/index.ts's export list.

Judged at 83378aa (main when the mirror was fetched), as the other pi-mono sessions.
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "pi" / "badlogic__pi-mono__packages__coding-agent__test__fixtures__before-compaction.jsonl"
LOGGED_ROOT = "/Users/badlogic/workspaces/pi-mono"
REF = "83378aad7e74a0e2bb8f37c007a9685fb4609d8a"
CA = "packages/coding-agent/"

# (step id, path, state, accepting commit (a prefix), path_now)
TRUTH = [
    ("L26", CA + "docs/refactor.md", "reverted", "1507f8b7", None),
    ("L830:1", CA + "DEVELOPMENT.md", "reverted", "0c1a9c30", None),
    ("L840:1", CA + "README.md", "reverted", "0c1a9c30", None),
    ("L83", CA + "src/core/index.ts", "reverted", "29d96ab2", None),
    ("L341", CA + "src/main-new.ts", "reverted", "e9f6de7c", None),
    ("L311", CA + "src/main-new.ts", "lost", None, None),
    ("L611:1", CA + "src/utils/config.ts", "alive", "6adfb642", CA + "src/config.ts"),
    ("L613:1", CA + "src/utils/config.ts", "alive", "6adfb642", CA + "src/config.ts"),
    ("L251", CA + "src/core/index.ts", "alive", "934c2bc5", None),
]


def the_stub_no_commit_held_was_replaced_by_the_next_step(judged: Judged) -> None:
    [stub] = [f for f in judged.fates if f.patch.step_id == "L311"]
    assert (stub.superseded_by, stub.kept, stub.commits) == ("L317:1", 0, [])


PI_MONO_COMPACTION = GroundTruth(
    "pi-mono-before-compaction",
    CorpusLog("pi", LOG, "badlogic", "pi-mono", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    prefixed=frozenset({"commit"}),
    checks=(the_stub_no_commit_held_was_replaced_by_the_next_step,),
    corpus=True,
)
