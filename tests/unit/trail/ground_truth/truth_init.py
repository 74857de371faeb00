"""Ground truth: two real Codex CLI 0.39.0 sessions of the public repository R1DDL30510/Init-, checked by
hand.

The user ran Codex in WSL on a Windows folder (/mnt/c/Users/…/myfiles/node1) on 2025-11-09 to wire
an Aider wrapper into the repository: every edit is an `apply_patch` heredoc inside a shell call
(`bash -lc "apply_patch <<'PATCH' …"`). The first session (06:17-06:34 UTC) was committed in 8588ff4
(06:34 UTC), the second (06:35-07:00) in 049a0c3 (09:16 UTC), together with the session logs
(.codex/sessions/), which are read from the repository at that commit; the clone is made from the
fetched mirror into a temporary folder, never committed here. Each expectation was decided from
`git show`/`git log -S` and the log's own patches, not from the tool:

- 6743 L219 (scripts/aider_call.sh) and L390 (scripts/aider_call.ps1, 51 lines): every added line in
  8588ff4 and at the reference: alive;
- 6743 L255 (docs/WORKFLOW.md, one reworded paragraph line): L414 replaced that line at 06:33, a
  minute and a half before 8588ff4, which holds neither: lost, L414;
- 6753 L106 (aider_call.ps1's param block), L136 (the `make aider MSG="Fix typos in README"` line), L191
  and L239 (two `$$` escapes in the Makefile): in 049a0c3, unchanged since: alive;
- 6753 L378 (docs/VERIFICATION.md, a pure deletion of 39 lines of a pasted traceback): none of them is
  back in 049a0c3 but the `## POSIX Wrapper Runs` heading (at the head of a section written anew) and
  two code fences: alive;
- 6753 L474 (the same file, a log excerpt) was replaced by L480 ten seconds later, and 049a0c3 holds
  the file as it was written again after the session (it reports runs of 09:08 UTC), with neither's
  lines: L474 lost, L480; L480 lost.

All 10 agreed before any change to the trail. Judged at 049a0c3 (HEAD when the mirror was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

REF = "049a0c3b41ae11024589556a947a2dfa5312c148"
FIRST = "8588ff442f"
LOGGED_ROOT = "/mnt/c/Users/garvis.G1MVP/myfiles/node1"
SESSIONS = ".codex/sessions"
PS1 = "scripts/aider_call.ps1"
WORKFLOW = "docs/WORKFLOW.md"
CHECKS = "docs/VERIFICATION.md"

# session -> [(step id, path, state, accepting commit (prefix), superseded_by)]
TRUTH = {
    "019a6743-ac58-7931-8f3d-d553053a44df": [
        ("L219", "scripts/aider_call.sh", "alive", FIRST, None),
        ("L255", WORKFLOW, "lost", None, "L414"),
        ("L390", PS1, "alive", FIRST, None),
    ],
    "019a6753-671b-7133-89f2-da5ce1449704": [
        ("L106", PS1, "alive", REF, None),
        ("L136", WORKFLOW, "alive", REF, None),
        ("L191", "Makefile", "alive", REF, None),
        ("L239", "Makefile", "alive", REF, None),
        ("L378", CHECKS, "alive", REF, None),
        ("L474", CHECKS, "lost", None, "L480"),
        ("L480", CHECKS, "lost", None, None),
    ],
}
CASES = [(sid, *want) for sid, wants in TRUTH.items() for want in wants]


def judge(tmp_path_factory) -> Judged:
    """Each session's trail: its log taken from the repository at the reference, where it was committed."""
    repo = mirrored.clone(tmp_path_factory, "R1DDL30510", "Init-", REF)
    logs = mirrored.committed_folder(repo, REF, SESSIONS, tmp_path_factory.mktemp("logs"))
    found = {}
    for files in group("codex", sorted(p for p in logs if p.suffix == ".jsonl")):
        session = read_session(files)
        if session.id in TRUTH:
            result = trail(session, repo=repo, ref=REF)
            assert result.note == f"paths under {LOGGED_ROOT} (as logged) are read in {repo}"
            found[session.id] = result.fates
    assert sorted(found) == sorted(TRUTH)
    return Judged(repo, found)


INIT = GroundTruth(
    "Init-",
    judge,
    CASES,
    columns=("session", "step", "path", "state", "commit", "superseded_by"),
    prefixed=frozenset({"commit"}),
    label=lambda t: f"{t[0][4:8]}:{t[1]}",
)
