"""The dataset card (README.md) of a parquet or raw export: the Hugging Face Hub's metadata
(`language`, `license`, `task_categories`, `size_categories`, tags with `agent-traces`, and for
parquet one config per table) and the sections of the Hub's dataset card template, filled from what
the export knows: the sessions per agent and month, the licence, what was scrubbed, how the outcome
labels were derived and where they fall short.

Written with `huggingface_hub`'s card tools (`DatasetCardData`, `DatasetCard`) where it is installed
(`pip install tracetui[hf]`); without it, a plain writer gives the same card from the same data, its
YAML values quoted as JSON strings where a bare one could read as something else. Every value on the
card is ours or passes `_plain`: the manifest it is made from is the user's file.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from tracetui import __version__
from tracetui.cost import dist_info_version
from tracetui.errors import TracetuiError, UsageError
from tracetui.export import tables
from tracetui.regular_file import CACHE_MOST, keep_cache, read_regular
from tracetui.safe_text import unpinged
from tracetui.sources import registry
from tracetui.trail import STATES

_LICENSE = re.compile(r"^[a-z0-9][a-z0-9.+\-]{0,63}\Z")  # \Z: `$` matches before a last newline too
# The Hub's size buckets, by the number of examples (here: sessions).
_SIZES = [
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
]
# The tag each agent's traces carry on the Hub (`agent-traces` is what its trace filter takes).
_AGENT_TAGS = {
    "claude": "claude-code",
    "codex": "codex",
    "pi": "pi",
    "gemini": "gemini-cli",
    "opencode": "opencode",
    "copilot": "copilot-cli",
}
# The card's lines that carry values, as the writer fills them: `check_views.card_view` reads them back
# from these same templates (the writer's words left out, the values read unless they are the writer's
# own words), and every other line of the card is one the writer writes as it is (`own_lines`).
DESCRIPTION = (
    "{sessions}, exported by tracetui {version}: every text scrubbed under the author's reviewed redaction "
    "plan and scanned again before it was written. Secrets and personal data read as placeholders such as "
    "`<AWS_KEY_1>`, `<EMAIL_2>`, `<HOME>` and `<USER>`; each session's receipt lists them by kind and count, "
    "never their values."
)
SESSIONS = "{total} session{s} of coding agents{agents}{span}"
AGENTS = ": {names}"
AGENT_COUNT = "{label} ({n})"
STARTED_IN = ", started in {first}"
STARTED_BETWEEN = ", started between {first} and {last}"
SEP = ", "  # between the items of a list on a line
NONE_YET = "none yet"
LICENSE = "- **License:** {license}"
RAW_FILES = (
    "Each session's own log files, as the agent wrote them but scrubbed in place (placeholders inside the "
    "JSON strings of its records, every other byte as written), in the layout community datasets take: "
    "`sessions/<agent>/<file>` ({folders}). The Hub's trace viewer and the agents' own tools read them back "
    "as logs. Each session's receipt, `receipts/<agent>/<session>.json`, lists what was scrubbed in it "
    "(kinds and counts, never values) and its outcome labels; `manifest.json` holds every file's sha256."
)
FOLDER = "`sessions/{folder}/`"
TABLE_ROW = "| {name} | {n} |"  # a table's rows, a table's sessions, a state's patches, a kind's spans
PRODUCERS = "The author, who wrote the prompts, and the coding agents ({producers}) with the models they ran."
LABELS_WHERE = {
    "parquet": "columns of `sessions` (`lines_*`, `tests`, `commits`) and the `patches` table",
    "raw": "each session's receipt (`labels`)",
}
ANNOTATION = (
    "Outcome labels come from git, not from the text, in {labels_where}: each patch's survival at the "
    "revision `{ref}` (alive, transformed, reverted, lost, uncommitted, or unknown where the exporting "
    "machine had no repository), the lines each session added and what became of them, the test commands "
    "it ran with their last exit status, and the commits that took its work."
)
KEPT = "Values the author chose to keep, as not sensitive, are in the receipts: {kinds}."
KEPT_KIND = "{kind} ({n} session{s})"
BIB_YEAR = "  year   = {{{year}}},"
BIB_NOTE = "  note   = {{Exported with tracetui {version}; outcome labels from git at {ref}}}"
AUTHORS = "Written by tracetui {version} from the export's manifest."
_BARE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/*+<\-]*$")
_YAML_WORDS = {"y", "yes", "n", "no", "true", "false", "on", "off", "null", "~"}


@dataclass(frozen=True, slots=True)
class Contents:
    """What the card says the dataset holds, from the export's manifest."""

    agents: dict[str, int]  # agent name -> sessions
    states: dict[str, int] | None  # survival state -> patches (None: an earlier export did not count them)
    months: list[str]  # the months sessions started in, sorted (YYYY-MM)
    scrubbed: dict[str, int] = field(default_factory=dict)  # kind -> spans replaced by placeholders
    kept: dict[str, int] = field(default_factory=dict)  # kind -> sessions whose author kept such a value


def license_id(value: str) -> str:
    """The --license value as the card's metadata takes it, or a clear error."""
    if not _LICENSE.match(value):
        raise UsageError(
            f"--license wants a licence id such as cc-by-4.0, mit or apache-2.0, got {value!r}"
        )
    return value


def contents(sessions: dict[str, Any], months: list[str], states: dict[str, int] | None) -> Contents:
    """A card's contents from the manifest's session entries (agent, receipt, rejected)."""
    agents: dict[str, int] = {}
    scrubbed: dict[str, int] = {}
    kept: dict[str, int] = {}
    for entry in sessions.values():
        if not isinstance(entry, dict):
            continue
        agent = str(entry.get("agent") or "unknown")
        agents[agent] = agents.get(agent, 0) + 1
        for row in entry.get("receipt") or ():
            if isinstance(row, dict) and isinstance(row.get("kind"), str):
                count = row.get("count")
                n = count if isinstance(count, int) and not isinstance(count, bool) and count > 0 else 1
                scrubbed[row["kind"]] = scrubbed.get(row["kind"], 0) + n
        kinds = {r.get("kind") for r in entry.get("rejected") or () if isinstance(r, dict)}
        for kind in kinds:
            if isinstance(kind, str):
                kept[kind] = kept.get(kind, 0) + 1
    return Contents(agents, states, sorted(m for m in months if m != "unknown"), scrubbed, kept)


def size_category(examples: int) -> str:
    return next((name for limit, name in _SIZES if examples < limit), "n>10M")


def metadata(license: str, about: Contents, configs: list[dict[str, Any]] | None) -> dict[str, Any]:
    """The card's YAML front matter, in the Hub's field names."""
    agent_tags = sorted({_AGENT_TAGS[a] for a in about.agents if a in _AGENT_TAGS})
    data: dict[str, Any] = {
        "language": ["en"],
        "license": license_id(license),
        "pretty_name": "Coding-agent sessions exported by tracetui",
        "size_categories": [size_category(sum(about.agents.values()))],
        "task_categories": ["text-generation"],
        "tags": ["agent-traces", "coding-agents", "agent-trajectories", "tool-use", "tracetui", *agent_tags],
    }
    if configs:
        data["configs"] = configs
    return data


def parquet_configs() -> list[dict[str, Any]]:
    """One config per table, its files by glob; `sessions` is the default."""
    out: list[dict[str, Any]] = []
    for n, table in enumerate(tables.TABLES):
        config: dict[str, Any] = {
            "config_name": table,
            "data_files": [{"split": "train", "path": f"data/{table}/**/*.parquet"}],
        }
        if n == 0:
            config["default"] = True
        out.append(config)
    return out


def dataset_card(license: str, ref: str, rows: dict[str, int], about: Contents, cache: Path | None = None) -> str:
    """The card of a parquet export; `cache`: a folder that keeps cards made before (`_render`)."""
    structure = _parquet_structure(rows) + _parquet_tables()
    body = _body(about, license, ref, structure, LABELS_WHERE["parquet"])
    return _render(metadata(license, about, parquet_configs()), body, cache)


def _parquet_structure(rows: dict[str, int]) -> list[str]:
    """A parquet card's structure: its tables, and the rows each holds."""
    return [
        "Four tables, one config each (`load_dataset(\"<repo or folder>\", \"steps\")`; `sessions` is the "
        "default), partitioned hive style by agent and month (`data/<table>/agent=claude/month=2026-05/"
        "part-00000.parquet`), and `agent` and `month` are columns of every file too, so every reader sees "
        "the same rows and columns with or without hive discovery: DuckDB "
        "(`read_parquet('data/steps/**/*.parquet')`), pandas, polars, Spark and "
        "`datasets.load_dataset(..., 'steps')` read them as they are.",
        "",
        "| table | rows |",
        "| --- | --- |",
        *[TABLE_ROW.format(name=t, n=rows.get(t, 0)) for t in tables.TABLES],
    ]


def _parquet_tables() -> list[str]:
    """Each table's columns, as the card describes them (after a blank line)."""
    out: list[str] = []
    for table, columns in tables.TABLES.items():
        out += ["", f"### {table}", "", "| column | type | description |", "| --- | --- | --- |"]
        out += [f"| `{name}` | {kind} | {desc} |" for name, kind, desc in columns]
    return out


def raw_card(license: str, ref: str, about: Contents, cache: Path | None = None) -> str:
    """The card of a raw export: the agents' own log files, which the Hub's trace viewer reads as
    they are (so no configs: `datasets` would take every agent's records as one table)."""
    folders = SEP.join(FOLDER.format(folder=_plain(_folder(a))) for a in sorted(about.agents))
    structure = [RAW_FILES.format(folders=folders or NONE_YET)]
    body = _body(about, license, ref, structure, LABELS_WHERE["raw"])
    return _render(metadata(license, about, None), body, cache)


def _folder(agent: str) -> str:
    from tracetui.export.raw import agent_folder

    return agent_folder(agent)


def _body(about: Contents, license: str, ref: str, structure: list[str], labels_where: str) -> list[str]:
    ref = _plain(ref)
    return [
        *_description(about, license),
        *structure,
        "",
        *_creation(about, ref, labels_where),
        *_limits_and_citation(about, ref),
    ]


def _description(about: Contents, license: str) -> list[str]:
    """The card's title, the dataset's description and its uses, up to its structure's heading."""
    return [
        "# Coding-agent sessions",
        "",
        DESCRIPTION.format(sessions=_sessions_line(about), version=__version__),
        "",
        "## Dataset Details",
        "",
        "### Dataset Description",
        "",
        "Real sessions of coding agents (prompts, the agent's messages and reasoning where logged, tool "
        "calls and their results, token usage), with outcome labels taken from git: what became of each "
        "change the agent made to a file.",
        "",
        "- **Curated by:** the person who ran these sessions and exported them with tracetui",
        "- **Language(s):** English for the most part (the agents' own text); prompts and code comments may "
        "be in other languages (not detected)",
        LICENSE.format(license=_word(license)),
        "",
        "## Uses",
        "",
        "### Direct Use",
        "",
        "Studying how coding agents work (tools, turns, context, cost), evaluating them against the outcome "
        "labels (which changes survived), and training or fine-tuning on tool use, with the labels to weigh "
        "or filter sessions.",
        "",
        "### Out-of-Scope Use",
        "",
        "Identifying or profiling the people, employers or projects behind the sessions; trying to recover "
        "what a placeholder replaced; reading a patch's survival as a verdict on its quality.",
        "",
        "## Dataset Structure",
        "",
    ]


def _creation(about: Contents, ref: str, labels_where: str) -> list[str]:
    """How the sessions were collected, scrubbed and labelled (`ref`: the labels' revision, plain)."""
    agents = sorted(about.agents, key=lambda a: (-about.agents[a], a))
    producers = SEP.join(_label(a) for a in agents) or NONE_YET
    return [
        "## Dataset Creation",
        "",
        "### Curation Rationale",
        "",
        "Sessions shared to learn from: the author chose them, reviewed every finding of the redaction "
        "detectors, and exported them with tracetui.",
        "",
        "### Source Data",
        "",
        "#### Data Collection and Processing",
        "",
        "The agents wrote these logs on the author's machine as they worked. tracetui read them, scrubbed "
        "every text under the author's redaction plan (secrets and personal data as placeholders; the home "
        "folder as `<HOME>`, the user name as `<USER>`), scanned the result again with the same detectors, "
        "and wrote only what passed.",
        "",
        "#### Who are the source data producers?",
        "",
        PRODUCERS.format(producers=producers),
        "",
        "### Annotations",
        "",
        "#### Annotation process",
        "",
        ANNOTATION.format(labels_where=labels_where, ref=ref),
        "",
        *_states_table(about.states),
        "Their limits: survival is measured at one revision, so later history is not in it; `transformed` "
        "means the lines were committed and later edited into similar lines (matched by similarity, not by "
        "meaning); a reverted or lost patch may still have been useful (an experiment, a step later "
        "replaced); `unknown` where the repository was not on the exporting machine; test commands are "
        "recognised by a test runner's name in a shell command, so others are missed.",
        "",
        "#### Who are the annotators?",
        "",
        "No person: tracetui computed the labels from the git history on the exporting machine.",
        "",
        "#### Personal and Sensitive Information",
        "",
        *_scrubbed_section(about),
        "",
    ]


def _limits_and_citation(about: Contents, ref: str) -> list[str]:
    """The card's closing sections: its limits, how to cite it and who wrote it."""
    return [
        "## Bias, Risks, and Limitations",
        "",
        "One author's sessions: their projects, languages, habits and the agents and models they used, not "
        "a sample of developers. Detectors miss what they do not know: names, code and project details may "
        "remain, and file paths inside a repository are kept exact. Costs and tokens are as the agents "
        "logged them.",
        "",
        "### Recommendations",
        "",
        "Read the receipts before use, weigh the outcome labels as signals rather than truth, and report "
        "anything sensitive that was missed to the dataset's maintainer so it can be removed.",
        "",
        "## Citation",
        "",
        "**BibTeX:**",
        "",
        "```bibtex",
        "@misc{coding_agent_sessions,",
        "  title  = {Coding-agent sessions exported by tracetui},",
        "  author = {{The dataset's contributors}},",
        *([BIB_YEAR.format(year=_latex(about.months[-1][:4]))] if about.months else []),
        BIB_NOTE.format(version=__version__, ref=_latex(ref)),
        "}",
        "```",
        "",
        "## Dataset Card Authors",
        "",
        AUTHORS.format(version=__version__),
        "",
    ]


def render(meta: dict[str, Any], body: list[str], cache: Path | None = None) -> str:
    """A card from its front matter and its body's lines (a team dataset's card, dataset/card.py)."""
    return _render(meta, body, cache)


def plain(text: str) -> str:
    """A value read from a manifest as one plain word or phrase of a card (no markup, no newline)."""
    return _word(text)


def agent_label(agent: str) -> str:
    return _label(agent)


def states_table(states: dict[str, int] | None) -> list[str]:
    return _states_table(states)


def _render(meta: dict[str, Any], body: list[str], cache: Path | None = None) -> str:
    """The card's text. With `cache`, a card made before from the same front matter, body and
    huggingface_hub is read back: its card tools cost half a second to import, most of a re-export
    that writes nothing else."""
    text = "\n".join(body)
    hub = dist_info_version("huggingface_hub")
    kept = None
    if cache is not None:
        key = hashlib.sha256(orjson.dumps([hub, meta, text], option=orjson.OPT_SORT_KEYS, default=str))
        kept = cache / "cards" / f"{key.hexdigest()[:32]}.md"
        try:
            return read_regular(kept, CACHE_MOST).decode("utf-8")
        except (OSError, TracetuiError, UnicodeDecodeError):  # also a FIFO, or a file too large
            pass
    try:
        from huggingface_hub import DatasetCard, DatasetCardData
    except ImportError:
        card = f"---\n{_plain_yaml(meta)}---\n\n{text}"
    else:
        card = str(DatasetCard(f"---\n{DatasetCardData(**meta).to_yaml()}\n---\n\n{text}"))
    if kept is not None:
        _keep_card(kept, card)
    return card


_CARDS_KEPT = 16  # the newest cards a cache keeps (one per export folder is the common case)


def _keep_card(path: Path, card: str) -> None:
    """Keep a made card for the next export, and only the newest few."""
    if not keep_cache(path, card.encode("utf-8")):
        return
    try:
        cards = sorted(path.parent.glob("*.md"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in cards[_CARDS_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # another export's prune, at the same time


def _plain_yaml(meta: dict[str, Any]) -> str:
    """The front matter without a YAML library: our keys and values only, in the shape the Hub's own
    writer gives (block lists, `- key: value` maps)."""
    lines: list[str] = []
    for key, value in meta.items():
        if isinstance(value, list):
            lines.append(f"{key}:")
            for item in value:
                if isinstance(item, dict):
                    lines += _plain_map(item, "- ", "  ")
                else:
                    lines.append(f"- {_scalar(item)}")
        else:
            lines.append(f"{key}: {_scalar(value)}")
    return "\n".join(lines) + "\n"


def _plain_map(item: dict[str, Any], first: str, rest: str) -> list[str]:
    lines: list[str] = []
    for n, (key, value) in enumerate(item.items()):
        lead = first if n == 0 else rest
        if isinstance(value, list):
            lines.append(f"{lead}{key}:")
            for sub in value:
                if isinstance(sub, dict):
                    lines += _plain_map(sub, rest + "- ", rest + "  ")
                else:
                    lines.append(f"{rest}- {_scalar(sub)}")
        else:
            lines.append(f"{lead}{key}: {_scalar(value)}")
    return lines


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    bare = _BARE.match(text) and text.lower() not in _YAML_WORDS and not re.match(r"^[0-9.+\-]", text)
    return text if bare else json.dumps(text)


def _sessions_line(about: Contents) -> str:
    total = sum(about.agents.values())
    by_count = sorted(about.agents.items(), key=lambda kv: (-kv[1], kv[0]))
    names = SEP.join(AGENT_COUNT.format(label=_label(a), n=n) for a, n in by_count)
    span = ""
    if about.months:
        first, last = _word(about.months[0]), _word(about.months[-1])
        one = first == last
        span = STARTED_IN.format(first=first) if one else STARTED_BETWEEN.format(first=first, last=last)
    agents = AGENTS.format(names=names) if names else ""
    return SESSIONS.format(total=total, s="" if total == 1 else "s", agents=agents, span=span)


def _label(agent: str) -> str:
    try:
        return registry.label(agent)
    except ValueError:
        return _word(agent)  # the manifest is the user's file; whatever it says stays one plain word


def _states_table(states: dict[str, int] | None) -> list[str]:
    """The outcome labels' balance: how many patches each survival state holds."""
    if not states:
        return []
    order = [s for s in STATES if states.get(s)] + sorted(s for s in states if s not in STATES and states[s])
    lines = ["| survival of the patches | patches |", "| --- | --- |"]
    lines += [TABLE_ROW.format(name=_word(s), n=states[s]) for s in order]
    return lines + [""]


def _scrubbed_section(about: Contents) -> list[str]:
    lines = [
        "Real work can hold secrets and personal data. Each value the detectors found and the author "
        "confirmed (or that was sure) was replaced by a placeholder of its kind, numbered per session; the "
        "author's home folder and user name read `<HOME>` and `<USER>`.",
        "",
    ]
    if about.scrubbed:
        lines += ["| kind scrubbed | spans replaced |", "| --- | --- |"]
        by_count = sorted(about.scrubbed.items(), key=lambda kv: (-kv[1], kv[0]))
        lines += [TABLE_ROW.format(name=_word(k), n=n) for k, n in by_count]
        lines.append("")
    else:
        lines += ["No value needed scrubbing.", ""]
    if about.kept:
        kinds = SEP.join(KEPT_KIND.format(kind=_word(k), n=n, s="" if n == 1 else "s")
                         for k, n in sorted(about.kept.items()))
        lines += [KEPT.format(kinds=kinds), ""]
    lines.append(
        "What no detector knows is not scrubbed: names of people and projects in prose, code, and file paths "
        "inside a repository (kept exact so the outcome labels can be checked)."
    )
    return lines


def _plain(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable() and ch not in "`|<>\n")[:80]


# LaTeX's special characters as the text they are: the revision is a recipe's word (a stranger's), and
# `HEAD}, howpublished = {\input{/etc/passwd}` closed the note and put a command in the paper of whoever
# cited the dataset. No brace is left bare: BibTeX counts even an escaped one.
_LATEX = str.maketrans({"\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}",
                        "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                        **{c: "\\" + c for c in "&%$#_"}})  # fmt: skip


def _latex(text: str) -> str:
    """`text` (plain already) for a BibTeX field, its LaTeX specials spelled as text."""
    return text.translate(_LATEX)


_MARKUP = re.compile(r"([\\\[\]*_~])")


def _word(text: str) -> str:
    """`_plain` for the card's prose and tables (not a code span): Markdown's link, image and emphasis
    characters backslashed. Another machine's manifest named a kind `![p](https://evil.example/p.png)`,
    and the team card every machine publishes showed that image to each visitor of the dataset. `&` is
    written `&amp;` (`&#64;` is an `@`), and a mention or issue reference is unpinged (safe_text)."""
    return unpinged(_MARKUP.sub(r"\\\1", _plain(text).replace("&", "&amp;")))


def own_lines() -> frozenset[str]:
    """Every line of a card's body that holds no value of an export's (its headings, its prose, its
    tables' heads, a parquet table's columns), as the writer writes them: the body of each card, empty
    and full (its lines made from a template above hold the writer's own words and no licence or
    revision; `check_views.card_view` reads those lines by their templates)."""
    full = Contents({a: 1 for a in registry.READER_MODULES}, dict.fromkeys(STATES, 1), ["2026-01", "2026-02"],
                    {"email": 1}, {"email": 1})  # fmt: skip
    empty = Contents({}, None, [])
    lines: set[str] = set()
    for about in (full, empty):
        parquet = _parquet_structure({}) + _parquet_tables()
        lines.update(_body(about, "", "", parquet, LABELS_WHERE["parquet"]))
        lines.update(_body(about, "", "", [RAW_FILES], LABELS_WHERE["raw"]))
    return frozenset(lines)
