"""What a trusted check (run unconfined, `--trust`) can still do to tracetui and to its user, said in
the words the CLI prints and the app's trust box shows before it runs (docs/design.md, "Replay")."""

from __future__ import annotations

# The user's service manager takes any of the user's processes at its word: `systemctl --user kill`
# on the unit tracetui runs in (a terminal's scope, named in /proc/self/cgroup) ends it and its shell.
_MANAGER = "have your session's service manager (systemctl --user) end tracetui and your other programs"


def words(own_pids: bool, fenced: bool, landlocked: bool) -> str:
    """The bound, a clause to follow "runs unconfined": `own_pids`, the check gets a pid namespace;
    `fenced`, the seccomp fence holds (`reaper.fence`); `landlocked`, the Landlock domain too."""
    if own_pids:  # (the manager's and the buses' sockets are /dev/null there: `reaper._managers_hidden`)
        return " in a process namespace of its own (all it starts ends with tracetui)"
    if fenced and landlocked:
        return (" as your own user, unable to signal tracetui or write to cgroups and /proc: it can still stop or"
                f" kill your other programs (what it starts may then outlive tracetui), {_MANAGER}, and write to"
                " your terminal")
    if fenced:
        return (" as your own user, unable to signal tracetui: it can still end or stop it through your cgroup"
                " (cgroup.kill) or /proc where ptrace is not limited, stop or kill your other programs (what it"
                f" starts may then outlive tracetui), {_MANAGER}, and write to your terminal")
    return (" as your own user: it can stop or kill tracetui (what it starts may then outlive it) and write"
            " to your terminal")
