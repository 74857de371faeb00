"""The dataset card of a parquet export: a Hugging Face README.md whose front matter declares one
config per table (its parquet files by glob), the licence the user picked, and every column described.

Written by hand rather than through a YAML library: every value in it is ours (table names, globs, a
licence id checked against a plain pattern), none comes from a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracetui import __version__
from tracetui.export import tables
from tracetui.sources import registry
from tracetui.trail import STATES


@dataclass(frozen=True, slots=True)
class Contents:
    """What the card says the dataset holds, from the export's manifest."""

    agents: dict[str, int]  # agent name -> sessions
    states: dict[str, int] | None  # survival state -> patches (None: an earlier export did not count them)
    months: list[str]  # the months sessions started in, sorted (YYYY-MM)


def dataset_card(license_id: str, ref: str, rows: dict[str, int], about: Contents) -> str:
    lines = [
        "---",
        f"license: {license_id}",
        "pretty_name: Coding-agent sessions exported by tracetui",
        "tags:",
        "- coding-agents",
        "- agent-trajectories",
        "- tracetui",
        "configs:",
    ]
    for n, table in enumerate(tables.TABLES):
        lines += [
            f"- config_name: {table}",
            "  data_files:",
            "  - split: train",
            f"    path: data/{table}/**/*.parquet",
        ]
        if n == 0:
            lines.append("  default: true")
    lines += ["---", "", "# Coding-agent sessions", ""]
    lines += [
        f"{_sessions_line(about)}, exported by tracetui "
        f"{__version__}: every text scrubbed under the author's reviewed redaction plan and scanned again "
        "before it was written. Secrets and personal data read as placeholders such as `<AWS_KEY_1>`, "
        "`<EMAIL_2>`, `<HOME>` and `<USER>`; "
        "each session's receipt lists them by kind and count, never their values.",
        "",
        "Outcome labels come from git, not from the text: each patch's survival at the revision "
        f"`{_plain(ref)}` (alive, transformed, reverted, lost, uncommitted, or unknown where the exporting "
        "machine "
        "had no repository), the lines each session added and what became of them, the test commands it ran "
        "with their last exit status, and the commits that took its work.",
        "",
        *_states_table(about.states),
        "Files are partitioned hive style by agent and month (`data/<table>/agent=claude/month=2026-05/"
        "part-00000.parquet`), and `agent` and `month` are columns of every file too, so every reader sees "
        "the same rows and columns with or without hive discovery: DuckDB "
        "(`read_parquet('data/steps/**/*.parquet')`), pandas, polars, Spark and "
        "`datasets.load_dataset(..., 'steps')` read them as they are.",
        "",
        "| table | rows |",
        "| --- | --- |",
    ]
    lines += [f"| {t} | {rows.get(t, 0)} |" for t in tables.TABLES]
    for table, columns in tables.TABLES.items():
        lines += ["", f"## {table}", "", "| column | type | description |", "| --- | --- | --- |"]
        lines += [f"| `{name}` | {kind} | {desc} |" for name, kind, desc in columns]
    lines.append("")
    return "\n".join(lines)


def _sessions_line(about: Contents) -> str:
    total = sum(about.agents.values())
    names = ", ".join(f"{_label(a)} ({n})" for a, n in sorted(about.agents.items(), key=lambda kv: (-kv[1], kv[0])))
    span = ""
    if about.months:
        first, last = _plain(about.months[0]), _plain(about.months[-1])
        span = f", started in {first}" if first == last else f", started between {first} and {last}"
    return f"{total} session{'' if total == 1 else 's'} of coding agents" + (f": {names}" if names else "") + span


def _label(agent: str) -> str:
    try:
        return registry.get(agent).label
    except ValueError:
        return _plain(agent)  # the manifest is the user's file; whatever it says stays one plain word


def _states_table(states: dict[str, int] | None) -> list[str]:
    """The outcome labels' balance: how many patches each survival state holds."""
    if not states:
        return []
    order = [s for s in STATES if states.get(s)] + sorted(s for s in states if s not in STATES and states[s])
    lines = ["| survival of the patches | patches |", "| --- | --- |"]
    lines += [f"| {_plain(s)} | {states[s]} |" for s in order]
    return lines + [""]


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and ch not in "`|\n")[:80]
