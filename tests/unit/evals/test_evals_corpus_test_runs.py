"""The test-run label on real logs whose repositories are mirrored, written by hand from each raw log (every
shell call whose program is a test runner, its result's own status line, and for a Codex process still
running at its output the `write_stdin` poll that says it exited), never from the tool's output:

- Quelklef/shell-ws (Codex 0.114, 2026-03-18): nine runs. Six outlived their output; their polls say
  0 (session 26068, `nix-shell ... --run 'cargo test ...'`), 0 (2177, `just test`), 0 (5221), 0 (66668,
  but that call's next line ran `npm run build`, whose status it is: unknown), 2 (16925) and 0 (12335,
  the last). `npm run test` twice: 0. `cargo fmt && ... && nix develop -c cargo test`: 127. Last: 0.
- TensorTemplar/slopometry (Claude Code): eleven `uv run pytest` runs; the first alone (0), the other
  ten piped into `tail` or `head`, whose status says nothing of the tests (their output said "173
  passed" or showed errors): unknown. Last: unknown.
- badlogic/pi-mono (Pi, large-session fixture): one `npm test -- truncated-text.test.ts`, aborted by the
  user ("Command aborted", no status): unknown, not a failure.
- pinouchon/rtchess (Codex): `node --check`, `rg` and export scripts; no test runner ran: no label."""

from __future__ import annotations

import pytest
from shared_data import CORPUS

from tracetui.export import labels
from tracetui.sources import group, read_session

pytestmark = pytest.mark.corpus

SHELL_WS = ("Quelklef__shell-ws__.codex__sessions__2026__03__18__"
            "rollout-2026-03-18T11-04-43-019d021f-1244-77d2-b5aa-ba1d70f11e87.jsonl")
# (agent, log, each test run's exit status in order)
RUNS = [
    ("codex", SHELL_WS, [0, 0, 0, 0, 0, None, 127, 2, 0]),
    ("claude", "TensorTemplar__slopometry__tests__fixtures__transcript.jsonl", [0] + [None] * 10),
    ("pi", "badlogic__pi-mono__packages__coding-agent__test__fixtures__large-session.jsonl", [None]),
    ("codex", "pinouchon__rtchess__dev_history__019aad50-a7e6-7422-b7a8-0b384290624f_rtchess_1.jsonl", []),
]


@pytest.mark.parametrize("agent,name,codes", RUNS, ids=[r[1].split("__")[1] for r in RUNS])
def test_each_test_run_of_a_real_log_has_the_status_found_by_hand(agent, name, codes) -> None:
    log = CORPUS / agent / name
    if not log.is_file():
        pytest.skip(f"the corpus log is not at {log}")
    [files] = group(agent, [log])
    runs = labels.test_runs(read_session(files))
    assert [r["exit_code"] for r in runs] == codes
