"""Views: what a face shows, decided once for the CLI and the app (docs/design.md, "Layers").

- `session_shape`: a session's rows for display (subagents, branches, durations);
- `trail`: the trail as a face shows it (worst state per step, counts on the final path, abandoned
  branches apart);
- `format`: numbers, times and one-line summaries;
- `first_run`: what to say while the bucket is empty (where tracetui looked, how to look elsewhere).
- `unread`: what a session's logs held that its reader could not use (a count, the first reason);
- `fork`: what the faces say of a fork or a subagent, and whether the library holds its parent;
- `session_list`, `session_header`, `context_total`: the words the app's browser shows around its
  list, over the open session and over its Context pane.

What a seal carries and why it refuses is `tracetui.capsule.SealScope`, which the seal itself uses.
Nothing here imports Textual or prints.
"""
