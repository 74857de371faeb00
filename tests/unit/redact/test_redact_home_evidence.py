"""A home outside the known prefixes (`/srv/NAME`, `/data/users/NAME`, `/u/NAME`, WSL's
`/mnt/c/Users/NAME`) is scrubbed as `<HOME>` where the session's own evidence shows it: the folder
that holds the agent's store (`.claude/projects`, `.codex/sessions`, `.pi/agent`, `.gemini/tmp`,
`.copilot/session-state`, `.local/share/opencode`) in the log's location or the agent's own paths
in the log. A project's own `.claude`, `.codex` or `.gemini` folder proves no home."""

from __future__ import annotations

import pytest

from tracetui.model import Session, Step
from tracetui.redact import AUTO, Identity, identity_from_session, scan_text

HOMES = ["/srv/quillon", "/data/users/quillon", "/export/users/quillon", "/u/quillon", "/mnt/c/Users/quillon"]
STORES = [".claude/projects/-x-shop/1.jsonl", ".codex/sessions/2026/01/02/rollout-1.jsonl",
          ".pi/agent/sessions/--x-shop--/1.jsonl", ".gemini/tmp/shop/chats/session-1.jsonl",
          ".copilot/session-state/1/events.jsonl", ".local/share/opencode/storage/session/1.json"]


def _session(source: str, cwd: str, *texts: str) -> Session:
    steps = [Step(id=f"s{n}", index=n, kind="assistant", role="assistant", text=t)
             for n, t in enumerate(texts)]
    return Session(id="h1", agent="claude", source=source, cwd=cwd, steps=steps)


def _homes(text: str, ident: Identity) -> list[str]:
    return [text[f.start:f.end] for f in scan_text(text, ident) if f.kind == "home-path" and f.tier == AUTO]


@pytest.mark.parametrize("home", HOMES)
@pytest.mark.parametrize("store", STORES)
def test_the_folder_holding_the_log_s_store_is_a_home(home, store):
    session = _session(f"{home}/{store}", "/w")
    ident = identity_from_session(session)
    text = f"cd {home}/shop && cat {home}/.bashrc; ls {home}"
    assert _homes(text, ident) == [home] * 3


@pytest.mark.parametrize("home", HOMES)
def test_the_agent_s_own_paths_in_the_log_show_its_home(home):
    slug = home.replace("/", "-").replace(".", "-")
    session = _session("/logs/x.jsonl", f"{home}/shop",
                       f"Plan written to {home}/.claude/plans/quiet-fox.md",
                       f"skills: {home}/.codex/skills/.system/skill-creator/SKILL.md")
    ident = identity_from_session(session)
    text = f"see {home}/shop/a.py and ~/.claude/projects/{slug}-shop/1.jsonl"
    assert _homes(text, ident) == [home, slug]


@pytest.mark.parametrize("evidence", [
    "/srv/www/site/.claude/settings.json",  # a project's own folders
    "/srv/www/site/.claude/commands/review.md",
    "/srv/www/site/.codex/config.toml",
    "/srv/www/site/.gemini/settings.json",
    "/srv/www/site/.pi/prompts/x.md",
    "~/.claude/projects/-srv-www-site/1.jsonl",  # no folder named
    "/srv/app/.claude/projects/-srv-app/1.jsonl",  # a service's folder, no person's
    "/srv/home/.codex/sessions/1.jsonl",
])
def test_no_home_without_the_store_s_own_evidence(evidence):
    session = _session("/logs/x.jsonl", "/srv/www/site", f"read {evidence}")
    ident = identity_from_session(session)
    assert _homes("cd /srv/www/site && ls /srv/www /srv/app /srv/home", ident) == []


def test_a_home_is_found_as_a_whole_folder_only():
    ident = identity_from_session(_session("/srv/quillon/.claude/projects/-srv-quillon/1.jsonl", "/w"))
    text = "/srv/quillon2/x /srv/quillon-old /x/srv/quillon/y /srv/quillon.bak /srv/quillon"
    assert _homes(text, ident) == ["/srv/quillon"]


def test_a_store_kept_in_the_working_folder_is_the_project_s_not_a_home():
    # A `CODEX_HOME` inside the repository (logs committed with the code): its folder is the
    # project, whose name must not read <HOME> in every field.
    session = _session("/per/dev/shell-ws/.codex/sessions/2026/03/18/rollout-1.jsonl", "/per/dev/shell-ws",
                       "wrote /per/dev/shell-ws/.codex/sessions/2026/03/18/rollout-1.jsonl")
    ident = identity_from_session(session)
    assert _homes("cd /per/dev/shell-ws && ls /per/dev/shell-ws/src", ident) == []
    # The same store with the work in a folder below it still shows a home.
    below = _session("/per/quillon/.codex/sessions/2026/03/18/rollout-1.jsonl", "/per/quillon/shell-ws")
    assert _homes("ls /per/quillon/shell-ws", identity_from_session(below)) == ["/per/quillon"]


# (the store's folder, the session's working folder, what the session shows, the homes found). The
# agent run in the home itself (cwd == home) is found where the session shows the folder lived in, or
# where it is /root; a repository that keeps an agent's store (shell-ws) is no home, even one that
# holds a shell's startup files (a dotfiles repository).
HOME_AS_CWD = [
    ("/per/quillon", "/per/quillon", "cat /per/quillon/.bash_history", ["/per/quillon"]),
    ("/per/quillon", "/per/quillon", "ssh-keyscan >> /per/quillon/.ssh/known_hosts", ["/per/quillon"]),
    ("/srv/quillon", "/srv/quillon", "ls /srv/quillon/.ssh/id_ed25519.pub", ["/srv/quillon"]),
    ("/u/quillon", "/u/quillon", "rm -rf /u/quillon/.npm/_cacache", ["/u/quillon"]),
    ("/root", "/root", "ls", ["/root"]),
    ("/root", "/root/app", "ls", ["/root"]),
    ("/per/dev/shell-ws", "/per/dev/shell-ws", "ls /per/dev/shell-ws/src", []),
    ("/per/dev/dotfiles", "/per/dev/dotfiles", "cat /per/dev/dotfiles/.bashrc /per/dev/dotfiles/.gitconfig", []),
    ("/per/dev/shell-ws", "/per/dev/shell-ws", "cat /per/dev/shell-ws-old/.bash_history", []),
    ("/per/dev/shell-ws", "/per/dev/shell-ws", "cat /x/per/dev/shell-ws/.bash_history", []),
]


@pytest.mark.parametrize(("home", "cwd", "shown", "found"), HOME_AS_CWD)
@pytest.mark.parametrize("store", STORES)
def test_a_home_the_agent_ran_in_is_found_a_project_s_store_is_not(home, cwd, shown, found, store):
    ident = identity_from_session(_session(f"{home}/{store}", cwd, shown))
    assert sorted(ident.home_paths) == found
    assert _homes(f"cd {home} && ls {home}/src", ident) == found * 2


@pytest.mark.parametrize("home", ["/home/alice", "/Users/bob"])
def test_a_home_under_a_known_prefix_run_in_itself_is_found_as_any_home_is(home):
    ident = identity_from_session(_session(f"{home}/.claude/projects/-x/1.jsonl", home))
    assert _homes(f"cd {home} && ls {home}/src", ident) == [home] * 2


def test_root_s_home_is_a_whole_folder_only():
    ident = identity_from_session(_session("/root/.codex/sessions/2026/01/02/rollout-1.jsonl", "/root"))
    assert _homes("ls /rootfs /x/root /root/a /root", ident) == ["/root", "/root"]
