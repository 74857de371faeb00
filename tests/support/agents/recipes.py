"""How each agent's program is started offline: its environment, its config, its argv for a new
session and for a resumed one, and where its session log lands (issue 39's harness).

Facts: /work/shared/docs/agent-programs.md (Claude Code needs both telemetry switches off to contact
only the base URL; Codex resumes only under the provider it was started with, so the base URL is
changed in its config, never a provider added).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from support.agents import programs
from support.agents.server import Reply


@dataclass
class Outcome:
    run: programs.Run
    logs: list[Path]  # the session logs under the agent's folder after the run, oldest first


def claude(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
           timeout: float = 90) -> Outcome:
    """`claude -p PROMPT` (or `claude --resume ID -p PROMPT`) in `cwd`, HOME=`home`."""
    env = {
        "ANTHROPIC_BASE_URL": "http://127.0.0.1:{PORT}",
        "ANTHROPIC_API_KEY": "sk-ant-made-up-for-tests",
        "DISABLE_TELEMETRY": "1",
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "IS_SANDBOX": "1",  # lets --dangerously-skip-permissions run as root, in the sandbox only
    }
    argv = ["claude", *(["--resume", resume] if resume else []), "-p", prompt, "--output-format", "json",
            "--dangerously-skip-permissions"]
    run = programs.run(argv, replies, home, cwd, env, stub_env=("ANTHROPIC_BASE_URL",), timeout=timeout)
    return Outcome(run, _logs(home / ".claude" / "projects"))


def codex_home(home: Path) -> Path:
    folder = home / ".codex"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def codex(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
          timeout: float = 90, config_extra: str = "", side: str | None = None,
          bypass: bool = True) -> Outcome:
    """`codex exec PROMPT` (or `codex exec resume ID PROMPT`) in `cwd`, CODEX_HOME=`home`/.codex.
    `config_extra`: TOML for this run's config.toml (its top-level keys first, then its tables).
    `bypass`: no approvals and no sandbox; without it, `codex exec`'s own defaults."""
    folder = codex_home(home)
    config = folder / "config.toml"
    # Written each run with the placeholder: the port changes from run to run.
    # No update check, analytics or telemetry export: offline, a run waited on them (6.8 s a run, 2.0 s without).
    config.write_text('model = "gpt-5.2-codex"\nopenai_base_url = "http://127.0.0.1:{PORT}/v1"\n'
                      f'check_for_update_on_startup = false\n{config_extra}\n'
                      '[analytics]\nenabled = false\n[otel]\nexporter = "none"\n')
    env = {"OPENAI_API_KEY": "sk-made-up-for-tests", "CODEX_HOME": str(folder)}
    argv = ["codex", "exec", "--skip-git-repo-check",
            *(["--dangerously-bypass-approvals-and-sandbox"] if bypass else []),
            *(["resume", resume] if resume else []), prompt]
    run = programs.run(argv, replies, home, cwd, env, stub_files=(config,), timeout=timeout, side=side)
    return Outcome(run, _logs(folder / "sessions"))


def copilot(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
            timeout: float = 90, more: list[str] | None = None) -> Outcome:
    """`copilot -p PROMPT` (or `copilot --resume ID -p PROMPT`) in `cwd`, COPILOT_HOME=`home`/.copilot,
    offline: its own-provider mode (BYOK) speaks Anthropic's Messages API to the stub server, and
    offline mode skips GitHub's sign-in, telemetry and updates (`copilot help environment`, 1.0.102).
    `more`: more arguments (`--additional-mcp-config JSON`)."""
    env = {
        "COPILOT_OFFLINE": "true",
        "COPILOT_PROVIDER_BASE_URL": "http://127.0.0.1:{PORT}",
        "COPILOT_PROVIDER_TYPE": "anthropic",
        "COPILOT_PROVIDER_API_KEY": "sk-ant-made-up-for-tests",
        "COPILOT_MODEL": "claude-sonnet-4.5",
        "COPILOT_AUTO_UPDATE": "false",
        "COPILOT_HOME": str(home / ".copilot"),
    }
    argv = ["copilot", *([f"--resume={resume}"] if resume else []), "-p", prompt, "--allow-all-tools",
            "--disable-client-telemetry", "--no-auto-update", *(more or [])]
    run = programs.run(argv, replies, home, cwd, env, stub_env=("COPILOT_PROVIDER_BASE_URL",),
                       timeout=timeout)
    state = home / ".copilot" / "session-state"
    logs = [p for p in state.rglob("*") if p.is_file() and p.name in ("events.jsonl", "workspace.yaml")]
    return Outcome(run, sorted(logs, key=lambda p: (p.stat().st_mtime_ns, str(p))))


def _logs(root: Path) -> list[Path]:
    found = [p for p in root.rglob("*.jsonl")] if root.is_dir() else []
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, str(p)))


def pi(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
       timeout: float = 90, settings: dict | None = None, side: str | None = None) -> Outcome:
    """`pi -p PROMPT` (or `pi --session ID -p PROMPT`) in `cwd`, with a models.json whose provider
    speaks Anthropic's Messages API to the stub server; `settings`: its settings.json from this run on."""
    folder = home / ".pi" / "agent"
    folder.mkdir(parents=True, exist_ok=True)
    models = folder / "models.json"
    models.write_text(json.dumps({"providers": {"stub": {
        "baseUrl": "http://127.0.0.1:{PORT}", "api": "anthropic-messages", "apiKey": "sk-made-up-for-tests",
        "models": [{"id": "claude-sonnet-4-5"}]}}}))
    if settings is not None:
        (folder / "settings.json").write_text(json.dumps(settings))
    argv = ["pi", "--provider", "stub", "--model", "claude-sonnet-4-5",
            *(["--session", resume] if resume else []), "-p", prompt]
    env = {"PI_CODING_AGENT_DIR": str(folder), "PI_OFFLINE": "1", "PI_SKIP_VERSION_CHECK": "1", "PI_TELEMETRY": "0"}
    run = programs.run(argv, replies, home, cwd, env, stub_files=(models,), timeout=timeout, side=side)
    return Outcome(run, _logs(folder / "sessions"))


def gemini(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
           timeout: float = 90, settings: dict | None = None, side: str | None = None) -> Outcome:
    """`gemini -p PROMPT --yolo` in `cwd`, GOOGLE_GEMINI_BASE_URL at the stub server, an API key as the
    chosen sign-in and the folder trusted (settings.json), so nothing asks. `settings`: more
    top-level keys of settings.json (`model`: its compressionThreshold)."""
    folder = home / ".gemini"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "settings.json").write_text(json.dumps({
        "security": {"auth": {"selectedType": "gemini-api-key"}, "folderTrust": {"enabled": False}},
        "privacy": {"usageStatisticsEnabled": False}, "general": {"disableAutoUpdate": True}, **(settings or {})}))
    env = {"GOOGLE_GEMINI_BASE_URL": "http://127.0.0.1:{PORT}", "GEMINI_API_KEY": "made-up-for-tests",
           "GEMINI_CLI_NO_RELAUNCH": "true"}
    argv = ["gemini", *(["--resume", resume] if resume else []), "-p", prompt, "--yolo", "-m", "gemini-2.5-pro"]
    run = programs.run(argv, replies, home, cwd, env, stub_env=("GOOGLE_GEMINI_BASE_URL",), timeout=timeout,
                       side=side)
    return Outcome(run, sorted((home / ".gemini").rglob("*.json*")) if (home / ".gemini").is_dir() else [])


OPENCODE_MODEL = "stub/stub-model"


def _opencode_setup(home: Path, limit: dict[str, int] | None = None,
                    extra: dict | None = None) -> tuple[Path, dict[str, str]]:
    """OpenCode's config (a custom provider, `@ai-sdk/openai-compatible`, which the binary bundles,
    speaking Chat Completions to the stub server) and environment: no models.dev fetch, update, share,
    LSP download or default plugins, so offline nothing else is asked for. `limit`: the model's
    `{context, output}` tokens (none: 0, and OpenCode never compacts); `extra`: more top-level keys."""
    folder = home / ".config" / "opencode"
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "opencode.json"
    config.write_text(json.dumps({
        "provider": {"stub": {"npm": "@ai-sdk/openai-compatible", "name": "Stub",
                              "options": {"baseURL": "http://127.0.0.1:{PORT}/v1", "apiKey": "sk-made-up-for-tests"},
                              "models": {"stub-model": {"name": "Stub model", "tool_call": True,
                                                        **({"limit": limit} if limit else {})}}}},
        "model": OPENCODE_MODEL, "autoupdate": False, "share": "disabled", **(extra or {})}))
    env = {"OPENCODE_DISABLE_MODELS_FETCH": "1", "OPENCODE_DISABLE_AUTOUPDATE": "1", "OPENCODE_DISABLE_SHARE": "1",
           "OPENCODE_DISABLE_LSP_DOWNLOAD": "1", "OPENCODE_DISABLE_DEFAULT_PLUGINS": "1",
           "OPENCODE_CONFIG": str(config)}
    return config, env


def opencode(home: Path, cwd: Path, prompt: str, replies: list[Reply], resume: str | None = None,
             timeout: float = 90, setup: list[list[str]] | None = None,
             limit: dict[str, int] | None = None, settings: dict | None = None, side: str | None = None) -> Outcome:
    """`opencode run --auto PROMPT` (or `opencode run --session ID ...`) in `cwd`, after the `setup`
    commands (`opencode import FILE`). The prompt goes word by word: `run` quotes an argument holding
    a space. The session lands in `~/.local/share/opencode/opencode.db`. `limit`, `settings`: the
    model's token limits and more keys of its opencode.json (`_opencode_setup`)."""
    config, env = _opencode_setup(home, limit, settings)
    for words in setup or []:
        assert words[0] == "opencode"
        done = programs.run(words, [], home, cwd, env, stub_files=(config,), timeout=timeout)
        assert done.code == 0, done.stderr[-2000:]
        config, env = _opencode_setup(home, limit, settings)  # the placeholder again: the port changes from run to run
    argv = ["opencode", "run", *(["--session", resume] if resume else []), "-m", OPENCODE_MODEL, "--auto",
            "--format", "json", *prompt.split(" ")]
    run = programs.run(argv, replies, home, cwd, env, stub_files=(config,), timeout=timeout, side=side)
    db = home / ".local" / "share" / "opencode" / "opencode.db"
    return Outcome(run, [db] if db.is_file() else [])
