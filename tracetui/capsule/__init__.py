"""Capsules: seal an episode, verify and open one, replay it on your own checkout (docs/design.md, "Capsule v1").

Public API (the CLI and the app call only these):

- `seal(session, plan, steps=(a, b), repo=None, out=None, accept_suggested=False, *, secret=None,
  ref="HEAD", base=None, sign_key=None, store=None, cache_dir=None) -> SealResult`; raises
  `SealRefused` (with `.findings`: step, field, kind, tier; never values; and `.kinds` to decide)
  while suggestions are undecided or the second gate finds a value no field holds that waits for a
  decision. What the gate finds goes into `plan` (saved to `store`); `cache_dir` (the bucket's) gives
  the fates from the trail's cache and keeps the gate's findings per text. `seal_scope(session, plan, steps) -> SealScope`: what the capsule would carry, its
  sure and undecided findings and `refusal()`; `finding_line(f)` describes one finding to a person
  (the CLI and the app both use it); `decide_commands(session_id, "A:B", kinds)` the commands that
  decide what stopped a seal.
  `seal_base(session, steps, repo) -> SealBase(repo, commit, note)`: the repository a seal from the
  app reads and the base it stamps (the app's `--repo` only for a session that belongs to it).
  `parse_steps("A:B")` turns the CLI's range into `(a, b)` (indexes, both included).
- `bucket_secret(bucket_root) -> bytes`: the private secret per-capsule keys are derived from.
- `open_capsule(path) -> OpenedCapsule`: verified in memory; quacks like the bucket's read side
  (list_sessions, count_sessions, session, resolve, search, projects, agents) plus `manifest`,
  `receipt`, `fates`, `context(step_id)`, `readme`, `check_signature(...)`, `read_only = True`.
- `verify(path, allowed_signers=None, identity=None) -> Verification`.
- `replay(capsule_or_path, repo, check=None, ref="HEAD") -> ReplayResult`; `open_replay(capsule,
  repo) -> Replay` (at the base commit) to step through patches (`apply_next()`), e.g. from the app.
- `CapsuleError` (a TracetuiError): every refusal names the member or field that is wrong.
"""

from __future__ import annotations

from tracetui.capsule.archive import CapsuleError, Limits
from tracetui.capsule.bisect import BisectResult, bisect
from tracetui.capsule.keys import bucket_secret
from tracetui.capsule.opened import OpenedCapsule, open_capsule
from tracetui.capsule.replay import (
    FIXED,
    INCONCLUSIVE,
    REPRODUCES,
    TIMED_OUT,
    Replay,
    ReplayResult,
    capsule_files,
    open_replay,
    path_refusal,
    path_twins,
    replay,
    replay_target,
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
from tracetui.capsule.seal import SealBase, SealResult, seal, seal_base
from tracetui.capsule.verify import Verification, verify

__all__ = [
    "FIXED",
    "INCONCLUSIVE",
    "REPRODUCES",
    "TIMED_OUT",
    "BisectResult",
    "CapsuleError",
    "Limits",
    "OpenedCapsule",
    "Replay",
    "ReplayResult",
    "Sandbox",
    "SealRefused",
    "SealBase",
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
    "in_scope",
    "finding_line",
    "open_capsule",
    "open_replay",
    "parse_steps",
    "replay",
    "replay_target",
    "seal",
    "seal_base",
    "seal_scope",
    "verify",
]
