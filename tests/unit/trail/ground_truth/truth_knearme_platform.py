"""Ground truth: four real Codex sessions of the public repository AaronBakerDev/knearme-platform,
checked by hand.

The author ran Codex 0.77-0.80 with its home inside the work folder and committed
`.codex/sessions/` (Dec 2025 - Jan 2026, cwd /Users/aaronbaker/knearme-workspace, or its
knearme-portfolio folder before the monorepo). The repository's history has two roots: the Next.js
app's own history (files at its top) and a monorepo begun in 864bfa8, into which `git subtree add`
(b75d41c, "Add 'apps/knearme-portfolio/' from commit '8cb8359'") merged the app under
apps/knearme-portfolio/. Each rollout is read from the commit that holds it; the repository is cloned
from its fetched mirror (which lacks three large blobs) into a temporary folder, never committed here.
Each expectation was decided by hand, not from the tool's output: each patch's added lines (whitespace
aside, lines the edit also removed left out) were counted in the file at the commits after the step
and at the reference (`git show`), `git log -S` read for lines no commit holds, and the files'
history read with `git log --all --full-history`:

- 019bbf1d (2026-01-15 00:46-01:37 UTC, Puck editor and Payload admin polish, committed in bb096a6
  50 minutes later): L289 (puck.ts, 5 lines), L355 (Testimonials.tsx, 30 lines) and L544 (the
  keyboard handler's 2 lines) are at the reference as written: alive; L369 deleted the MediaRef
  interface from config.tsx (moved to types/puck.ts), which never came back: alive; L304 created
  color.ts, whose 56 lines bb096a6 holds and 3a4beb3 reworded 5 of: transformed; L490 (media
  route.ts, 37 lines) likewise lost one line to 3a4beb3: transformed; L333 added 2 lines of which
  the session's L528 rewrote the import before the commit, the other line is there: transformed;
- 019b8fa5 (2026-01-05, integrations/meta-graph-worker, committed in 864bfa8 nine days later, the
  folder unchanged since): L733 (vitest.config.ts) and L760 (webhooks.test.ts) are there whole:
  alive; L313 created posts.ts, 329 of whose 330 lines are there, the field list rewritten before
  the commit: transformed; L947 (four CLAUDE.md lines) and L1076 (ads.ts, `adContent.creative = {
  creative_id ... }`) are in no commit (`git log -S`: none; later sessions rewrote them): lost;
- 019b75b9 (2025-12-31, docs of the app, committed in 1769334 on the app's history): L463
  (multi-agent-architecture.md, 12 lines) and L658 (c4-container.md, 25 lines) are at the reference
  under apps/knearme-portfolio/ as written: alive, path_now there; L456 (docs/09-agent/README.md)
  reached 1769334 with 17 of its 18 lines and is so now: transformed. The trail said "reverted" for
  all 19 of its patches: the reference has no file at the old names, and the subtree merge, whose
  first parent never had them, was not followed as a rename (fixed in history._record);
- 019b65d2 (2025-12-28, committed in 8daf0f9): L283 (2 lines) and L396 (1 line) of the
  docs/09-agent notes are at the reference under apps/knearme-portfolio/: alive. The trail mapped
  the log's docs/09-agent folder onto the clone's top, since the monorepo's own README.md there
  matched one of the four files the session edited while history holds all four under
  knearme-portfolio/ (fixed in mapping._match).

17 patches asserted; 12/17 agreed before the two fixes. Judged at 3a4beb3 (main when the mirror
was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "AaronBakerDev", "knearme-platform"
REF = "3a4beb32d1010d7df12d214558ba4eb2e594290b"
MONO = "864bfa8c28aab46a319de054f309ba2c904c838a"
PUCK = "bb096a6fc9dd69ecd01caad6e593ef35ab59e9f2"
DOCS = "176933435405414e8501a26d8ed5a02d90e17728"
WIZARD = "8daf0f9bd1ca733bf03a460551b88667362410b9"
ROLLOUTS = ".codex/sessions/"
LOGS = {
    "019bbf1d": (REF, "2026/01/14/rollout-2026-01-14T19-46-10-019bbf1d-f6d4-7453-b803-6d1fba941887.jsonl"),
    "019b8fa5": (MONO, "2026/01/05/rollout-2026-01-05T14-32-46-019b8fa5-cd85-7ed1-b466-52d2502a1ccb.jsonl"),
    "019b75b9": (MONO, "2025/12/31/rollout-2025-12-31T13-44-16-019b75b9-987c-7a20-b89c-2770286f07dc.jsonl"),
    "019b65d2": (MONO, "2025/12/28/rollout-2025-12-28T11-37-16-019b65d2-404d-7122-b4a7-2b875054180c.jsonl"),
}
APP = "apps/knearme-portfolio/src/"
WORKER = "integrations/meta-graph-worker/"
MOVED = "apps/knearme-portfolio/"
CARDS = APP + "components/puck/Testimonials.tsx"
AGENT_DOCS = "docs/09-agent/"

# (session, step id, path, state, accepting commit, path_now)
TRUTH = [
    ("019bbf1d", "L289", APP + "types/puck.ts", "alive", PUCK, None),
    ("019bbf1d", "L304", APP + "lib/utils/color.ts", "transformed", PUCK, None),
    ("019bbf1d", "L333", CARDS, "transformed", PUCK, None),
    ("019bbf1d", "L355", CARDS, "alive", PUCK, None),
    ("019bbf1d", "L369", APP + "lib/puck/config.tsx", "alive", PUCK, None),
    ("019bbf1d", "L490", APP + "app/api/puck/media/route.ts", "transformed", PUCK, None),
    ("019bbf1d", "L544", CARDS, "alive", PUCK, None),
    ("019b8fa5", "L313", WORKER + "src/handlers/posts.ts", "transformed", MONO, None),
    ("019b8fa5", "L733", WORKER + "vitest.config.ts", "alive", MONO, None),
    ("019b8fa5", "L760", WORKER + "src/handlers/__tests__/webhooks.test.ts", "alive", MONO, None),
    ("019b8fa5", "L947", WORKER + "CLAUDE.md", "lost", None, None),
    ("019b8fa5", "L1076", WORKER + "src/handlers/ads.ts", "lost", None, None),
    ("019b75b9", "L456", AGENT_DOCS + "README.md", "transformed", DOCS, MOVED + AGENT_DOCS + "README.md"),
    (
        "019b75b9",
        "L463",
        AGENT_DOCS + "multi-agent-architecture.md",
        "alive",
        DOCS,
        MOVED + AGENT_DOCS + "multi-agent-architecture.md",
    ),
    (
        "019b75b9",
        "L658",
        "docs/03-architecture/c4-container.md",
        "alive",
        DOCS,
        MOVED + "docs/03-architecture/c4-container.md",
    ),
    (
        "019b65d2",
        "L283",
        AGENT_DOCS + "project-chat-unification.md",
        "alive",
        WIZARD,
        MOVED + AGENT_DOCS + "project-chat-unification.md",
    ),
    ("019b65d2", "L396", AGENT_DOCS + "README.md", "alive", WIZARD, MOVED + AGENT_DOCS + "README.md"),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, checkout=False)
    home = tmp_path_factory.mktemp("home")
    fates, notes = {}, {}
    for short, (commit, path) in LOGS.items():
        [files] = group("codex", [mirrored.committed(repo, commit, ROLLOUTS + path, home)])
        session = read_session(files)
        assert (session.skipped, session.errors) == ({}, [])
        result = trail(session, repo=repo, ref=REF)
        fates[short], notes[short] = result.fates, result.note
    return Judged(repo, fates, notes)


def the_app_sessions_are_read_where_the_app_was_its_own_repository(judged: Judged) -> None:
    repo, notes = judged.repo, judged.notes
    app = "/Users/aaronbaker/knearme-workspace/knearme-portfolio"
    assert notes["019b75b9"] == notes["019b65d2"] == f"paths under {app} (as logged) are read in {repo}"
    workspace = "/Users/aaronbaker/knearme-workspace"
    assert notes["019bbf1d"] == f"paths under {workspace} (as logged) are read in {repo}"


def no_patch_of_the_moved_app_reads_reverted(judged: Judged) -> None:
    for short in ("019b75b9", "019b65d2"):
        assert {f.state for f in judged.of(short)} <= {"alive", "transformed", "lost"}
        assert all(f.path_now and f.path_now.startswith(MOVED) for f in judged.of(short) if f.state != "lost")


KNEARME_PLATFORM = GroundTruth(
    "knearme-platform",
    judge,
    TRUTH,
    columns=("session", "step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(
        the_app_sessions_are_read_where_the_app_was_its_own_repository,
        no_patch_of_the_moved_app_reads_reverted,
    ),
)
