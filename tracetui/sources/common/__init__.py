"""What every reader shares: JSONL framing, type coercion, patches, titles, resume state, staging."""
