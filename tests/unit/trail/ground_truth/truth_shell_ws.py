r"""Ground truth: a real Codex session of the public repository Quelklef/shell-ws, checked by hand.

The log (../shared/corpus/codex/Quelklef__shell-ws__...019d021f-...jsonl) built shell-ws from an
almost empty folder (a package.json and a shell.nix, no git) with 9 successful `apply_patch` calls
(43 patches, 18:54-19:08 UTC); the 8 later calls failed and the agent went on with shell commands
(heredocs, node and python scripts). Its last command (L2309, 20:54:30 UTC) rewrote `.gitignore`,
ran `git init` and made the first commit 044184a, which holds every file the session touched. The
repository is cloned from its fetched mirror into a temporary folder, never committed here. Each
expectation was decided from the history (`git show 044184a:PATH`, `git diff 044184a REF`,
`git log -S`) and from the log's own commands, not from the tool's output:

- package.json, shell.nix: "Delete File" then "Add File" in one call (a rewrite of the files the
  folder had, read as one `write`); the new texts are in 044184a and at the reference (package.json
  gained one dependency line, the patch's lines are all there): alive. Cargo.toml, kernel/Cargo.toml,
  ui/index.html, ui/tsconfig.node.json (the session's heredoc at L856 added a "target" line, the
  patch's lines stay), kernel/src/lib.rs: alive.
- ui/src/styles/app.css (L499) was a 2-line stub; L695's "Add File" over it kept both lines: alive.
- ui/src/App.tsx (L499) was a 3-line stub (`export default function App() {`, `return null;`);
  L695 deleted and re-added the file, keeping the declaration and replacing the body: the
  declaration reached 044184a and stands, `return null;` was replaced in the session (the
  commit's `return null;` lines sit in other functions, written later by shell commands):
  transformed, not alive.
- L695's App.tsx is one rewrite of the stub (Delete File then Add File): most of it reached 044184a,
  much was edited since: transformed.
- .gitignore (L499): the session's own last command replaced it (`node_modules/`, `target/`, ...)
  before the first commit; only `.DS_Store` is alike: lost.
- ui/vite.config.ts (L499): rewritten by the session's heredoc (L839) before the commit, one line
  changed (`vitest/config`): the rest reached 044184a, so transformed.
- PLAN.md: committed in 044184a, deleted by a4163e3 ("various repo/config changes"), its text
  nowhere else: reverted. AGENTS.md, flake.nix, ui/package.json: committed, then partly edited:
  transformed.
- kernel/src/workspace_store.rs (L571): its `load()` statement was rewritten later (the
  `let workspace: Workspace =` left at the reference is a twin in `list()`): transformed.
- kernel/src/execution.rs (L650): the three `Arc::clone(self)` -> `self.clone()` lines reached
  044184a; 707a502 replaced each in place by `let events_tx = self.events_tx.clone();`: transformed.
- Shell writes (each its step's own since truth20): L839's heredoc of ui/vite.config.ts (one line,
  `vitest/config`), L856's ui/tsconfig.node.json (`"target": "ES2022"`), L900's flake.nix
  (`pkgs.just`): in 044184a and at the reference: alive. L900's README.md reached 044184a; 077b71f
  rewrote the README (`# \`shell-ws\``, another summary): transformed. L2013's kernel/src/main.rs (its
  three `use`/field lines) reached 044184a and were rewritten since (`use std::{`): transformed.
- kernel/src/model.rs (L571): alive; execution.rs (L520, a 900-line file), main.rs (L579),
  ui/src/lib/types.ts and layout.test.ts (L695): committed, then edited: transformed.

- The other shell writes, read by hand in truth21 (`git show 044184a:PATH`, `git diff 044184a REF`):
  L839's ui/src/lib/types.ts (`FlowEdge`'s line rewritten since), format.tsx (its `display-code`
  line) and format.test.tsx (its one line, edited since): transformed; its ShellNode.tsx (10 of 16
  lines rewritten by the later node and python scripts before the commit, which no patch owns) and
  App.tsx (L2029's heredoc wrote the file anew 20 minutes later; 3 of its lines are in 044184a):
  transformed; L900's justfile: every line in 044184a and now: alive; L2029's App.tsx (468 lines)
  reached 044184a and much of it was edited since: transformed.

Judged at 077b71f (main when the mirror was fetched).
"""

from __future__ import annotations

from shared_data import CORPUS
from support.ground_truth import CorpusLog, GroundTruth, Judged

LOG = CORPUS / "codex" / (
    "Quelklef__shell-ws__.codex__sessions__2026__03__18__"
    "rollout-2026-03-18T11-04-43-019d021f-1244-77d2-b5aa-ba1d70f11e87.jsonl"
)
LOGGED_ROOT = "/per/dev/shell-ws"
REF = "077b71f6bb5e3db3407eb0568915ed08ac411a0a"
FIRST = "044184aacc6683c4f7951b104db1c56ba3fc4a39"

# (step id, path, state, accepting commit, path_now)
TRUTH = [
    ("L499", "package.json", "alive", FIRST, None),
    ("L499", "shell.nix", "alive", FIRST, None),
    ("L499", "flake.nix", "transformed", FIRST, None),
    ("L499", "Cargo.toml", "alive", FIRST, None),
    ("L499", "PLAN.md", "reverted", FIRST, None),
    ("L499", "AGENTS.md", "transformed", FIRST, None),
    ("L499", ".gitignore", "lost", None, None),
    ("L499", "kernel/Cargo.toml", "alive", FIRST, None),
    ("L499", "ui/package.json", "transformed", FIRST, None),
    ("L499", "ui/tsconfig.node.json", "alive", FIRST, None),
    ("L499", "ui/vite.config.ts", "transformed", FIRST, None),
    ("L499", "ui/index.html", "alive", FIRST, None),
    ("L499", "ui/src/App.tsx", "transformed", FIRST, None),
    ("L499", "ui/src/styles/app.css", "alive", FIRST, None),
    ("L520", "kernel/src/execution.rs", "transformed", FIRST, None),
    ("L520", "kernel/src/lib.rs", "alive", FIRST, None),
    ("L571", "kernel/src/model.rs", "alive", FIRST, None),
    ("L571", "kernel/src/workspace_store.rs", "transformed", FIRST, None),
    ("L579", "kernel/src/main.rs", "transformed", FIRST, None),
    ("L650", "kernel/src/execution.rs", "transformed", FIRST, None),
    ("L695", "ui/src/App.tsx", "transformed", FIRST, None),
    ("L695", "ui/src/lib/types.ts", "transformed", FIRST, None),
    ("L695", "ui/src/lib/layout.test.ts", "transformed", FIRST, None),
    ("L839", "ui/vite.config.ts", "alive", FIRST, None),
    ("L856", "ui/tsconfig.node.json", "alive", FIRST, None),
    ("L900", "flake.nix", "alive", FIRST, None),
    ("L900", "README.md", "transformed", FIRST, None),
    ("L2013", "kernel/src/main.rs", "transformed", FIRST, None),
    ("L839", "ui/src/lib/types.ts", "transformed", FIRST, None),
    ("L839", "ui/src/lib/format.tsx", "transformed", FIRST, None),
    ("L839", "ui/src/components/ShellNode.tsx", "transformed", FIRST, None),
    ("L839", "ui/src/App.tsx", "transformed", FIRST, None),
    ("L839", "ui/src/lib/format.test.tsx", "transformed", FIRST, None),
    ("L900", "justfile", "alive", FIRST, None),
    ("L2029", "ui/src/App.tsx", "transformed", FIRST, None),
]


def a_rewrite_by_delete_then_add_is_the_change_from_the_stub(judged: Judged) -> None:
    [rewrite] = [f for f in judged.fates if (f.patch.step_id, f.patch.path) == ("L695", "ui/src/App.tsx")]
    # the stub's body is the rewrite's one removed line; its kept declaration is context, not new
    assert (rewrite.patch.op, rewrite.patch.removed) == ("write", ["  return null;"])
    assert "export default function App() {" not in rewrite.patch.added
    [stub] = [f for f in judged.fates if (f.patch.step_id, f.patch.path) == ("L499", "ui/src/App.tsx")]
    assert stub.superseded_by == "L695"


def every_patch_of_the_session_is_judged(judged: Judged) -> None:
    assert sum(f.patch.origin != "shell" for f in judged.fates) == 43
    assert sum(f.patch.origin == "shell" for f in judged.fates) == 12  # heredocs whose text the log holds
    assert not [f for f in judged.fates if f.state == "unknown" or f.patch.partial]


SHELL_WS = GroundTruth(
    "shell-ws",
    CorpusLog("codex", LOG, "Quelklef", "shell-ws", REF, LOGGED_ROOT),
    TRUTH,
    columns=("step", "path", "state", "commit", "path_now"),
    label=lambda t: f"{t[0]}:{t[1]}",
    checks=(a_rewrite_by_delete_then_add_is_the_change_from_the_stub, every_patch_of_the_session_is_judged),
    corpus=True,
)
