"""The agents' own programs: pinned npm packages installed once into a cache folder, and run offline.

`program(name)` installs (or finds) the pinned package under `~/.cache/tracetui-agents/` (or
`$TRACETUI_AGENTS_CACHE`) and returns its executable; `unavailable(name)` says why a test must skip.
A missing install is downloaded only when `TRACETUI_AGENTS=1` (the packages are hundreds of MB) and
npm answers. `run(...)` runs a program in bubblewrap with a network namespace of its own (only `lo`),
a temp HOME, and the scripted model server (`server.py`) inside the same namespace.
CONTRIBUTING.md, "The agents' own programs", says how to refresh the pins.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support.agents.server import Reply

# The versions the tests pin; bump them together with what their logs changed (CONTRIBUTING).
PINNED = {
    "claude": ("@anthropic-ai/claude-code", "2.1.332", "claude"),
    "codex": ("@openai/codex", "0.171.0", "codex"),
    "pi": ("@mariozechner/pi-coding-agent", "0.73.1", "pi"),
    "gemini": ("@google/gemini-cli", "0.61.0", "gemini"),
    "opencode": ("opencode-ai", "1.18.33", "opencode"),
    "copilot": ("@github/copilot", "1.0.102", "copilot"),
}
INSIDE = Path(__file__).resolve().parent / "inside.py"
# Taken when the tests are collected: the tests' own fixture gives every test a temp HOME after.
_CACHE = Path(os.environ.get("TRACETUI_AGENTS_CACHE") or Path.home() / ".cache" / "tracetui-agents")


def cache_root() -> Path:
    return _CACHE


def folder(name: str) -> Path:
    _package, version, _bin = PINNED[name]
    return cache_root() / f"{name}-{version}"


def executable(name: str) -> Path:
    return folder(name) / "node_modules" / ".bin" / PINNED[name][2]


def unavailable(name: str) -> str | None:
    """Why `name`'s program cannot run here (a skip reason), or None: installs it first where allowed."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed: the agents run only in a network namespace of their own"
    if shutil.which("node") is None:
        return "node is not installed"
    if (folder(name) / ".installed").is_file() and executable(name).exists():
        return None
    if os.environ.get("TRACETUI_AGENTS") != "1":
        return (f"{PINNED[name][0]}@{PINNED[name][1]} is not in {cache_root()}: set TRACETUI_AGENTS=1 to install it "
                "from npm (hundreds of MB; CONTRIBUTING.md, 'The agents' own programs')")
    return install(name)


def install(name: str) -> str | None:
    package, version, _bin = PINNED[name]
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed"
    target = folder(name)
    target.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([npm, "install", "--prefix", str(target), "--no-audit", "--no-fund", "--loglevel=error",
                        f"{package}@{version}"], check=True, capture_output=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as e:
        return f"npm could not install {package}@{version} (no registry here?): {str(e)[:200]}"
    (target / ".installed").touch()
    return None


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    requests: list[dict[str, Any]] = field(default_factory=list)

    def main_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["main"]]


def run(argv: list[str], replies: list[Reply], home: Path, cwd: Path, env: dict[str, str],
        stub_env: tuple[str, ...] = (), stub_files: tuple[Path, ...] = (), timeout: float = 120,
        side: str | None = None) -> Run:
    """Run `argv` (its first word a PINNED name) in `cwd` with HOME=`home` against the scripted server.
    `{PORT}` in argv, in the env values `stub_env` names and in `stub_files` becomes the server's port.
    `side`: the text a request without tools (a title, a compaction's summary) is answered with."""
    work = home / ".stub"
    work.mkdir(parents=True, exist_ok=True)
    script = work / "script.json"
    record = work / "record.json"
    script.write_text(json.dumps({"replies": [_plain(r) for r in replies], "timeout": timeout, "side": side}))
    full_env = {
        "PATH": f"{Path(shutil.which('node') or '/usr/bin/node').parent}:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "TRACETUI_STUB_ENV": ",".join(stub_env),
        "TRACETUI_STUB_FILES": ",".join(str(p) for p in stub_files),
        **env,
    }
    program = [str(executable(argv[0])), *argv[1:]]
    sandbox = ["bwrap", "--dev-bind", "/", "/", "--unshare-net", "--proc", "/proc", "--die-with-parent",
               "--chdir", str(cwd)]
    subprocess.run([*sandbox, sys.executable, str(INSIDE), str(script), str(record), "--", *program],
                   env=full_env, check=True, timeout=timeout + 30)
    data = json.loads(record.read_text())
    return Run(data["code"], data["stdout"], data["stderr"], data["requests"])


def _plain(reply: Reply) -> dict[str, Any]:
    return {"text": reply.text, "calls": [{"name": c.name, "args": c.args, "custom": c.custom, "namespace": c.namespace} for c in reply.calls],
            "when": reply.when, "tokens": reply.tokens, "status": reply.status,
            "thinking": reply.thinking}
