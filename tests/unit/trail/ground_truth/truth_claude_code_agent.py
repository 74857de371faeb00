"""Ground truth: a real Claude Code 1.0.72 session on Windows, of the public repository
17871787/claude_code_agent (a home folder, `C:\\Users\\jtowe`), checked by hand.

The log (.claude/projects/C--Users-jtowe/1fc213be-....jsonl, kept in the repository itself; 745 steps,
2025-08-09 18:21 - 08-10 08:36 UTC) ran a multi-agent ideation pipeline (JSON and briefs under
registry/), then built a web app in vibelog-pro/, with Write and Edit calls on backslashed paths
(`C:\\Users\\jtowe\\vibelog-pro\\js\\app.js`), committing as it went: 1ac2f14, 273d4d6, b348dcc, 7969d40,
ca7a3b9, 3eec417, 9038160, b8e9be9, b505cea on master, and e1892e9 (a README) on the branch main
only. The log is read from the mirror into a temporary folder and the repository cloned from it, never
committed here. For each of the 57 patches the call's text (Write `content`, Edit `new_string`
minus `old_string`) was looked for, line by line, in each commit after the call (`git show
REV:PATH`) and at the reference, and `git log --all` on the paths; 16 are asserted here:

- idea_analysis.json (a 490-line analysis written in the home folder's root): no commit on any
  branch has that path: lost;
- vibelog-pro/index.html's first write: all of it in 7969d40; one of its lines was changed by the
  session's later edit, committed in ca7a3b9: transformed. sw.js's first write likewise (ca7a3b9, one
  line changed by an edit committed in b8e9be9): transformed;
- vibelog-pro/README.md: only on the branch main (e1892e9), unchanged there: alive, judged on that
  branch;
- twelve more writes and edits, one or more from each commit (the three registry/ideas files of
  1ac2f14, final_scores.json's rewrite in 273d4d6, briefs in b348dcc, the index.html edits of
  ca7a3b9, 3eec417, 9038160 and b505cea, the app's modules): every line at the reference as
  written: alive.

All 57 agree with the trail (16 asserted, and the count of all). Judged at b505cea (master
when the mirror was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

OWNER, NAME = "17871787", "claude_code_agent"
LOG_AT = "2cadcfe1ffc2add4ab896e6a893a54beeeb90b32"
LOG = ".claude/projects/C--Users-jtowe/1fc213be-401e-4c3f-9fc8-e83ba4d86f12.jsonl"
REF = "b505cead3f06d84eb3dead985937d12e991bc8fb"
FIRST = "1ac2f14fa274731e6b8818165a0d71d615fce8ad"
SCORES = "273d4d65e7464c6e7795cd15bb16296b9aab9acf"
PIPELINE = "b348dcce86cf039804fa381905d9c3f9df65ef57"
APP = "7969d40ff552d17c374d76b00ee963b8db4cd7d3"
PWA = "ca7a3b9d01262d256fdc8d8a285edb74a9c1c049"
UNDO = "3eec4175f80fc6ab9d10831b715afc392c7d4253"
VOICE = "903816067c31f9e5ca39e043ad53dee0427312ab"
API = "b505cead3f06d84eb3dead985937d12e991bc8fb"
README = "e1892e96c36b23f44e45c5226547c4cab968d7b0"

# (step id prefix, path, state, accepting commit, judged on)
TRUTH = [
    ("a7f2e011", "registry/ideas/feature-visionary.json", "alive", FIRST, None),
    ("2d9f40a2", "registry/ideas/feasibility-realist.json", "alive", FIRST, None),
    ("d0a31ead", "registry/ideas/ux-advocate.json", "alive", FIRST, None),
    ("283c3644", "idea_analysis.json", "lost", None, None),
    ("91155a2b", "registry/scoring/final_scores.json", "alive", SCORES, None),
    ("26bc3719", "registry/scoring/briefs/1_storage-foundation-e1.md", "alive", PIPELINE, None),
    ("fad2249a", "vibelog-pro/index.html", "transformed", APP, None),
    ("8967b617", "vibelog-pro/js/app.js", "alive", APP, None),
    ("961665c0", "vibelog-pro/index.html", "alive", PWA, None),
    ("dcebbcab", "vibelog-pro/sw.js", "transformed", PWA, None),
    ("0d79db1e", "vibelog-pro/manifest.json", "alive", PWA, None),
    ("45e4a3b1", "vibelog-pro/index.html", "alive", UNDO, None),
    ("43c99da7", "vibelog-pro/index.html", "alive", VOICE, None),
    ("f4f58a99", "vibelog-pro/api/quick-entry.js", "alive", API, None),
    ("ae13ff2e", "vibelog-pro/index.html", "alive", API, None),
    ("a58f49b8", "vibelog-pro/README.md", "alive", README, "refs/remotes/origin/main"),
]


def judge(tmp_path_factory) -> Judged:
    repo = mirrored.clone(tmp_path_factory, OWNER, NAME, REF, checkout=False)
    # Laid out as Claude Code keeps it, under a home's .claude folder.
    staged = mirrored.committed(repo, LOG_AT, LOG, tmp_path_factory.mktemp("committed"))
    log = tmp_path_factory.mktemp("home") / ".claude" / LOG.split("/", 1)[1]
    log.parent.mkdir(parents=True)
    staged.rename(log)
    [files] = group("claude", [log])
    session = read_session(files)
    assert (session.version, len(session.steps), session.skipped, session.errors) == ("1.0.72", 745, {}, [])
    result = trail(session, repo=repo, ref=REF)
    assert result.note == f"paths under c:/users/jtowe (as logged) are read in {repo}"
    return Judged(repo, {"": result.fates})


def every_patch_of_the_session_is_judged_in_the_repository(judged: Judged) -> None:
    assert len(judged.fates) == 57
    assert not [f for f in judged.fates if f.state == "unknown"]


CLAUDE_CODE_AGENT = GroundTruth(
    "claude_code_agent",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "judged_at"),
    prefixed=frozenset({"step"}),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(every_patch_of_the_session_is_judged_in_the_repository,),
)
