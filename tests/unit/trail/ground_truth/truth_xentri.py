"""Ground truth: a real Codex CLI 0.63 session kept in carlo-spada/xentri, checked by hand.

The repository commits its own Codex sessions (`.codex/sessions`, moved to `.agents/.codex/sessions`
at 21c7ded). Rollout 019abdc5 (2025-11-26 01:26-04:52 UTC, gpt-5.1-codex-max, cwd
/Users/carlo/Desktop/Projects/xentri) rewrote docs/architecture.md step by step and wrote a
packages/ts-schema package and a CI workflow for it. Commits in and after the session (times UTC):
36a4fb0 (04:21, architecture decisions), e79ab79 (04:35, the ts-schema package and more of the
architecture), ca2d4fb (next day: docs/architecture.md moved to docs/platform/architecture.md),
205276e (the monorepo: tsconfig.schema.json renamed tsconfig.json, index.ts's imports made `./x.js`,
the validation summary rewritten), 3a202a2 and b63b41c (2025-12-04, "Remove source code": every
package deleted). Each expectation was decided with `git log -S`, `git show COMMIT:PATH` and
`git grep` at the reference, from the patch's added lines, not from the tool's output:

- L380 (one mermaid subgraph line): in 36a4fb0 and, verbatim, in docs/platform/architecture.md at
  the reference: alive.
- L373 (ten rows of the decision table), L394 (the deployment section): in 36a4fb0; at the reference
  the rows are there with their versions made less exact, the section cut to a table row and a
  heading of its own: transformed.
- L401 (six lines of open issues): in 36a4fb0, taken out again by the session's own later steps,
  which e79ab79 committed: reverted. L451, L456, L486, L546, L567 (API conventions, caching, the
  FR mapping, a cache map, the validation summary): in e79ab79, none of their lines (or a reworded
  one) at the reference: reverted. L461 (a first validation summary): replaced by L567 before any
  commit, in no commit: lost. L466 and L471 added no line: unknown.
- packages/ts-schema/README.md, src/api.ts, auth.ts, events.ts, cache.ts, index.ts and the schema
  CI workflow: added by e79ab79. The package went with b63b41c: reverted (index.ts has no file it
  lives in now: a sprint document that quoted its four lines, and was deleted itself, had been taken
  for one). The workflow is at the reference with five of its lines edited (quoting, a tool's
  version): transformed.
- L276 (the first decision table, 35 lines, 04:12): L373 replaced its rows before 36a4fb0, but its
  heading, table header, version note and four summary lines are new lines 36a4fb0 holds, and the
  heading is at the reference: it reached a commit, so transformed, not lost.

- L158 and L206 (two validation reports written by `cat > docs/validation-report-…Z.md <<'EOF'`, read
  by hand in truth21): added by 6532389 and 8f60126, deleted by ca2d4fb with the other old reports;
  their text is at the reference only inside the committed session logs: reverted.

22 patches asserted; the first 20 agree (18/20 before the fix for index.ts's path_now, 19/20 before lines a
later step replaced stopped counting against the commit that took the rest). Judged at bb18b78
(main when the mirror was fetched). The rename of tsconfig.schema.json (L591) and the readiness
report (L796) are left out: not checked by hand.
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

ROLLOUT = (
    ".agents/.codex/sessions/2025/11/25/"
    "rollout-2025-11-25T19-26-50-019abdc5-3898-79c2-892b-1f79fc3a7ed9.jsonl"
)
WITH_LOGS = "21c7deda59d1d5ad847eb4ce82111bbd69500cef"
REF = "bb18b78779df8ef2fc857692ee43958607cb9312"
DECISIONS = "36a4fb0e2aad6f5a7a01b14c7453f83985c8c638"
SCHEMA = "e79ab79cf259c385a8d2cfb8033b9a5bf8794165"
ARCH = "docs/architecture.md"
NOW = "docs/platform/architecture.md"
PKG = "packages/ts-schema/"
REPORTED = "6532389fdfd6568cd0ed180eedda2989a0542d33"
REPORTED_AGAIN = "8f60126ef677788d406e529111fb04981e89d823"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L373", ARCH, "transformed", DECISIONS, NOW),
    ("L380", ARCH, "alive", DECISIONS, NOW),
    ("L394", ARCH, "transformed", DECISIONS, NOW),
    ("L401", ARCH, "reverted", DECISIONS, NOW),
    ("L451", ARCH, "reverted", SCHEMA, NOW),
    ("L456", ARCH, "reverted", SCHEMA, NOW),
    ("L461", ARCH, "lost", None, None),
    ("L466", ARCH, "unknown", None, None),
    ("L471", ARCH, "unknown", None, None),
    ("L486", ARCH, "reverted", SCHEMA, NOW),
    ("L532", PKG + "README.md", "reverted", SCHEMA, None),
    ("L546", ARCH, "reverted", SCHEMA, NOW),
    ("L567", ARCH, "reverted", SCHEMA, NOW),
    ("L596", PKG + "src/api.ts", "reverted", SCHEMA, None),
    ("L601", PKG + "src/auth.ts", "reverted", SCHEMA, None),
    ("L606", PKG + "src/events.ts", "reverted", SCHEMA, None),
    ("L611", PKG + "src/cache.ts", "reverted", SCHEMA, None),
    ("L616", PKG + "src/index.ts", "reverted", SCHEMA, None),
    ("L621", ".github/workflows/schema-check.yml", "transformed", SCHEMA, None),
    ("L158", "docs/validation-report-20251126T021911Z.md", "reverted", REPORTED, None),
    ("L206", "docs/validation-report-20251126T040644Z.md", "reverted", REPORTED_AGAIN, None),
]


def judge(tmp_path_factory) -> Judged:
    clone = mirrored.clone(tmp_path_factory, "carlo-spada", "xentri", WITH_LOGS, REF)
    log = mirrored.committed(clone, WITH_LOGS, ROLLOUT, tmp_path_factory.mktemp("codex"))
    [files] = group("codex", [log])
    result = trail(read_session(files), repo=clone, ref=REF)
    assert result.note == f"paths under /Users/carlo/Desktop/Projects/xentri (as logged) are read in {clone}"
    return Judged(clone, {"": result.fates})


def _fate(judged: Judged, step: str, path: str):
    [f] = [f for f in judged.fates if (f.patch.step_id, f.patch.path) == (step, path)]
    return f


def a_patch_partly_replaced_before_its_commit_reached_it(judged: Judged) -> None:
    """Its rows, replaced by L373 before 36a4fb0, are not its own any more: it read lost, weighed against
    all 27 lines, though its heading and summary lines reached 36a4fb0 (the heading is at the reference)."""
    f = _fate(judged, "L276", ARCH)
    assert (f.state, f.commit, f.path_now) == ("transformed", DECISIONS, NOW)


XENTRI = GroundTruth(
    "xentri",
    judge,
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1].rsplit('/', 1)[-1]}",
    checks=(a_patch_partly_replaced_before_its_commit_reached_it,),
)
