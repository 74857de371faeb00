"""Ground truth: a real Copilot CLI session of the public repository jjwvanboxtel/poule_v2, checked by hand.

The log (../shared/corpus/copilot/jjwvanboxtel__poule_v2__...d5b1506c-...__events.jsonl, Copilot CLI
1.0.10 on Windows, cwd `C:\\Github\\poule_v2`, 2026-03-21 12:58-13:41 UTC) wrote a PHP migration and
seed tool and set up a speckit constitution, with `create` and `edit` calls on backslashed absolute
paths; two `create`s failed (their folder did not exist yet) and were retried after a PowerShell
`New-Item`. Its work was committed in 6137619 ("Old poule + speckit init", 13:56 UTC), which also
holds the session's own events.jsonl. The repository is cloned from its fetched mirror into a
temporary folder, never committed here. Each expectation was decided by hand, not from the tool's
output: the session's successful calls were replayed in order (create = the file's text, edit =
old_str -> new_str) and the result compared with `git show 6137619:PATH`, and `git log --follow`
showed each file's later history:

- every file the session touched was changed by no commit after 6137619 up to the reference;
- scripts/generate_migrations_and_seed.php, scripts/migrate.php, scripts/seed.php (created, then
  one edit adding `SET FOREIGN_KEY_CHECKS=0` with its comment) and
  database/migrations/000_drop_tables.sql: the replayed text equals the committed one line for line:
  alive;
- .specify/templates/plan-template.md: the edit's `Gates determined based on the repository
  constitution ...` line is in 6137619 as written: alive;
- .specify/memory/constitution.md: the create's 64 lines reached 6137619 except its four
  "Development Workflow" bullets, which the user had replaced by two shorter ones before the commit,
  the three Sync Impact Report lines the session's own edit f6300efb replaced and the `**Version**`
  line its last edit 7ed78865 replaced: transformed. Those two edits' lines (`**Ratified**:
  2026-03-21`) are in the commit as written: alive.

All 9 patches are asserted (9/9 agreed before any change to the trail).
Judged at 5856c0e (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "copilot" / (
    "jjwvanboxtel__poule_v2__.copilot__session-state__d5b1506c-19d6-4e6a-818c-89a50c48bb34__events.jsonl"
)
LOGGED_ROOT = "c:/github/poule_v2"  # C:\Github\poule_v2, as the trail folds a Windows path
REF = "5856c0e8d2c79377be3312f59abedb570237eb2a"
INIT = "6137619e82ba6fea65cf2752d47b33235d826ec8"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    (
        "792853c1-c72a-4548-9d90-0a73ecdad3c5:1",
        "scripts/generate_migrations_and_seed.php",
        "alive",
        INIT,
        None,
    ),
    ("2de2dbc5-b2d2-415d-9b52-313e660561b8", "scripts/migrate.php", "alive", INIT, None),
    ("6dcab084-4217-4992-874d-bdc18ac8909e", "scripts/seed.php", "alive", INIT, None),
    ("8816b83b-9780-4da6-897b-c9d0e5a89410", "database/migrations/000_drop_tables.sql", "alive", INIT, None),
    ("115ef405-37a3-4b07-a1bb-aa468d3c4c2c", "scripts/seed.php", "alive", INIT, None),
    ("6439d026-6f0d-4113-bc89-83aa26d8862a", ".specify/memory/constitution.md", "transformed", INIT, None),
    ("68d8e9a5-8c75-430c-bbe4-177bddb53f60", ".specify/templates/plan-template.md", "alive", INIT, None),
    ("f6300efb-432f-4a91-9fe0-f6c17cf71e35", ".specify/memory/constitution.md", "alive", INIT, None),
    ("7ed78865-383b-46eb-8b51-4afb8d8081f9", ".specify/memory/constitution.md", "alive", INIT, None),
]


def the_windows_paths_map_onto_the_clone_and_every_patch_is_judged(judged: Judged) -> None:
    assert len(judged.fates) == len(TRUTH) == 9
    assert not [f for f in judged.fates if f.state == "unknown" or f.patch.partial or "\\" in f.patch.path]


def the_constitution_lines_the_user_reworded_before_the_commit_are_the_ones_missing(judged: Judged) -> None:
    [create] = [f for f in judged.fates if f.patch.step_id.startswith("6439d026")]
    # 4 bullets replaced by the user, 3 + 1 lines by the session's own later edits (never committed)
    assert create.superseded_by == "f6300efb-432f-4a91-9fe0-f6c17cf71e35"
    assert (create.kept, create.changed + create.dropped) == (create.evidence - 8, 8)


POULE_V2 = GroundTruth(
    "poule_v2",
    CorpusLog("copilot", LOG, "jjwvanboxtel", "poule_v2", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][:8]}:{t[1]}",
    checks=(
        the_windows_paths_map_onto_the_clone_and_every_patch_is_judged,
        the_constitution_lines_the_user_reworded_before_the_commit_are_the_ones_missing,
    ),
    corpus=True,
)
