"""Pi's reader, with OpenClaw's trajectories and subagent index (format: docs/formats/pi.md)."""
