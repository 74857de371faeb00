"""Ground truth: a real OpenCode session of the public repository alessandrojcm/dhc-dashboard, by hand.

The log (../shared/corpus/opencode/alessandrojcm__dhc-dashboard__d1__c316c252ae__2__full.jsonl, an
OpenCode 1.18 export kept by the repository's checkpoint tool, session "Loops to Resend migration",
2026-08-22 16:39-19:21 UTC) worked in a git worktree
(/Users/alessandrojcm/.herdr/worktrees/dhc-dashboard/worktree-silver-forest-5b5f) and wrote 16
patches: two ADRs and three CONTEXT.md edits in the repository, and eleven ticket drafts in a temporary
folder (/var/folders/.../T/opencode/email-tickets/). The repository (940 commits, 96 branches) is
cloned from its fetched mirror into a temporary folder, never committed here. Each expectation was
decided by hand from the history, not from the tool's output:

- docs/adr/0021-swoosh-is-the-email-transport-seam.md and 0022-code-authored-templates-synced-to-
  resend.md: no commit on any branch has either path, and `git log --all -S"Email Transport Seam"`
  finds only the checkpoint branch's copies of session logs (full.jsonl, transcript.jsonl,
  prompt.txt, metadata.json under d1/c316c252ae/ and its siblings), not the files: lost;
- CONTEXT.md: `**Last updated:** 2026-08-22`, the three glossary rows (Transactional Email, Email
  Kind, Template) and the two ADR index rows are in no commit (`git log --all -S` on each finds the
  same log copies only); the reference, main's merge of #454 two hours after the session, still says
  `2026-08-10`: lost, all three;
- the eleven ticket drafts lie outside the repository: unknown, with that reason.

All 16 patches are asserted; 16/16 agreed before any change to the trail. The session's work may sit
on a branch the snapshot does not have; judged at the pinned reference and every branch fetched, it
never reached a commit.
Judged at 7e907d0 (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "opencode" / "alessandrojcm__dhc-dashboard__d1__c316c252ae__2__full.jsonl"
LOGGED_ROOT = "/Users/alessandrojcm/.herdr/worktrees/dhc-dashboard/worktree-silver-forest-5b5f"
REF = "7e907d08857ba69cac40902a15890dc1e96f28f9"
ADR_21 = "docs/adr/0021-swoosh-is-the-email-transport-seam.md"
ADR_22 = "docs/adr/0022-code-authored-templates-synced-to-resend.md"
TICKETS = "/var/folders/q8/ggpsqlyd2sdbfxjt7vscx3nw0000gn/T/opencode/email-tickets/"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("prt_02a7a32b8001jh1rS0iyTNuLcD", "CONTEXT.md", "lost", None, None),
    ("prt_02a7a4712001RlWFqJQCgQGQYE", "CONTEXT.md", "lost", None, None),
    ("prt_02a814771001NpVtgl9F96Eesz", ADR_21, "lost", None, None),
    ("prt_02a81c15c001KpTBPJIGoczv7X", ADR_22, "lost", None, None),
    ("prt_02a81c8c7001anLu7nkExs9O5Z", "CONTEXT.md", "lost", None, None),
]


def the_ticket_drafts_in_a_temporary_folder_are_outside_the_repository(judged: Judged) -> None:
    outside = [f for f in judged.fates if f.patch.path.startswith(TICKETS)]
    assert len(outside) == 11
    assert {(f.state, f.reason) for f in outside} == {("unknown", "outside the repository")}
    assert len(judged.fates) == len(TRUTH) + len(outside)


def copies_of_the_session_log_in_the_repository_are_not_taken_for_the_files(judged: Judged) -> None:
    # the checkpoint branch holds the log itself (every line the ADRs have, inside JSON strings)
    adrs = [f for f in judged.fates if f.patch.path.startswith("docs/adr/")]
    assert [(f.state, f.path_now, f.kept) for f in adrs] == [("lost", None, 0)] * 2


DHC_DASHBOARD = GroundTruth(
    "dhc-dashboard",
    CorpusLog("opencode", LOG, "alessandrojcm", "dhc-dashboard", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][-8:]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(
        the_ticket_drafts_in_a_temporary_folder_are_outside_the_repository,
        copies_of_the_session_log_in_the_repository_are_not_taken_for_the_files,
    ),
    corpus=True,
)
