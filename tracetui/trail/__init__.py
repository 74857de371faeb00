"""The trail: what each step of a session changed, and whether that change survived in git.

Public API (the CLI, the UI and the capsule builder use only these):

More in docs/internals/trail.md, `trail/__init__.py`.
"""

from __future__ import annotations

from tracetui.trail.mapping import RepoMap, belongs, clone_hint, given_clone, map_repository, open_clone, same_repository
from tracetui.trail.patch import Patch
from tracetui.trail.patches import session_patches, unified_diff
from tracetui.trail.shell_patches import SHELL, shell_patches
from tracetui.trail.snapshot import HookInput, Snapshot, hook_document, hook_input, snapshots, take_snapshot
from tracetui.trail.fates import STATES, Fate, Trail, summarize
from tracetui.trail.survival import trail
from tracetui.trail.by_file import TrailByFile
from tracetui.trail.two_cores import on_two_cores

__all__ = [
    "SHELL",
    "STATES",
    "Fate",
    "HookInput",
    "Patch",
    "RepoMap",
    "Snapshot",
    "Trail",
    "TrailByFile",
    "belongs",
    "clone_hint",
    "given_clone",
    "hook_document",
    "hook_input",
    "map_repository",
    "on_two_cores",
    "open_clone",
    "same_repository",
    "session_patches",
    "shell_patches",
    "snapshots",
    "summarize",
    "take_snapshot",
    "trail",
    "unified_diff",
]
