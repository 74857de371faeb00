"""Ground truth: three real OpenCode sessions of the public repository richardaiand/aiand-portfolio-web,
checked by hand.

The repository is a home folder (`/home/build`) whose first commit, 248bbfc ("Initial portfolio
commit", 2026-06-18 02:04:57 UTC), took everything in it, OpenCode's own database too: an
opencode.db of OpenCode 1.17.3 (a fork's build, `1.17.3-aiand.1`) with a 4 MB -wal beside it, where
the last transactions live. It holds three root sessions with 17 patches, all under /home/build:
"Greeting" (2026-06-17 05:37 - 06-18 00:54, kimi-k2.6) wrote index.html, styles.css and script.js,
then edited them (a custom cursor with a crosshair, later a plain cursor and a colour change); "Flask
server ..." (01:37) wrote server.py, requirements.txt and Procfile; "Commit and push ..." (01:56)
wrote .gitignore and made the commit. Later commits: 71cd84b (kept the portfolio files, .gitignore
grew its own rules), 9710202 and e5fbec6 (index.html: a photo, two links), 81aff26 (removed the
skills section: 103 lines of index.html, 125 of styles.css, 39 of script.js). The database is read
from the mirror at 248bbfc into a temporary folder, never committed here. Each expectation was decided
by hand, not from the tool's output: every edit part's input (write = `content`, edit = `oldString`
-> `newString`) was compared with `git show 248bbfc:PATH` and `git show 81aff26:PATH`, and
`git log -S`/`-G` on the cursor lines showed no commit after 248bbfc touched them:

- the three first writes: in 248bbfc whole except what the session's own later edits replaced; at
  the reference, 81aff26 had removed the skills section from each: transformed;
- the edit adding the crosshair cursor to index.html (five lines): the session replaced its comment
  and the two crosshair divs an hour before the commit; its cursor-dot and cursor-ring divs are in
  248bbfc and unchanged at the reference: transformed (the trail said lost, kept 2: fixed);
- the edit adding the cursor's code to script.js (51 lines): 28 replaced by the session's rewrite
  before the commit, the rest in 248bbfc and at the reference: transformed (the trail said lost);
- the cursor's CSS (80 lines, 24 replaced before the commit) and the rewrite of the cursor code (38
  lines, some replaced again by the session, one line of the selector list changed by 81aff26):
  transformed;
- `initCursor();`, the plain-cursor comment, the rewritten cursor lines, the colour edit: in 248bbfc
  and at the reference as written: alive; the two pure deletions (the mouse-trail block, the
  crosshair CSS): still deleted at the reference (`git log -S"Mouse Trail Effect"`, `-S"crosshair"`
  find 248bbfc only, which never had them): alive;
- server.py, requirements.txt, Procfile, .gitignore: written whole, unchanged since 248bbfc but for
  .gitignore's new rules above the session's five lines: alive.

All 17 patches are asserted (15/17 agreed before the fix in trail.evidence.reached).
Judged at 81aff26 (main when the mirror was fetched).
"""

from __future__ import annotations

from support.ground_truth import GroundTruth, Judged, opencode_db_fates

OWNER, NAME = "richardaiand", "aiand-portfolio-web"
LOGGED_AT = "248bbfcbdf2d83c13f830d6dbb1d704fb0dbad58"  # the commit that holds the database
REF = "81aff26275ed98491f7d974832318745b0664494"
DB = ".local/share/opencode/opencode.db"
C = LOGGED_AT

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("prt_ed42dd3ab001hi1zszFUEICqpF", "index.html", "transformed", C, None),
    ("prt_ed42e2e280014zkad2MOFH7UPC", "styles.css", "transformed", C, None),
    ("prt_ed42ea810001UYgVuHj82og9Ea", "script.js", "transformed", C, None),
    ("prt_ed444b0d1001sc8EqHKHJtLRFv", "index.html", "transformed", C, None),
    ("prt_ed444be93001hkj7mUNeQIs66G", "styles.css", "transformed", C, None),
    ("prt_ed444d60d001ta4MknViDtxkDe", "script.js", "transformed", C, None),
    ("prt_ed444f29b001exO4qvLPL5qIIa", "script.js", "alive", C, None),
    ("prt_ed448243d001fOx0Igp3ZwtuCM", "script.js", "transformed", C, None),
    ("prt_ed4485230001qhC54hdd7g6lj5", "script.js", "alive", C, None),
    ("prt_ed8356aa2001MnKGT90c10G4Rt", "index.html", "alive", C, None),
    ("prt_ed83575a9001nFEpz66ROXqkO1", "styles.css", "alive", C, None),
    ("prt_ed83593370012H19BXNmCd8hrR", "script.js", "alive", C, None),
    ("prt_ed838c48200126AeZgkYegsBEG", "styles.css", "alive", C, None),
    ("prt_ed860571e0019diK9vMlfAFHsa", "server.py", "alive", C, None),
    ("prt_ed8605912001IBikYRg8W9iVQl", "requirements.txt", "alive", C, None),
    ("prt_ed860597a001titJfZLO0rLIGg", "Procfile", "alive", C, None),
    ("prt_ed8794c0c001nbNsfS2S4Kn12B", ".gitignore", "alive", C, None),
]


def judge(tmp_path_factory) -> Judged:
    clone, sessions, fates = opencode_db_fates(
        tmp_path_factory, OWNER, NAME, LOGGED_AT, DB, REF, "/home/build"
    )
    # Counted from the part rows, and the model change the reader adds where a message's model differs
    # from the one before it with no part saying so (the third session: deepseek-v4-flash, then kimi-k2.6).
    assert sorted(len(s.steps) for s in sessions) == [29, 48, 194]
    assert sorted(sum(x.kind == "model_change" for x in s.steps) for s in sessions) == [0, 0, 1]
    assert not any(s.skipped or s.errors for s in sessions)
    return Judged(clone, {"": fates})


def every_patch_is_checked(judged: Judged) -> None:
    assert len(judged.fates) == len(TRUTH)


AIAND_PORTFOLIO_WEB = GroundTruth(
    "aiand-portfolio-web",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0][-8:]}:{t[1]}",
    checks=(every_patch_is_checked,),
)
