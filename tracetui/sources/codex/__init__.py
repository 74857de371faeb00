"""OpenAI Codex CLI's reader and its zstd stage (format: docs/formats/codex.md)."""
