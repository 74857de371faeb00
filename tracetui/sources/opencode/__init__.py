"""OpenCode's reader and the stage that joins its storage files (format: docs/formats/opencode.md)."""
