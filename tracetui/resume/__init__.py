"""Continue a session from one of its steps in an agent's own program (issue 39).

`continue_at` writes a new session in the target agent's format and folder holding the history up
to a step, and says the one command that continues it. The source log and the bucket are never
changed. docs/internals/resume.md has the why.
"""

from tracetui.resume.write import TARGETS, Resumed, continue_at, write_session

__all__ = ["TARGETS", "Resumed", "continue_at", "write_session"]
