"""The team dataset's own card (`README.md` at its root, docs/dataset.md): what every machine's part
holds, summed from their manifests, in the Hugging Face Hub's card format (the parquet export's card
tools, tracetui.export.card), so the dataset reads as one on the Hub and anywhere else.

Each export into a dataset writes it again from the manifests the dataset holds then: the counts per
machine, per agent and month, the licences, the outcome labels' balance and what was scrubbed (kinds
and counts). It names machines by their ids and nothing else of them: no user name, no revision, no
folder (the manifests hold those; the card does not copy them). A manifest that cannot be read is
left out and counted. It is the one file no machine owns; every machine writes the same card from
the same manifests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from tracetui import __version__
from tracetui.dataset.location import Location, check_machine
from tracetui.errors import TracetuiError
from tracetui.export.card import (
    agent_label,
    contents,
    license_id,
    metadata,
    parquet_configs,
    plain,
    render,
    states_table,
)
from tracetui.export.manifest import manifest_problem
from tracetui.sources.common.jsonl import loads_whole

CARD = "README.md"
MANIFEST_LIMIT = 256 << 20  # as publish reads a manifest
_MONTH = re.compile(r"^[0-9]{4}-[0-9]{2}\Z")  # \Z: `$` matches before a last newline too


@dataclass(slots=True)
class Summary:
    """What the machines' manifests say, summed (module docstring)."""

    machines: dict[str, dict[str, int]] = field(default_factory=dict)  # machine -> agent -> sessions
    months: dict[tuple[str, str], int] = field(default_factory=dict)  # (agent, month) -> sessions
    licenses: dict[str, int] = field(default_factory=dict)  # licence -> machines
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows
    states: dict[str, int] | None = field(default_factory=dict)
    sessions: dict[str, Any] = field(default_factory=dict)  # "<machine>/<session>" -> manifest entry
    unread: list[str] = field(default_factory=list)  # machines whose manifest could not be read


def summarise(location: Location) -> Summary:
    """Every machine's manifest in the dataset, summed."""
    out = Summary()
    for machine in location.machines():
        try:
            check_machine(machine)
        except TracetuiError:
            continue  # not a machine's folder: no name of it goes on the card
        manifest = _manifest(location, machine)
        if manifest is None:
            out.unread.append(machine)
            continue
        _add(out, machine, manifest)
    return out


def _manifest(location: Location, machine: str) -> dict[str, Any] | None:
    try:
        with location.open_read(f"machines/{machine}/manifest.json") as fh:  # no FIFO, no link out
            data = fh.read(MANIFEST_LIMIT + 1)
        parsed = loads_whole(data) if len(data) <= MANIFEST_LIMIT else None
    except (OSError, orjson.JSONDecodeError):
        return None
    return parsed if manifest_problem(parsed) is None else None


def _add(out: Summary, machine: str, manifest: dict[str, Any]) -> None:
    agents = out.machines.setdefault(machine, {})
    for sid, entry in manifest["sessions"].items():
        agent = str(entry.get("agent") or "unknown")
        agents[agent] = agents.get(agent, 0) + 1
        out.sessions[f"{machine}/{sid}"] = entry
    options = manifest.get("options")
    wanted = options.get("license") if isinstance(options, dict) else None
    licence = wanted if isinstance(wanted, str) and _licence_ok(wanted) else "other"
    out.licenses[licence] = out.licenses.get(licence, 0) + 1
    for name, group in manifest["groups"].items():
        keys = dict(part.partition("=")[::2] for part in str(name).split("/"))
        members = [s for s in group.get("sessions", ()) if isinstance(s, str)]
        month = keys.get("month", "")
        if members and _MONTH.match(month):
            agent = str(manifest["sessions"].get(members[0], {}).get("agent") or keys.get("agent") or "unknown")
            out.months[(agent, month)] = out.months.get((agent, month), 0) + len(members)
        for table, n in (group.get("rows") or {}).items():
            if isinstance(table, str) and isinstance(n, int) and not isinstance(n, bool) and n >= 0:
                out.rows[table] = out.rows.get(table, 0) + n
        states = group.get("states")
        if out.states is not None and isinstance(states, dict):
            for state, n in states.items():
                if isinstance(n, int) and not isinstance(n, bool) and n >= 0:
                    out.states[str(state)] = out.states.get(str(state), 0) + n
        elif (group.get("rows") or {}).get("patches"):
            out.states = None  # a group an earlier version wrote: its patches were not counted by state


def _licence_ok(value: str) -> bool:
    try:
        license_id(value)
    except TracetuiError:
        return False
    return True


def team_card(summary: Summary) -> str:
    """The card's text (front matter and body)."""
    months = sorted({m for _, m in summary.months})
    about = contents(summary.sessions, months, summary.states)
    licence = next(iter(summary.licenses)) if len(summary.licenses) == 1 else "other"
    return render(metadata(licence, about, parquet_configs()), _body(summary, about, licence))


def write_card(location: Location) -> bool:
    """Write the dataset's card from its manifests; False where it was the same already."""
    data = team_card(summarise(location)).encode()
    if location.link_in(CARD) is not None:
        # Every member's to plant: a link to a file of the user's was overwritten with the card.
        raise TracetuiError(f"{CARD} is a symbolic link: not written through")
    try:
        with location.open_read(CARD) as fh:
            if fh.read(len(data) + 1) == data:
                return False
    except OSError:
        pass
    # A new file renamed over the name (Location.write): a hard link planted there is not written into.
    location.pipe(CARD, data)
    return True


def _body(summary: Summary, about: Any, licence: str) -> list[str]:
    total = sum(about.agents.values())
    machines = sorted(summary.machines)
    agents = sorted(about.agents, key=lambda a: (-about.agents[a], a))
    span = f", started between {months[0]} and {months[-1]}" if (months := about.months) else ""
    lines = [
        "# Coding-agent sessions of a team",
        "",
        f"{total} session{'' if total == 1 else 's'} of coding agents from {len(machines)} machine"
        f"{'' if len(machines) == 1 else 's'}{span}, each machine's exported by tracetui (this card: "
        f"tracetui {__version__}, from the machines' manifests). Every text was scrubbed under its author's "
        "reviewed redaction plan and scanned again before it was written; secrets and personal data read "
        "as placeholders such as `<AWS_KEY_1>`, `<EMAIL_2>`, `<HOME>` and `<USER>`.",
        "",
        "## Dataset Structure",
        "",
        "Hive-partitioned Parquet, four tables (`sessions`, `steps`, `tool_calls`, `patches`; one config "
        "each), partitioned by machine, agent and month: `data/<table>/machine=<id>/agent=<agent>/"
        "month=<YYYY-MM>/part-00000.parquet`, and `machine`, `agent` and `month` are columns of every row "
        "too. Each machine's own card, manifest (every file's sha256) and receipts are under "
        "`machines/<id>/`; their columns are described in those cards. A session is keyed by "
        "`machine, session_id`.",
        "",
        "| table | rows |",
        "| --- | --- |",
        *[f"| {t} | {summary.rows.get(t, 0)} |" for t in ("sessions", "steps", "tool_calls", "patches")],
        "",
        "### Machines",
        "",
        "| machine | sessions | " + " | ".join(agent_label(a) for a in agents) + " |",
        "| --- | --- | " + " | ".join("---" for _ in agents) + " |",
    ]
    for machine in machines:
        mine = summary.machines[machine]
        counts = " | ".join(str(mine.get(a, 0)) for a in agents)
        lines.append(f"| {plain(machine)} | {sum(mine.values())} | {counts} |")
    lines += ["", "### Sessions per agent and month", "", "| month | " + " | ".join(agent_label(a) for a in agents)
              + " |", "| --- | " + " | ".join("---" for _ in agents) + " |"]  # fmt: skip
    for month in sorted({m for _, m in summary.months}):
        lines.append(f"| {month} | " + " | ".join(str(summary.months.get((a, month), 0)) for a in agents) + " |")
    lines += ["", "## License", ""]
    if len(summary.licenses) == 1:
        lines.append(f"{plain(licence)}, as every machine exported under it.")
    else:
        named = ", ".join(
            f"{plain(k)} ({n} machine{'' if n == 1 else 's'})" for k, n in sorted(summary.licenses.items())
        )
        lines.append(f"The machines exported under different licences: {named}; each machine's card says its own.")
    lines += [
        "",
        "## Annotations",
        "",
        "Outcome labels come from git on each exporting machine, not from the text, in columns of `sessions` "
        "(`lines_*`, `tests`, `commits`) and the `patches` table: each patch's survival at the revision that "
        "machine's export named (alive, transformed, reverted, lost, uncommitted, or unknown where the "
        "machine had no repository), the lines each session added and what became of them, the test "
        "commands it ran with their last exit status, and the commits that took its work. Survival is "
        "measured at one revision per machine, `transformed` is matched by similarity, and a reverted or "
        "lost patch may still have been useful.",
        "",
        *states_table(summary.states),
        "## Personal and Sensitive Information",
        "",
    ]
    if about.scrubbed:
        lines += ["| kind scrubbed | spans replaced |", "| --- | --- |"]
        lines += [f"| {plain(k)} | {n} |" for k, n in sorted(about.scrubbed.items(), key=lambda kv: (-kv[1], kv[0]))]
        lines.append("")
    lines.append("Each session's receipt (`machines/<id>/receipts/`) lists what was scrubbed in it, by kind and "
                 "count, never the values. What no detector knows is not scrubbed: names in prose, code, and "
                 "file paths inside a repository.")  # fmt: skip
    if summary.unread:
        lines += ["", f"Not counted here: {len(summary.unread)} machine(s) whose manifest could not be read."]
    lines += ["", "## Dataset Card Authors", "", f"Written by tracetui {__version__} from the machines' manifests.", ""]
    return lines
