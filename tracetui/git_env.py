"""How every git command tracetui starts is run: what it inherits, what config it reads, what it may start.

More in docs/internals/core.md, `git_env.py`.
"""

from __future__ import annotations

import os

# Put before every command's own arguments: no hook, no file-system monitor, whatever config says.
GIT_OPTIONS = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false")


def git_env(*, user_config: bool = True) -> dict[str, str]:
    """This process's environment for a git command, without one `GIT_*` variable of it (they name
    another repository, object folder, config, template or exec path), with no prompt, no pager, C
    messages and no object fetched from a partial clone's remote (git 2.45 on).

    `user_config=False` for a tree a capsule chose: git then reads no system or global config (nor
    system attributes), only the repository's own, which tracetui wrote."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_NO_LAZY_FETCH": "1"})
    if not user_config:
        env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_ATTR_NOSYSTEM": "1"})
    return env
