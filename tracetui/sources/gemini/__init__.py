"""Gemini CLI's reader and the stage that splits shared files (format: docs/formats/gemini.md)."""
