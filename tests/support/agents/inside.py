"""Run inside the sandbox's network namespace: start the scripted server, run the agent, save the requests.

`python inside.py SCRIPT.json RECORD.json -- PROGRAM ARGS...`: the server listens on 127.0.0.1 in the
same namespace as the agent (a namespace with only `lo`, so nothing leaves the machine); `{PORT}` in
the program's arguments and in the environment values named by TRACETUI_STUB_ENV is replaced by its
port, and in files named by TRACETUI_STUB_FILES (config files that name the base URL). The agent's exit
code, output and every request the server received are written to RECORD.json.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy knows the module by its package name
    from support.agents.server import Call, ModelServer, Reply, Script
else:  # run as a script: its own folder is the path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from server import Call, ModelServer, Reply, Script


def main(argv: list[str]) -> int:
    script_path, record_path, dash, *program = argv
    assert dash == "--" and program
    plan = json.loads(Path(script_path).read_text())
    replies = [Reply(r.get("text", ""), [Call(**c) for c in r.get("calls", [])], r.get("when"), r.get("tokens"),
                     r.get("status"), r.get("thinking")) for r in plan["replies"]]
    timeout = float(plan.get("timeout", 120))
    side = plan.get("side") or "Resumed session"
    with ModelServer(Script(replies, plan.get("done", "Done.")), side_text=side) as server:
        port = str(server.port)
        env = dict(os.environ)
        for name in filter(None, env.get("TRACETUI_STUB_ENV", "").split(",")):
            env[name] = env[name].replace("{PORT}", port)
        for name in filter(None, env.get("TRACETUI_STUB_FILES", "").split(",")):
            path = Path(name)
            path.write_text(path.read_text().replace("{PORT}", port))
        args = [a.replace("{PORT}", port) for a in program]
        try:
            done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
            code, out, err = done.returncode, done.stdout, done.stderr
        except subprocess.TimeoutExpired as e:
            code, out, err = -9, str(e.stdout or ""), str(e.stderr or "") + "\n(timed out)"
        record = {"code": code, "stdout": out, "stderr": err,
                  "requests": [asdict(r) for r in server.requests]}
    Path(record_path).write_text(json.dumps(record))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
