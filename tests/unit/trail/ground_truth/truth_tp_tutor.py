"""Ground truth: a real Gemini CLI session of the public repository AnthonyontheHub/TP-Tutor, checked by
hand.

The log (.gemini/tmp/tp-tutor/chats/session-2026-04-25T01-53-b1b4c413.jsonl in the repository itself,
a v2 JSONL chat of the short-slug layout, project root /home/anthonyguera/TP-Tutor per the folder's
.project_root, 2026-04-25 01:53-02:36 UTC) reworked a toki pona tutor app ("jan Lina & Context
Overhaul", then a guest mode) with 45 `replace`/`write_file` calls, six of which failed: 39 patches.
The user committed at 02a1bc5a (21:30 -0500, 02:30 UTC) and cd13ee40 (21:36 -0500), then kept working
for a week. The log is read from the mirror and the repository cloned from it into temporary
folders, never committed here. Each expectation was decided by hand, not from the tool's output, with
`git log -S<added line> -- <file>`, `git show <commit>:<file>` and grep at the reference:

- 4979b0e7 (masteryStore: `setBio`, `bio: ''`, `bio: data.bio || ''`): `setBio` is in no commit of
  the file, nor any `bio` line at the reference: lost;
- 152510b4 (write_file of WordDetailDrawer: `const { cycleWordStatus, bio } = useMasteryStore();` and
  the `partsOfSpeech` dependency): `-S` on both finds no commit: lost;
- 7760dd31 (Dashboard `<Instructions isOpen={isHelpOpen} …/>`), efff7007 (ChatSession passes
  `state.bio`), 6c79a4e9 (ChatSession's empty auto-prefix `if`), f1e5fd50 (LoginPage "jan Lina's
  immersion"), 151dcea9 (Instructions' "Mastery Levels" and "jan Lina's Lore"): added in 02a1bc5a,
  removed by 212ec194 or 59edf851 (`-S` lists exactly those two commits), absent at the reference:
  reverted at 02a1bc5a;
- 1015fb92 (LoginPage "Guest progress is stored locally"): added in cd13ee40, removed in 59edf851:
  reverted at cd13ee40;
- 3ab35c00 (drops two stray comment lines the session itself had written in WordDetailDrawer): the
  lines are in no commit (`-S` finds none), so the deletion holds from 02a1bc5a on: alive;
- 9f6f9ea9 and 56dd8a78 (authStore `isGuest`, `skipSignIn`, the guest user, `isGuest: false` on
  logout) and a899e4cd (masteryStore skips the cloud for `guest_user`): every added line is at the
  reference unchanged (a comment and a call were inserted between them later), first in cd13ee40:
  alive;
- a1fe1528 (LoginPage's "Skip for now (Guest Mode)" button): in cd13ee40; the reference has the
  button with another label and `onClick={() => skipSignIn()}`: transformed;
- 06e19915 (masteryStore's `cycleWordStatus` and `STATUS_ORDER`, with `setBio`/`bio`): the
  cycleWordStatus lines reached 02a1bc5a and most are at the reference, the bio lines never did:
  transformed;
- cc18038f (the plan under /home/anthonyguera/.gemini/…/plans/): outside the project root, no clone
  holds it: unknown.

Sample: 15 of the 39 patches (every state, both commits, a write_file, a deletion, a file outside
the root); 15/15 agree. Left out as ambiguous: 90e404a1, whose bio textarea never reached a commit
but whose one changed margin line did (02a1bc5a) and was restyled away later.
Judged at e876c038 (main when the mirror was fetched).
"""

from __future__ import annotations

import subprocess

import pytest
from shared_data import mirror
from support.ground_truth import GroundTruth, Judged, judged_trail

from tracetui.sources import group

OWNER, NAME = "AnthonyontheHub", "TP-Tutor"
FOLDER = ".gemini/tmp/tp-tutor"
LOG_NAMES = ("chats/session-2026-04-25T01-53-b1b4c413.jsonl", "logs.json", ".project_root")
LOGGED_ROOT = "/home/anthonyguera/TP-Tutor"
REF = "e876c038cd2238986101d17d14a7f733d3e90e93"
FIRST = "02a1bc5a2a51122a7c6be05c6855b7ffffb7c83f"
SECOND = "cd13ee40a32510f003081a830261eec57642b27c"
C = "src/components/"
STORE = "src/store/masteryStore.ts"
AUTH = "src/store/authStore.ts"
PLAN = (
    "/home/anthonyguera/.gemini/tmp/tp-tutor/b1b4c413-03f8-4376-a26b-a09cec827b69/plans/"
    "jan-lina-overhaul.md"
)

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("cc18038f-c1f7-4590-8980-48dc4bf16f07:call:write_file_1777082339867_0", PLAN, "unknown", None, None),
    ("06e19915-082c-4c93-a036-a48d390c49fd:call:replace_1777082581987_0", STORE, "transformed", FIRST, None),
    ("4979b0e7-13a0-4a72-b70d-88ec7fcb3682:call:replace_1777082608972_0", STORE, "lost", None, None),
    (
        "152510b4-4ec3-446e-af58-5b557310cf5c:call:write_file_1777082687930_0",
        C + "WordDetailDrawer.tsx",
        "lost",
        None,
        None,
    ),
    (
        "7760dd31-730c-4f4b-bd87-dafd0a496d5e:call:replace_1777082753151_0",
        C + "Dashboard.tsx",
        "reverted",
        FIRST,
        None,
    ),
    (
        "efff7007-3231-4470-a4a6-669e3614ba0d:call:replace_1777082781740_0",
        C + "ChatSession.tsx",
        "reverted",
        FIRST,
        None,
    ),
    (
        "6c79a4e9-fa07-4f10-95da-1c7f6759d194:call:replace_1777082789343_0",
        C + "ChatSession.tsx",
        "reverted",
        FIRST,
        None,
    ),
    (
        "f1e5fd50-9e6f-4ec0-be2e-35d21b5115cf:call:replace_1777082794929_0",
        C + "LoginPage.tsx",
        "reverted",
        FIRST,
        None,
    ),
    (
        "151dcea9-19b1-4749-9611-beefbf13a7cf:call:replace_1777083885961_0",
        C + "Instructions.tsx",
        "reverted",
        FIRST,
        None,
    ),
    (
        "3ab35c00-566d-484d-9b80-acb6ab843f6d:call:replace_1777083955124_0",
        C + "WordDetailDrawer.tsx",
        "alive",
        FIRST,
        None,
    ),
    ("9f6f9ea9-35e6-4ace-8ce8-7954d6e31065:call:replace_1777084536327_0", AUTH, "alive", SECOND, None),
    ("56dd8a78-18d1-4e1f-b012-62b80efc5c9d:call:replace_1777084548947_0", AUTH, "alive", SECOND, None),
    (
        "a1fe1528-814a-442d-a01d-bc1d771250c8:call:replace_1777084557381_0",
        C + "LoginPage.tsx",
        "transformed",
        SECOND,
        None,
    ),
    ("a899e4cd-dd0f-46c1-a83f-178c9ab77a0d:call:replace_1777084579055_0", STORE, "alive", SECOND, None),
    (
        "1015fb92-389b-43bf-9fd2-04759e0be5b1:call:replace_1777084588286_0",
        C + "LoginPage.tsx",
        "reverted",
        SECOND,
        None,
    ),
]


def judge(tmp_path_factory) -> Judged:
    source = mirror(OWNER, NAME)
    if source is None:
        pytest.skip(f"{OWNER}/{NAME} was not fetched (fetch github:{OWNER}/{NAME})")
    folder = tmp_path_factory.mktemp("gemini") / FOLDER
    for name in LOG_NAMES:
        blob = subprocess.run(
            ["git", "--git-dir", str(source), "show", f"HEAD:{FOLDER}/{name}"], capture_output=True
        )
        if blob.returncode != 0:
            pytest.skip(f"the mirror of {OWNER}/{NAME} lacks {FOLDER}/{name}")
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(blob.stdout)
    # The mirror lacks the blobs of three other chat files, so a checkout stops short of them: the
    # clone is kept all the same (the trail reads commits, and the project's files are all there).
    clone = tmp_path_factory.mktemp(NAME) / "repo"
    subprocess.run(["git", "clone", "-q", str(source), str(clone)], capture_output=True)
    known = subprocess.run(
        ["git", "-C", str(clone), "cat-file", "-e", REF + "^{commit}"], capture_output=True
    )
    if known.returncode != 0:
        pytest.skip(f"the mirror of {OWNER}/{NAME} lacks {REF[:7]}")
    [files] = group("gemini", [folder / name for name in LOG_NAMES])
    result = judged_trail(files, LOGGED_ROOT, clone, REF)
    return Judged(clone, {"": result.fates})


def every_patch_of_the_session_is_judged(judged: Judged) -> None:
    assert len(judged.fates) == 39
    assert [f.patch.path for f in judged.fates if f.state == "unknown"] == [PLAN]


TP_TUTOR = GroundTruth(
    "TP-Tutor",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][:8]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(every_patch_of_the_session_is_judged,),
    corpus=True,
)
