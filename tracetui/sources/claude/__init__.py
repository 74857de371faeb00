"""Claude Code's reader: transcripts, subagents, resume (format: docs/formats/claude.md)."""
