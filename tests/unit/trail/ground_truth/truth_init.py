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

The sessions' shell writes (heredocs, each its step's own since truth20), read by hand in truth21:

- 6743 L146, L152, L182, L195 and L342 wrote scripts/aider_call.sh whole, each replaced by the next
  write (L152, L182, L195, L219's apply_patch, L354) before 8588ff4, whose 14-line wrapper is L219's
  and L354's: lost, superseded by the next; L354 (its 4 own lines) in 8588ff4 and unchanged: alive;
- 6743 L77 (aider_call.ps1): 17 of its lines replaced by L390 before 8588ff4, the rest in it, and
  6753 L106 edited its param block since: transformed, L390; L207 and L366 (aider_call_cli.py,
  written whole twice; L243 and L378 edited between): in 8588ff4 in part, and 6753 L112 edited it
  since: transformed, L243 and L378;
- 6743 L330 (.aider.conf.yml, 18 lines): 049a0c3 moved its `profiles:` block (13 lines) into
  docs/AIDER_PROFILES.yml and kept the first four: every line there, most in the new file: alive,
  path_now docs/AIDER_PROFILES.yml;
- 6753 L124 (docs/TEST.md) and L330 (docs/VERIFICATION.md): in 049a0c3: alive; L444 (VERIFICATION.md's
  command log): 049a0c3 holds the file written again after the session, with 20 of its lines and
  without its `(Details captured below …)` line: transformed.

All 10 of the first rows agreed before any change to the trail. Judged at 049a0c3 (HEAD when the mirror
was fetched).
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
CLI = "scripts/aider_call_cli.py"

# session -> [(step id, path, state, accepting commit (prefix), superseded_by)]
TRUTH = {
    "019a6743-ac58-7931-8f3d-d553053a44df": [
        ("L219", "scripts/aider_call.sh", "alive", FIRST, None),
        ("L255", WORKFLOW, "lost", None, "L414"),
        ("L390", PS1, "alive", FIRST, None),
        ("L77", PS1, "transformed", FIRST, "L390"),
        ("L146", "scripts/aider_call.sh", "lost", None, "L152"),
        ("L152", "scripts/aider_call.sh", "lost", None, "L182"),
        ("L182", "scripts/aider_call.sh", "lost", None, "L195"),
        ("L195", "scripts/aider_call.sh", "lost", None, "L219"),
        ("L207", CLI, "transformed", FIRST, "L243"),
        ("L330", ".aider.conf.yml", "alive", FIRST, None),
        ("L342", "scripts/aider_call.sh", "lost", None, "L354"),
        ("L354", "scripts/aider_call.sh", "alive", FIRST, None),
        ("L366", CLI, "transformed", FIRST, "L378"),
    ],
    "019a6753-671b-7133-89f2-da5ce1449704": [
        ("L106", PS1, "alive", REF, None),
        ("L136", WORKFLOW, "alive", REF, None),
        ("L191", "Makefile", "alive", REF, None),
        ("L239", "Makefile", "alive", REF, None),
        ("L378", CHECKS, "alive", REF, None),
        ("L474", CHECKS, "lost", None, "L480"),
        ("L480", CHECKS, "lost", None, None),
        ("L124", "docs/TEST.md", "alive", REF, None),
        ("L330", CHECKS, "alive", REF, None),
        ("L444", CHECKS, "transformed", REF, None),
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


def a_config_split_in_two_lives_where_most_of_it_went(judged: Judged) -> None:
    """6743 L330's .aider.conf.yml: 13 of its 17 lines moved to docs/AIDER_PROFILES.yml, 4 stayed."""
    [f] = [f for f in judged.of("019a6743-ac58-7931-8f3d-d553053a44df") if f.patch.step_id == "L330"]
    assert (f.state, f.path_now, f.kept, f.dropped) == ("alive", "docs/AIDER_PROFILES.yml", 17, 0)


INIT = GroundTruth(
    "Init-",
    judge,
    CASES,
    columns=("session", "step", "path", "state", "commit", "superseded_by"),
    prefixed=frozenset({"commit"}),
    label=lambda t: f"{t[0][4:8]}:{t[1]}",
    checks=(a_config_split_in_two_lives_where_most_of_it_went,),
)
