"""Capsules: seal an episode, verify and open one, replay it on your own checkout (docs/design.md, "Capsule v1").

Public API (the CLI and the app call only these):

More in docs/internals/capsule.md, `capsule/__init__.py`.
"""

from __future__ import annotations

from tracetui.capsule import landlock, trust_bound
from tracetui.capsule.apply import path_refusal
from tracetui.capsule.archive import CapsuleError, Limits
from tracetui.capsule.bisect import BisectResult, bisect
from tracetui.capsule.keys import bucket_secret
from tracetui.capsule.limits import DEFAULT_LIMITS, CheckLimits
from tracetui.capsule.opened import OpenedCapsule, open_capsule
from tracetui.capsule.order import SealOrder, seal_in
from tracetui.capsule.reaper import fenceable, own_pids
from tracetui.capsule.replay import (
    FIXED,
    INCONCLUSIVE,
    REPRODUCES,
    TIMED_OUT,
    Replay,
    ReplayResult,
    capsule_files,
    open_replay,
    path_twins,
    replay,
    replay_target,
    skip_patches,
    untold,
)
from tracetui.capsule.sandbox import Sandbox, find_sandbox
from tracetui.capsule.scope import (
    SealRefused,
    SealScope,
    decide_commands,
    finding_line,
    in_scope,
    parse_steps,
    seal_scope,
)
from tracetui.capsule.scrub import gate_scrubbed
from tracetui.capsule.seal import SealBase, SealResult, seal, seal_base
from tracetui.capsule.verify import Verification, verify

__all__ = [
    "FIXED",
    "INCONCLUSIVE",
    "REPRODUCES",
    "TIMED_OUT",
    "BisectResult",
    "CapsuleError",
    "CheckLimits",
    "DEFAULT_LIMITS",
    "Limits",
    "OpenedCapsule",
    "Replay",
    "ReplayResult",
    "Sandbox",
    "SealRefused",
    "SealBase",
    "SealOrder",
    "SealResult",
    "SealScope",
    "Verification",
    "bisect",
    "bucket_secret",
    "decide_commands",
    "capsule_files",
    "path_refusal",
    "path_twins",
    "find_sandbox",
    "gate_scrubbed",
    "in_scope",
    "finding_line",
    "open_capsule",
    "open_replay",
    "fenceable",
    "own_pids",
    "parse_steps",
    "replay",
    "replay_target",
    "untold",
    "skip_patches",
    "seal",
    "seal_base",
    "seal_in",
    "seal_scope",
    "trusted_bound",
    "verify",
]


def trusted_bound() -> str:
    """What a trusted check can still do to tracetui and its user here, as the CLI and the app say it
    before it runs (`trust_bound.words`)."""
    return trust_bound.words(own_pids(), fenceable(), landlock.abi())
