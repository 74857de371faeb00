"""What a log's branch field names: a branch, or none (a folder outside git, a detached HEAD).

More in docs/internals/sources.md, `sources/common/git_branch.py`.
"""

from __future__ import annotations

import re

# Copilot CLI 1.0.102's `branch` on a detached HEAD: `detached@` and the commit's short hash.
_DETACHED = re.compile(r"detached@[0-9a-f]{4,40}")


def named_branch(value: object) -> str | None:
    """`value` where it names a branch, else None. Claude Code 2.1.332 logs `gitBranch: "HEAD"` in a
    folder outside git and on a detached HEAD (git's own word for "on no branch"; git refuses a branch
    of that name), Copilot CLI `detached@<short hash>`."""
    if not isinstance(value, str) or not value or value == "HEAD" or _DETACHED.fullmatch(value):
        return None
    return value
