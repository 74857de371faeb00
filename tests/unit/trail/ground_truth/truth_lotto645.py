"""Ground truth: five real Codex CLI 0.55.0 sessions of the public repository Kooksun/Lotto645,
checked by hand.

The user built a lotto web app with spec-kit in ~/PythonProjects/Lotto645 on 2025-11-06/07 (UTC):
the sessions wrote the constitution and templates under .specify/, the spec under specs/, and the
React app under frontend/, with `apply_patch` (as a custom tool, and as `bash -lc "apply_patch <<'PATCH'"`
shell calls). All of it reached one commit, e01e9ea (2025-11-07 01:44 UTC), together with the
session logs themselves (.codex/sessions/); a282da4 (four minutes later) took .codex/, .specify/,
.eslintignore and .npmignore out of git, and 2c4b9a9 (2025-11-20) redesigned the draw page. The logs are
read from the repository at e01e9ea; the clone is made from the fetched mirror into a temporary
folder, never committed here. Each expectation was decided from `git show`/`git log -S` and the log's
own patches and shell commands, not from the tool:

- 57e9 L108 (.specify/memory/constitution.md): 54 of its 63 non-blank lines are in e01e9ea, and
  a282da4 deleted the file: reverted, accepted by e01e9ea;
- 57e9 L313 (`*** Delete File` of specs/.../spec.md, a file spec-kit's script had made, so the log
  never shows its lines): L320 wrote it again 16 s later, the next day's e01e9ea holds it: lost, L320;
- 57e9 L618 (.gitignore) and L455 (contracts/firebase-realtime.md): every line at the reference: alive;
- 5820 L530 (deletes frontend/eslint.config.js, which L460 wrote) is undone by L537's `*** Add File`
  7 s later: lost, L537;
- 5820 L680 (.eslintignore, 12 lines) is in e01e9ea and a282da4 deleted the file: reverted;
- 5820 L701 (useNumberSelection.ts, a new 70-line hook): L708 rewrote the file 11 s later as a stub,
  removing all 70 lines and adding back 17 of them unchanged (the constants, the interface, the
  signature); the interface's lines are in e01e9ea, the implementation is another session's (8b8e
  L415): transformed, accepted by e01e9ea, its other lines superseded by L708. (First judged lost,
  reading L708 as replacing all of it; lines removed and added back unchanged are the patch's own,
  as design.md says of apply_patch, so the interface L701 wrote is what reached the commit.)
- 8b8e L200 (.npmignore): in e01e9ea, deleted by a282da4: reverted; L499 (constants/lotto.ts): alive;
- 5baf L526 (deletes DrawDashboardPage.tsx, lines never shown): a shell `cat <<'EOF' > …` (L533) wrote
  it again, and e01e9ea holds it: lost, L533 (undone by the heredoc, as L531 by L538; superseded_by
  read None while a shell step's write was no patch, changed by truth20); L533 itself (160 lines)
  reached e01e9ea and 2c4b9a9 redesigned the page: transformed. L512 (TicketListItem.tsx): all 12
  lines at the reference: alive;
- 5bbf L449 (deletes drawService.ts, which L409 wrote) is undone by L456 7 s later: lost, L456; L463
  (drawService.ts, 4 lines): alive; L531 (deletes DrawDashboardPage.tsx, never shown) is undone by
  L538: lost, L538; L848 (adds `data-testid` to the controller label): in e01e9ea, and 2c4b9a9 removed
  the label (`git log -S draw-controller-label`): reverted.

The sessions' shell writes (`cat <<'EOF' > f`, each its step's own since truth20; 18 in 57e9's
scaffold, 7 in 5baf's), read by hand in truth21 against `git show e01e9ea:PATH`, `git diff e01e9ea
f3d648a` and the later patches of each file (every one of them was first added by e01e9ea):

- alive, every line in e01e9ea and at the reference: 57e9 L667 (vite.config.ts; deaf580 added a
  `base:` line beside them), L674 index.html, L681 vite.svg, L688 react.svg, L702 App.tsx, L737
  vite-env.d.ts, L806 docs/firebase.md; 5baf L461, L469, L491 (ticketSubscription's test, e2e spec
  and service), L519 TicketList.tsx;
- transformed, in e01e9ea with lines edited since: 57e9 L646 package.json (5b8e L740 rewrote the
  `test:e2e` script before the commit, d9c6c14 its `packageManager` after), L653 and L660
  (`"moduleResolution": "Node"` made `bundler` by fa9c5f7 and f6607e3), L695 main.tsx (deaf580's
  `basename` rewrapped `createBrowserRouter([`), L709 IssueTicketPage.tsx (5b8e L521 replaced the
  placeholder's body, the signature and export stand), L723 index.css and L730 App.css (5820 L320 and
  L334 replaced ten lines each before the commit), 5baf L540 draw-dashboard.css (2c4b9a9);
- transformed, lines replaced by a later step of the same session before the commit: 57e9 L341
  (checklist: L348 ticked its 16 boxes), L548 (tasks.md: L744 first of the steps that ticked its 36
  tasks), 5baf L505 (TicketListItem.tsx: L512);
- 57e9 L716 (DrawDashboardPage.tsx's placeholder): 5baf L526 deleted the file and L533, then 5bbf
  L538, wrote it anew; e01e9ea's page holds five of the placeholder's lines as L538 typed them (the
  signature, `return (`, the closing tags, the export). A trail of 57e9 alone cannot tell them from
  its own, and a line is known by its text (`retyped_by_human`): transformed, e01e9ea. Doubtful: by
  the other sessions' logs the lines are L538's;
- 57e9 L811 (.env.example): no commit of any branch has the file: lost.

Before the change to the trail, 12 of the first 15 agreed: the three deletions of files whose lines the
log never shows (L313, L526, L531) read unknown ("no line to look for"). Judged at f3d648a (HEAD when
the mirror was fetched).
"""

from __future__ import annotations

import mirrored
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

REF = "f3d648a2b4fd7a52e20ceaa5e4c98510287b93aa"
WORK = "e01e9ea777a7e8aeb7ea062a47cb852fdb580c7f"
LOGGED_ROOT = "/Users/kooksun/PythonProjects/Lotto645"
SESSIONS = ".codex/sessions"
PAGE = "frontend/src/pages/DrawDashboardPage.tsx"
DRAW = "frontend/src/services/drawService.ts"

# session -> [(step id, path, state, accepting commit, superseded_by)]
TRUTH: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {
    "019a57e9-1a14-75b1-b49d-ef2792f0fb5e": [
        ("L108", ".specify/memory/constitution.md", "reverted", WORK, None),
        ("L313", "specs/001-lotto-ticketing/spec.md", "lost", None, "L320"),
        ("L455", "specs/001-lotto-ticketing/contracts/firebase-realtime.md", "alive", WORK, None),
        ("L618", ".gitignore", "alive", WORK, None),
    ],
    "019a5820-e5d7-7692-aae6-926261b8b5c9": [
        ("L530", "frontend/eslint.config.js", "lost", None, "L537"),
        ("L680", ".eslintignore", "reverted", WORK, None),
        ("L701", "frontend/src/hooks/useNumberSelection.ts", "transformed", WORK, "L708"),
    ],
    "019a5b8e-a2f2-7f42-bb90-f248b42e3415": [
        ("L200", ".npmignore", "reverted", WORK, None),
        ("L499", "frontend/src/constants/lotto.ts", "alive", WORK, None),
    ],
    "019a5baf-15f8-7f52-84b2-7f5e68d5e8cd": [
        ("L512", "frontend/src/components/draw/TicketListItem.tsx", "alive", WORK, None),
        ("L526", PAGE, "lost", None, "L533"),
        ("L533", PAGE, "transformed", WORK, None),
    ],
    "019a5bbf-7e53-78a2-aef2-baed586b0f37": [
        ("L449", DRAW, "lost", None, "L456"),
        ("L463", DRAW, "alive", WORK, None),
        ("L531", PAGE, "lost", None, "L538"),
        ("L848", PAGE, "reverted", WORK, None),
    ],
}
# the shell writes, read by hand in truth21 (the docstring's list)
SHELL: dict[str, list[tuple[str, str, str, str | None, str | None]]] = {
    "019a57e9-1a14-75b1-b49d-ef2792f0fb5e": [
        ("L341", "specs/001-lotto-ticketing/checklists/requirements.md", "transformed", WORK, "L348"),
        ("L548", "specs/001-lotto-ticketing/tasks.md", "transformed", WORK, "L744"),
        ("L646", "frontend/package.json", "transformed", WORK, None),
        ("L653", "frontend/tsconfig.json", "transformed", WORK, None),
        ("L660", "frontend/tsconfig.node.json", "transformed", WORK, None),
        ("L667", "frontend/vite.config.ts", "alive", WORK, None),
        ("L674", "frontend/index.html", "alive", WORK, None),
        ("L681", "frontend/public/vite.svg", "alive", WORK, None),
        ("L688", "frontend/src/assets/react.svg", "alive", WORK, None),
        ("L695", "frontend/src/main.tsx", "transformed", WORK, None),
        ("L702", "frontend/src/App.tsx", "alive", WORK, None),
        ("L709", "frontend/src/pages/IssueTicketPage.tsx", "transformed", WORK, None),
        ("L716", PAGE, "transformed", WORK, None),
        ("L723", "frontend/src/index.css", "transformed", WORK, None),
        ("L730", "frontend/src/App.css", "transformed", WORK, None),
        ("L737", "frontend/src/vite-env.d.ts", "alive", WORK, None),
        ("L806", "docs/firebase.md", "alive", WORK, None),
        ("L811", ".env.example", "lost", None, None),
    ],
    "019a5baf-15f8-7f52-84b2-7f5e68d5e8cd": [
        ("L461", "frontend/src/services/__tests__/ticketSubscription.test.ts", "alive", WORK, None),
        ("L469", "tests/e2e/ticket-board.spec.ts", "alive", WORK, None),
        ("L491", "frontend/src/services/ticketSubscription.ts", "alive", WORK, None),
        ("L505", "frontend/src/components/draw/TicketListItem.tsx", "transformed", WORK, "L512"),
        ("L519", "frontend/src/components/draw/TicketList.tsx", "alive", WORK, None),
        ("L540", "frontend/src/styles/draw-dashboard.css", "transformed", WORK, None),
    ],
}
CASES = [(sid, *want) for table in (TRUTH, SHELL) for sid, wants in table.items() for want in wants]


def judge(tmp_path_factory) -> Judged:
    """Each session's trail: its log taken from the repository at e01e9ea, where it was committed."""
    repo = mirrored.clone(tmp_path_factory, "Kooksun", "Lotto645", REF, WORK)
    logs = mirrored.committed_folder(repo, WORK, SESSIONS, tmp_path_factory.mktemp("logs"))
    found = {}
    for files in group("codex", sorted(p for p in logs if p.suffix == ".jsonl")):
        session = read_session(files)
        if session.id in TRUTH:
            result = trail(session, repo=repo, ref=REF)
            assert result.note == f"paths under {LOGGED_ROOT} (as logged) are read in {repo}"
            found[session.id] = result.fates
    assert sorted(found) == sorted(TRUTH)
    return Judged(repo, found)


def every_session_of_the_day_gives_all_its_patches(judged: Judged) -> None:
    """Every applied `apply_patch` of the five rollouts (0.55.0), as a custom tool call and as a shell
    heredoc, gives its patches (one per file; the two that failed verification give none); and each
    `cat <<'EOF' > f` a shell step ran gives that step's own (18 in 57e9's scaffold, 7 in 5baf's)."""
    counts = {sid: sum(f.patch.origin != "shell" for f in fates) for sid, fates in judged.sessions.items()}
    shell = {sid: sum(f.patch.origin == "shell" for f in fates) for sid, fates in judged.sessions.items()}
    assert {sid: n for sid, n in shell.items() if n} == {
        "019a57e9-1a14-75b1-b49d-ef2792f0fb5e": 18,
        "019a5baf-15f8-7f52-84b2-7f5e68d5e8cd": 7,
    }
    assert counts == {
        "019a57e9-1a14-75b1-b49d-ef2792f0fb5e": 17,
        "019a5820-e5d7-7692-aae6-926261b8b5c9": 23,
        "019a5b8e-a2f2-7f42-bb90-f248b42e3415": 31,
        "019a5baf-15f8-7f52-84b2-7f5e68d5e8cd": 4,
        "019a5bbf-7e53-78a2-aef2-baed586b0f37": 39,
    }


LOTTO645 = GroundTruth(
    "Lotto645",
    judge,
    CASES,
    columns=("session", "step", "path", "state", "commit", "superseded_by"),
    label=lambda t: f"{t[0][4:8]}:{t[1]}",
    checks=(every_session_of_the_day_gives_all_its_patches,),
)
