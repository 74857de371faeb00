"""What to tell a user whose bucket is still empty: where tracetui looked, how to look elsewhere."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tracetui.sources import registry

if TYPE_CHECKING:  # the CLI imports this module to register its commands: no index loaded for that
    from tracetui.bucket import SourceFolder


def where_looked(folders: list[SourceFolder]) -> list[str]:
    """Lines (plain text, one each) naming every folder searched for logs and whether it exists,
    then how to point tracetui at other folders."""
    lines = ["No agent logs were found. Looked in:" if folders else "No folders to look in."]
    width = max((len(f.label) for f in folders), default=0)
    paths = [_home_short(f.path) for f in folders]
    path_width = max((len(p) for p in paths), default=0)
    for folder, path in zip(folders, paths):
        there = "  (not there)" if not folder.exists else ""
        lines.append(f"  {folder.label.ljust(width)}  {path.ljust(path_width) if there else path}{there}")
    lines.append(
        f"Logs kept elsewhere: `tracetui sync --source AGENT=PATH` (AGENT: {registry.spoken_names()}; "
        "repeatable), or `tracetui --source AGENT=PATH` to open the app on them."
    )
    return lines


def _home_short(path: str) -> str:
    home = str(Path.home())
    return "~" + path[len(home) :] if home not in ("", "/") and (path == home or path.startswith(home + "/")) else path
