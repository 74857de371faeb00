"""Ground truth: a real OpenClaw (Pi format) session kept in VerveAILabs/openclaw-backup, checked by hand.

The log (../shared/corpus/pi/VerveAILabs__openclaw-backup__agents__main__sessions__22a2a42e-...jsonl,
2026-02-09 to 02-13 UTC) is an OpenClaw agent working in ~/.openclaw/workspace; the repository is the
agent's own backup of ~/.openclaw (agents/, workspace/, ...), kept in ~/.openclaw/openclaw-backup, a
folder the session set up itself (its empty .gitignore and its .env are the repository's root files). Its
three commits: b427702 (the first backup, 02-13 13:58 UTC), 4bda4a0 (credentials redacted), 381cec5
(an automated backup, 14:17). The repository is cloned from its fetched mirror into a temporary folder,
never committed here. Each expectation was decided by replaying the log's writes and string edits
(two edits failed and changed nothing) and comparing with `git show COMMIT:PATH`, not from the tool's
output:

- workspace/.gitignore, research/compliance-india-healthcare.md: committed as written, unchanged since:
  alive. scripts/check_gmail.py: the replayed text is the committed one, byte for byte; 23a45ef2 and
  f9dd319d are in it (alive), the first write (13593328) partly rewritten by them before the commit
  (transformed), and 3b0bd632's one added line (it strips the password's spaces) removed again by
  f9dd319d (lost).
- deliverables/HospiguardX_Project_Idea.doc: the second write (83a5e69e) is the committed file (alive);
  it kept 24 of the first write's 60 lines, so most of fbbdc0c6 never reached a commit (lost).
- workspace/secrets/gmail.json (both writes): `secrets/` is ignored, in no commit (lost).
- scripts/backup_openclaw.py (written 14:13, edited to 14:16): in no commit of any branch (lost).
- openclaw-backup/.env: its two lines are the first backup's .env; 381cec5 rewrote both (another key
  value, the comment gone): transformed, the file now .env at the root. Its .gitignore was written
  empty (no line to look for), ~/.netrc lies outside the repository (unknown).
- .gitignore at the root: a shell step (c14c2075, 02-12 14:55) ran `printf "workspace/\n" > .gitignore`
  in ~/.openclaw; b427702's .gitignore is empty, 381cec5 (the automated backup) added exactly
  `workspace/`, the reference: alive, accepted by 381cec5 (a row since truth20 made the step own it).

All 20 patches are asserted; 19/19 agreed before any change to the trail.
Judged at 381cec5 (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "pi" / (
    "VerveAILabs__openclaw-backup__agents__main__sessions__22a2a42e-6f87-47d6-958d-e10a0a8f4361.jsonl"
)
LOGGED_ROOT = "/home/ouss_ech/.openclaw"
REF = "381cec563d6734c97ee05a3736eff3f04638d74d"
FIRST = "b42770217b80f543a455607cf327cca497a48aad"
GMAIL = "workspace/scripts/check_gmail.py"
DOC = "workspace/deliverables/HospiguardX_Project_Idea.doc"
BACKUP = "workspace/scripts/backup_openclaw.py"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("5a4a8263:1", "workspace/.gitignore", "alive", FIRST, None),
    ("b14b2b24:1", "workspace/secrets/gmail.json", "lost", None, None),
    ("13593328:1", GMAIL, "transformed", FIRST, None),
    ("3b0bd632:1", GMAIL, "lost", None, None),
    ("cf06bfcc:1", "workspace/secrets/gmail.json", "lost", None, None),
    ("23a45ef2:1", GMAIL, "alive", FIRST, None),
    ("f9dd319d:1", GMAIL, "alive", FIRST, None),
    ("98dfe3c8", "workspace/research/compliance-india-healthcare.md", "alive", FIRST, None),
    ("fbbdc0c6:1", DOC, "lost", None, None),
    ("83a5e69e:1", DOC, "alive", FIRST, None),
    ("485a3514:1", "/home/ouss_ech/.netrc", "unknown", None, None),
    ("c14c2075:1", ".gitignore", "alive", "381cec563d6734c97ee05a3736eff3f04638d74d", None),
    ("96b7c25b:1", "openclaw-backup/.gitignore", "unknown", None, None),
    ("885f0836:1", "openclaw-backup/.env", "transformed", FIRST, ".env"),
    ("3bd70ec4:1", BACKUP, "lost", None, None),
    ("2fc16687:1", BACKUP, "lost", None, None),
    ("bd7a6ded:1", BACKUP, "lost", None, None),
    ("63f3a9e0:1", BACKUP, "lost", None, None),
    ("80eab162:1", BACKUP, "lost", None, None),
    ("dc0424c1:1", BACKUP, "lost", None, None),
]


def every_patch_is_asserted_and_the_edits_that_failed_gave_none(judged: Judged) -> None:
    assert len(judged.fates) == len(TRUTH)
    reasons = {f.patch.step_id: f.reason for f in judged.fates if f.state == "unknown"}
    assert reasons == {"485a3514:1": "outside the repository", "96b7c25b:1": "no line to look for"}
    lost = {f.patch.step_id: f.superseded_by for f in judged.fates if f.patch.path in (GMAIL, DOC)}
    assert (lost["3b0bd632:1"], lost["fbbdc0c6:1"]) == ("f9dd319d:1", "83a5e69e:1")


OPENCLAW_BACKUP = GroundTruth(
    "openclaw-backup",
    CorpusLog("pi", LOG, "VerveAILabs", "openclaw-backup", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(every_patch_is_asserted_and_the_edits_that_failed_gave_none,),
    corpus=True,
)
