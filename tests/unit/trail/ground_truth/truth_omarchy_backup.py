"""Ground truth: real Claude Code 2.1.x sessions kept in 4thehalibit/omarchy-backup, checked by hand.

The repository is a user's backup of their Omarchy (Arch/Hyprland) desktop before a move to NixOS,
kept in ~/omarchy-backup: 3fddd2c (2026-04-29 20:32 UTC) copies ~/.config (hypr, waybar, omarchy
themes, ...), d54ae1f (21:34) adds ~/.claude (the session logs in .claude/projects/, memory, plans,
and Claude Code's file-history: a copy of each edited file before each edit), 41bb7a1 (23:28) updates
it. The sessions ran in ~/Claude and edited the live files under ~/.config, ~/.claude and ~/Claude,
so the trail reads paths under /home/vwestberg in the clone (one session wrote ~/omarchy-backup's own
README: that one maps there). The logs are read from the repository itself (.claude/projects/); the
clone is made from the fetched mirror into a temporary folder, never committed here. Each expectation
was decided from `git show COMMIT:PATH` and the log's own edits and shell commands, not from the tool:

- 1fb5e404 (04-24/25): efc7a8ef's `timeout = 600  # 10min` is in hypridle.conf as committed (alive).
  71dc781f added a weather label to hyprlock.conf, its text line replaced 30 s later by e0cd7010, which
  5eb57cbc replaced two minutes later (then c39b3e1f, then 16abeb94, whose `format=j1` line is the
  committed one): 71dc781f transformed, e0cd7010 lost, 16abeb94 alive. 70b5234e blanked a waybar icon
  that b6cc8707 put back four minutes later (lost). 5dbd0c0f's style.css rewrite is committed but for
  the workspace-button block 90b3d215 rewrote (transformed); b0a315a9's lines are all in cal-widget.py
  (alive). 6fbb1a67 wrote `themes/Mission Control/colors.toml`; a shell `mv` renamed the folder
  `mission-control` and `omarchy-theme-set` copied it to `current/theme/`: the committed
  themes/mission-control/colors.toml is the write, byte for byte (alive there). 83b83c3c's monitor line
  was replaced a minute later by 31c957f6's whole-file write, committed byte for byte (lost; alive).
  ~/.config/fastfetch is in no commit: f4b8fbca lost. a8edc278 wrote scripts/calendar.py, which a
  shell `mv` renamed cal-widget.py before later edits; 37 of its 42 lines are in the committed
  cal-widget.py (transformed there: the rename is read from the shell command's text).
- 512f6c74 (04-29): 23dc9c45's memory note is in d54ae1f (alive); ~/eiros-config is in no commit, only
  in file-history copies: 73a68dc3 and 6e87d9c2 lost.
- 5fbb940a (03-25): 9466d568's memory note is in d54ae1f (alive); ~/Claude is in no commit:
  b3ac9517 and 1b6cf8df lost, each rewritten by a later step.
- 44ef5cbf (04-09): the plan written by 1308e3b1 and edited by 2173ef83 and ca38aa1d is in d54ae1f with
  the lines each later edit replaced gone (transformed, transformed, alive).
- 2b8d60c5 (04-29 20:32): 1a528e96 wrote ~/omarchy-backup/README.md, committed 39 s later byte for
  byte (alive).

Before this file: 16 of these 22 agreed (the file-history copies were taken for where five edits
went, and the theme copy for where the renamed file went); after: 21, and 22 since the trail reads
the calendar.py rename from the shell command. Judged at 41bb7a1 (HEAD when the mirror was fetched).
"""

from __future__ import annotations

import subprocess

import pytest
from shared_data import mirror
from support.ground_truth import GroundTruth, Judged

from tracetui.sources import group, read_session
from tracetui.trail import trail

REF = "41bb7a1ab482a67e4302082008caaff403d36544"
CONFIGS = "3fddd2c3c4d3f958b0d2dccacd3641cc9eb477ee"
CLAUDE = "d54ae1f268056711a7cda284511b15faddd693c0"
PROJECT = ".claude/projects/-home-vwestberg-Claude"
HOME = "/home/vwestberg"
MEMORY = ".claude/projects/-home-vwestberg-Claude/memory/"
PLAN = ".claude/plans/quizzical-percolating-engelbart.md"
NIX = "eiros-config/users/users/vwestberg/applications/"
LOCK = ".config/hypr/hyprlock.conf"

# session -> [(step id prefix, path, state, accepting commit, path_now, superseded_by prefix)]
TRUTH: dict[str, list[tuple[str, str, str, str | None, str | None, str | None]]] = {
    "1fb5e404-604d-4a2b-baf1-3beb42a67371": [
        ("efc7a8ef", ".config/hypr/hypridle.conf", "alive", CONFIGS, None, None),
        ("71dc781f", LOCK, "transformed", CONFIGS, None, "e0cd7010"),
        ("e0cd7010", LOCK, "lost", None, None, "5eb57cbc"),
        ("16abeb94", LOCK, "alive", CONFIGS, None, None),
        ("70b5234e", ".config/waybar/config.jsonc", "lost", None, None, "b6cc8707"),
        ("5dbd0c0f", ".config/waybar/style.css", "transformed", CONFIGS, None, "90b3d215"),
        ("b0a315a9", ".config/waybar/scripts/cal-widget.py", "alive", CONFIGS, None, None),
        ("6fbb1a67", ".config/omarchy/themes/Mission Control/colors.toml", "alive", CONFIGS,
         ".config/omarchy/themes/mission-control/colors.toml", None),  # fmt: skip
        ("83b83c3c", ".config/hypr/monitors.conf", "lost", None, None, "31c957f6"),
        ("31c957f6", ".config/hypr/monitors.conf", "alive", CONFIGS, None, None),
        ("f4b8fbca", ".config/fastfetch/config.jsonc", "lost", None, None, "0aa78d87"),
    ],
    "512f6c74-f82f-4adb-9719-4ae90076677c": [
        ("23dc9c45", MEMORY + "project_omarchy_customization.md", "alive", CLAUDE, None, None),
        ("73a68dc3", NIX + "vscode.nix", "lost", None, None, None),
        ("6e87d9c2", NIX + "zoom.nix", "lost", None, None, None),
    ],
    "5fbb940a-c7f3-404d-bf66-a028fcc250ec": [
        ("9466d568", MEMORY + "project_teams_led.md", "alive", CLAUDE, None, None),
        ("b3ac9517", "Claude/claude-web-vs-desktop.md", "lost", None, None, "684c7e56"),
        ("1b6cf8df", "Claude/make_doc.py", "lost", None, None, "59855afc"),
    ],
    "44ef5cbf-9cc3-4f7b-ac40-337a4d39713b": [
        ("1308e3b1", PLAN, "transformed", CLAUDE, None, "2173ef83"),
        ("2173ef83", PLAN, "transformed", CLAUDE, None, "ca38aa1d"),
        ("ca38aa1d", PLAN, "alive", CLAUDE, None, None),
    ],
    "2b8d60c5-358e-4b3a-b1fd-28e0a2221fd2": [
        ("1a528e96", "README.md", "alive", CONFIGS, None, None),
    ],
}
ROOTS = {"2b8d60c5-358e-4b3a-b1fd-28e0a2221fd2": HOME + "/omarchy-backup"}
CASES = [(sid, *want) for sid, wants in TRUTH.items() for want in wants]


def _clone(tmp_path_factory):
    source = mirror("4thehalibit", "omarchy-backup")
    if source is None:
        pytest.skip("4thehalibit/omarchy-backup was not fetched (fetch github:4thehalibit/omarchy-backup)")
    path = tmp_path_factory.mktemp("omarchy-backup") / "repo"
    # Without a checkout: the mirror lacks some large blobs (a checkout fails), and the trail reads git.
    command = ["git", "clone", "-q", "--no-checkout", str(source), str(path)]
    subprocess.run(command, check=True, capture_output=True)
    known = subprocess.run(["git", "-C", str(path), "cat-file", "-e", REF + "^{commit}"], capture_output=True)
    if known.returncode != 0:
        pytest.skip(f"the mirror of 4thehalibit/omarchy-backup lacks {REF[:7]}")
    return path


def judge(tmp_path_factory) -> Judged:
    """Each session's trail: its log (and subagents) taken from the repository at REF."""
    clone = _clone(tmp_path_factory)
    logs = tmp_path_factory.mktemp("logs")
    names = subprocess.run(
        ["git", "-C", str(clone), "ls-tree", "-r", "--name-only", REF, PROJECT],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in names:
        if not name.endswith((".jsonl", ".meta.json")):
            continue
        target = logs / name
        target.parent.mkdir(parents=True, exist_ok=True)
        show = ["git", "-C", str(clone), "show", f"{REF}:{name}"]
        shown = subprocess.run(show, capture_output=True, check=True)
        target.write_bytes(shown.stdout)
    found = {}
    for files in group("claude", sorted(p for p in logs.rglob("*") if p.is_file())):
        sid = files.main.name.removesuffix(".jsonl")
        if sid in TRUTH:
            result = trail(read_session(files), repo=clone, ref=REF)
            assert result.note == f"paths under {ROOTS.get(sid, HOME)} (as logged) are read in {clone}"
            found[sid] = result.fates
    assert sorted(found) == sorted(TRUTH)
    return Judged(clone, found)


def _fate(judged: Judged, sid: str, step: str, path: str):
    [f] = [f for f in judged.of(sid) if f.patch.step_id.startswith(step) and f.patch.path == path]
    return f


def a_write_renamed_by_a_shell_command_is_followed(judged: Judged) -> None:
    """A file the session renamed with a shell command (mv calendar.py cal-widget.py), then edited under
    its new name: its first write's lines in cal-widget.py were taken as the later edits' (lines in a file
    the session edited are that file's patches), so the write read lost."""
    sid = "1fb5e404-604d-4a2b-baf1-3beb42a67371"
    f = _fate(judged, sid, "a8edc278", ".config/waybar/scripts/calendar.py")
    assert (f.state, f.commit, f.path_now) == ("transformed", CONFIGS, ".config/waybar/scripts/cal-widget.py")


OMARCHY_BACKUP = GroundTruth(
    "omarchy-backup",
    judge,
    CASES,
    columns=("session", "step", "path", "state", "commit", "path_now", "superseded_by"),
    prefixed=frozenset({"step", "superseded_by"}),
    label=lambda t: f"{t[0][:8]}:{t[1]}",
    checks=(a_write_renamed_by_a_shell_command_is_followed,),
)
