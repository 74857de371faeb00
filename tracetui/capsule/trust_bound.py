"""What a trusted check (run unconfined, `--trust`) can still do to tracetui and to its user, said in
the words the CLI prints and the app's trust box shows before it runs (docs/design.md, "Replay")."""

from __future__ import annotations

from tracetui.capsule.landlock import SCOPED_ABI

_TERMINAL = "write to your terminal"
# A check that kills its runner leaves what it started to tracetui's sweep, which a stopped tracetui
# never makes: so where it may signal outside itself, what it starts may outlive tracetui.
_OTHERS = "stop or kill your other programs (what it starts may then outlive tracetui)"
_SOCKETS = "open a unix socket (your service manager's, a message bus's)"


def words(own_pids: bool, fenced: bool, landlock_abi: int) -> str:
    """The bound, a clause to follow "runs unconfined": `own_pids`, the check gets a pid namespace;
    `fenced`, the seccomp fence holds (`reaper.fence`: no signal to tracetui, no unix socket);
    `landlock_abi`, the Landlock domain the runner is held to (`landlock.abi()`, 0 for none: no write
    to cgroups or /proc from 1, no signal outside it from `SCOPED_ABI`)."""
    if own_pids:  # (the manager's and the buses' sockets are /dev/null there: `reaper._managers_hidden`)
        return " in a process namespace of its own (all it starts ends with tracetui)"
    if fenced and landlock_abi >= SCOPED_ABI:
        return (" as your own user, unable to signal or trace any program outside it, write to cgroups and"
                f" /proc, or {_SOCKETS}: it can still {_TERMINAL}")
    if fenced and landlock_abi:
        return (f" as your own user, unable to signal tracetui, write to cgroups and /proc, or {_SOCKETS}:"
                f" it can still {_OTHERS}, and {_TERMINAL}")
    if fenced:
        return (f" as your own user, unable to signal tracetui or {_SOCKETS}: it can still end or stop it"
                " through your cgroup (cgroup.kill) or /proc where ptrace is not limited, "
                f"{_OTHERS}, and {_TERMINAL}")
    return (" as your own user: it can stop or kill tracetui (what it starts may then outlive it) and write"
            " to your terminal")
