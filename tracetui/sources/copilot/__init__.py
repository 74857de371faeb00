"""GitHub Copilot CLI's reader (format: docs/formats/copilot.md)."""
