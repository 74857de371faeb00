"""Every key of the app, in one table: the bindings, the palette's commands and the key help (f1) are
all made from these rows, and each row's id is what a user's keymap file names to move its key.

A row belongs to one scope, the widget or screen whose `BINDINGS` it fills (`bindings(scope)`).
Rows with a `palette` name are also commands in the palette. The palette runs actions from the app:
a screen's action is prefixed `screen.`, and the timeline's go through the screen that owns it
(`screen.timeline_cmd(...)`), so each row says its action once.

The keymap: `keymap.toml` in the config folder (`tracetui keys` prints its path and every id), a
table of `id = "keys"`, keys comma-separated in Textual's names (`ctrl+s`, `f2`, `S`, `slash`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_path
from textual.binding import Binding, BindingType

from tracetui.errors import TracetuiError
from tracetui.regular_file import read_regular
from tracetui.settings import CONFIG_LIMIT, NotToml, load_toml


@dataclass(frozen=True, slots=True)
class Action:
    id: str  # "<scope>.<name>": the keymap's name for it
    keys: str  # the default keys, comma-separated ("" for a palette-only command)
    action: str  # the Textual action, in its scope's own namespace
    label: str  # footer and key help
    help: str = ""  # tooltip, key help and palette help
    footer: bool = True
    palette: str | None = None  # its name in the palette; None keeps it out
    needs: str | None = None  # "capsule": offered only while a capsule is open
    priority: bool = False
    pinned: bool = False  # the footer never cuts it: the way to help, and the way out

    @property
    def scope(self) -> str:
        return self.id.split(".", 1)[0]


# Where the palette (which runs actions from the app) finds each scope's actions.
_NAMESPACE = {"app": "app", "browser": "screen"}

ACTIONS: tuple[Action, ...] = (
    # -- the app, everywhere
    Action("app.quit", "q", "quit", "Quit", "Leave tracetui", pinned=True),
    Action("app.quit_now", "ctrl+q", "quit", "Quit", footer=False, priority=True),
    Action("app.keys", "f1,question_mark", "toggle_keys", "Keys", "Show every key of the focused pane",
           pinned=True),  # fmt: skip
    # In the palette and the key help, not the footer: the footer is full at 120 columns.
    Action(
        "app.next_theme", "ctrl+t", "next_theme", "Theme", "Switch to the next colour theme", footer=False
    ),
    Action(
        "app.jump_step",
        "ctrl+g",
        "jump_step",
        "Go to step",
        "Jump to a step of the open session",
        palette="Jump to step…",
    ),
    Action(
        "app.open_capsule",
        "",
        "open_capsule",
        "Open capsule",
        "Verify a capsule file and browse it read-only",
        palette="Open capsule…",
    ),
    Action(
        "app.search",
        "ctrl+f",
        "search_steps",
        "Search",
        "Full-text search over what every session's steps said (kind:context: what the harness injected)",
        palette="Search steps…",
    ),
    # -- the browser screen
    Action(
        "browser.filter",
        "slash",
        "focus_filter",
        "Filter",
        "Filter sessions: words (what was said; kind:context looks in what the harness injected), "
        "agent:NAME, project:NAME",
        palette="Filter sessions",
    ),
    Action(
        "browser.focus_sessions",
        "1",
        "focus_pane('sessions')",
        "Sessions",
        "Move to the sessions list",
        footer=False,
        palette="Focus sessions",
    ),
    Action(
        "browser.focus_timeline",
        "2",
        "focus_pane('timeline')",
        "Timeline",
        "Move to the steps of the open session",
        footer=False,
        palette="Focus timeline",
    ),
    Action(
        "browser.focus_detail", "3", "focus_pane('detail')", "Detail", "Move to the detail pane", footer=False
    ),
    Action(
        "browser.detail",
        "d",
        "tab('detail')",
        "Detail",
        "The chosen step in full",
        palette="Show step detail",
    ),
    Action(
        "browser.context",
        "c",
        "tab('ctx')",
        "Context",
        "What the model could see at this step",
        palette="Show context",
    ),
    Action(
        "browser.diff",
        "f",
        "tab('diff')",
        "Diff",
        "What this step changed, and whether it survived",
        palette="Show diff",
    ),
    Action(
        "browser.trail",
        "t",
        "tab('trail')",
        "Trail",
        "Every patch of the session and its fate in git",
        palette="Show trail",
    ),
    Action("browser.trail_clone", "", "trail_clone", "Trail clone",
           "Judge the open session's trail in a clone you name, where its logged folder is gone or elsewhere",
           footer=False, palette="Judge the trail in a clone…"),  # fmt: skip
    Action("browser.agent", "a", "cycle_agent", "Agent", "Filter by agent (cycles)"),
    Action("browser.review", "R", "review", "Review all", "Undecided redactions of the listed sessions, by value",
           footer=False, palette="Review redactions of the listed sessions…"),  # fmt: skip
    Action("browser.project", "p", "cycle_project", "Project", "Filter by project (cycles)", footer=False),
    Action(
        "browser.order",
        "o",
        "cycle_order",
        "Order",
        "Sort the sessions by date, cost, tokens, steps or duration (cycles)",
        footer=False,
        palette="Sort sessions",
    ),
    Action(
        "browser.sessions_pane",
        "ctrl+b",
        "toggle_sessions",
        "Sessions pane",
        "Hide or show the sessions list",
        footer=False,
        palette="Toggle sessions pane",
    ),
    Action(
        "browser.zoom",
        "z",
        "toggle_zoom",
        "Zoom",
        "Give the focused pane the whole screen",
        footer=False,
        palette="Toggle zoom",
    ),
    Action(
        "browser.redact",
        "r",
        "redact",
        "Redact",
        "Review the redactions of this session before sealing it",
        palette="Review redactions…",
    ),
    Action(
        "browser.seal",
        "s",
        "seal",
        "Seal",
        "Seal the open session, or the steps marked with m, as a capsule",
        palette="Seal…",
    ),
    Action(
        "browser.replay",
        "y",
        "replay",
        "Replay",
        "Apply this capsule's patches on your checkout, step by step",
        palette="Replay…",
        needs="capsule",
    ),
    Action(
        "browser.pager",
        "P",
        "pager",
        "Pager",
        "Read the chosen step in your $PAGER",
        footer=False,
        palette="Open step in pager",
    ),
    Action(
        "browser.editor",
        "E",
        "editor",
        "Editor",
        "Open the file the chosen step edited, at its line, in your $EDITOR",
        footer=False,
        palette="Open file in editor",
    ),
    Action(
        "browser.copy",
        "Y",
        "copy('step')",
        "Copy",
        "Copy the chosen step's text to the clipboard",
        footer=False,
        palette="Copy step",
    ),
    Action("browser.copy_id", "", "copy('id')", "Copy id", "Copy the chosen step's id",
           palette="Copy step id"),  # fmt: skip
    Action("browser.copy_diff", "", "copy('diff')", "Copy diff", "Copy what the chosen step changed, as a diff",
           palette="Copy diff"),  # fmt: skip
    Action(
        "browser.blame",
        "B",
        "blame",
        "Blame",
        "The file the chosen step edited, each line beside the step that wrote it",
        footer=False,
        palette="Blame this step's file",
    ),
    Action("browser.fork_parent", "F", "fork_parent", "Parent",
           "Open the session this fork was copied from, or this subagent was spawned by, where it was made",
           palette="Open the session this fork or subagent came from"),  # fmt: skip
    # In the footer only on a call that spawned a subagent the bucket holds (BrowserScreen.footer_hides).
    Action("browser.spawned_child", "C", "spawned_child", "Subagent",
           "Open the subagent session the chosen step spawned",
           palette="Open the subagent the chosen step spawned"),  # fmt: skip
    Action("browser.resume", "K", "resume_here", "Resume",
           "Write the session up to the chosen step as a new session of its agent; shows and copies the command "
           "that continues it", footer=False, palette="Resume from this step in the agent"),  # fmt: skip
    Action("app.blame", "", "blame_file", "Blame", "A file of your repository, each line beside the step that wrote it",
           palette="Blame…"),  # fmt: skip
    Action("app.evals", "ctrl+e", "evals", "Evals", "Cohorts of sessions scored from trusted labels (git "
           "outcomes, test runs, ratings), with intervals; Enter lists a cohort's sessions", footer=False,
           palette="Evals…"),  # fmt: skip
    Action("browser.rate", "V", "rate", "Rate", "Rate the open session, or the step under the cursor in the "
           "timeline, good or bad with a short note", footer=False, palette="Rate session or step…"),  # fmt: skip
    Action("browser.remove", "", "remove_session", "Remove", "Take the open session out of the bucket (your agent's "
           "own log stays)", palette="Remove session from bucket…"),  # fmt: skip
    Action("browser.export", "", "export", "Export", "Export the listed sessions as a dataset (parquet, raw, ATIF)",
           palette="Export…"),  # fmt: skip
    Action(
        "browser.clear_marks",
        "",
        "clear_marks",
        "Clear marks",
        "Seal the whole session again",
        palette="Clear step marks",
    ),
    Action("browser.refresh", "f5,ctrl+r", "refresh", "Refresh", "Sync the agents' logs now and read the list again",
           footer=False, palette="Refresh"),  # fmt: skip
    Action("browser.back", "escape", "back", "Back", footer=False),
    # Only in a capsule, where it takes `q` from app.quit: closing a capsule opened over the bucket
    # must not end the app (`tracetui demo` deletes its folder when the app ends).
    Action("browser.close_capsule", "q", "close_capsule", "Close", "Close the capsule: back to the bucket, "
           "or out of tracetui when it was opened alone (`tracetui open`)", pinned=True),  # fmt: skip
    # -- the timeline
    Action(
        "timeline.unfold",
        "right,l,o",
        "unfold",
        "Unfold",
        "Show the steps of a subagent or a folded call",
        footer=False,
    ),
    Action("timeline.fold", "left,h", "fold", "Fold", "Fold the steps under this one", footer=False),
    Action(
        "timeline.branches",
        "b",
        "toggle_branches",
        "Branches",
        "Show or hide steps of abandoned branches",
        palette="Toggle abandoned branches",
    ),
    Action(
        "timeline.switch_branch",
        "v",
        "switch_branch",
        "Switch branch",
        "View the next abandoned branch, then the final path",
        palette="Switch branch",
    ),
    Action("timeline.next_branch", "right_square_bracket", "next_branch", "Next branch", footer=False),
    Action(
        "timeline.previous_branch", "left_square_bracket", "previous_branch", "Previous branch", footer=False
    ),
    Action(
        "timeline.next_edit", "e", "next_edit", "Next edit", "The next step that edited a file", footer=False
    ),
    Action(
        "timeline.next_error",
        "x",
        "next_error",
        "Next failure",
        "The next failed tool call, refused edit or API error",
        footer=False,
        palette="Next failure",
    ),
    Action(
        "timeline.previous_error",
        "X",
        "previous_error",
        "Previous failure",
        "The previous failed tool call, refused edit or API error",
        footer=False,
        palette="Previous failure",
    ),
    Action(
        "timeline.mark",
        "m",
        "toggle_mark",
        "Mark",
        "Mark the episode's first or last step for sealing (two marks make the range)",
        footer=False,
        palette="Mark step",
    ),
    # -- any list (sessions, timeline)
    Action("list.up", "up,k", "cursor_up", "Up", footer=False),
    Action("list.down", "down,j", "cursor_down", "Down", footer=False),
    Action("list.page_up", "pageup", "page_up_rows", "Page up", footer=False),
    Action("list.page_down", "pagedown,space", "page_down_rows", "Page down", footer=False),
    Action("list.first", "home,g", "first", "First", footer=False),
    Action("list.last", "end,G", "last", "Last", footer=False),
    Action("list.open", "enter", "choose", "Open", footer=False),
    # -- any text pane (detail, context, diff, trail)
    Action("text.up", "up,k", "scroll_up", "Up", footer=False),
    Action("text.down", "down,j", "scroll_down", "Down", footer=False),
    Action("text.page_up", "pageup", "page_up", "Page up", footer=False),
    Action("text.page_down", "pagedown,space", "page_down", "Page down", footer=False),
    Action("text.top", "home,g", "scroll_home", "Top", footer=False),
    Action("text.bottom", "end,G", "scroll_end", "Bottom", footer=False),
    Action("text.wrap", "w", "toggle_wrap", "Wrap", "Wrap long lines, or scroll them", footer=False),
    # -- the redaction editor
    Action("redact.next", "n", "next_undecided", "Next undecided", "the next finding waiting for a decision"),
    # N, p and "," are in the key help, not the footer, which is full at 160 columns.
    Action("redact.next_any", "N", "next_finding", "Next", "the next finding, decided or not", footer=False),
    Action("redact.previous", "p", "previous_finding", "Prev", "the previous finding", footer=False),
    Action("redact.accept", "a", "accept", "Accept", "scrub this value, everywhere it is in the session"),
    Action("redact.reject", "x", "reject", "Reject", "keep this value as it is, everywhere in the session"),
    Action("redact.accept_kind", "A", "accept_kind", "Accept kind", "scrub every undecided finding of this kind "
           "(asks first)"),  # fmt: skip
    Action("redact.reject_kind", "X", "reject_kind", "Reject kind", "keep every undecided finding of this kind "
           "(asks first)"),  # fmt: skip
    Action("redact.mark", "m", "mark", "Mark", "scrub the selected text (a manual span)"),
    Action(
        "redact.everywhere", "e", "everywhere", "Everywhere", "scrub this value everywhere in the session"
    ),
    Action("redact.remember_name", "R", "remember_name", "Name", "scrub the selected text (or this finding) "
           "here, and find it as a person's name in every session from now on", footer=False),  # fmt: skip
    Action("redact.undo", "u", "undo", "Undo", "take back the last decision"),
    Action("redact.preview", "v", "toggle_preview", "Preview", "show the scrubbed text"),
    Action(
        "redact.next_field",
        "full_stop",
        "next_field",
        "Field→",
        "the next text field, findings or not (to mark by hand)",
    ),
    Action(
        "redact.previous_field", "comma", "previous_field", "←Field", "the previous text field", footer=False
    ),
    Action("redact.next_page", "right_square_bracket", "next_page", "Page→", footer=False),
    Action("redact.previous_page", "left_square_bracket", "previous_page", "←Page", footer=False),
    Action("redact.close", "escape,q", "close", "Close", pinned=True),
    # -- the review of every session's undecided values
    Action("review.accept", "a", "decide('accepted')", "Accept", "scrub this value in every session it waits in (asks)"),
    Action("review.reject", "x", "decide('rejected')", "Reject", "keep this value as it is, in every session (asks)"),
    Action("review.open", "enter", "open_place", "Open", "the redaction editor at this value's first place, "
           "its text around it", priority=True),  # before the table's own Enter  # fmt: skip
    Action("review.close", "escape,q", "close", "Close", pinned=True),
    # -- a yes or no question
    Action("confirm.yes", "y", "answer(True)", "Yes", pinned=True),
    Action("confirm.no", "n,escape", "answer(False)", "No", pinned=True),
    # -- the blame screen
    Action("blame.close", "escape,q", "close", "Close", "Back to the sessions", pinned=True),
    # -- the evals screen
    Action("evals.close", "escape,q", "close", "Close", "Back to the sessions", pinned=True),
    Action("evals.by", "b", "next_by", "Group by", "Group the sessions by skill, model, agent, version, "
           "repository or the first prompt's template"),  # fmt: skip
    # -- the export dialog (a form)
    Action("export.close", "escape", "close", "Close", pinned=True),
    Action("export.export", "ctrl+s", "export", "Export", "Write the dataset"),
    Action("export.donate", "ctrl+g", "donate", "Donate", "Give the sessions to an open dataset: what "
           "leaves, your yes, then the raw export with its card and receipt, checked"),
    # -- a question for a path (a form)
    Action("prompt.cancel", "escape", "cancel", "Cancel"),
    # -- the seal dialog (a form: no single letters)
    Action("seal.close", "escape", "close", "Close", pinned=True),
    Action("seal.seal", "ctrl+s", "seal", "Seal", "Write the capsule"),
    Action("seal.review", "ctrl+r", "review", "Review redactions", "Open the redaction editor"),
    # -- the replay screen (a form: no single letters but those a button's focus allows)
    Action("replay.apply_next", "n", "apply_next", "Apply next", "Apply the next step's patches"),
    Action("replay.apply_all", "A", "apply_all", "Apply all", "Apply every remaining step"),
    Action(
        "replay.verdict",
        "v",
        "verdict",
        "Verdict",
        "Your check, every patch applied, at the base commit and at the ref: the verdict",
    ),
    Action(
        "replay.bisect",
        "b",
        "bisect",
        "Bisect",
        "The step after which your check fails (or passes); the fewest patches that do it",
    ),
    # Escape only: a single letter would fire while a button has focus and the user types.
    Action(
        "replay.close",
        "escape",
        "close",
        "Close",
        "Close the replay and remove its clone (asks if steps are applied)",
        pinned=True,
    ),
)

BY_ID = {a.id: a for a in ACTIONS}


def bindings(scope: str) -> list[BindingType]:
    """The `BINDINGS` of one scope, in table order (the footer's order)."""
    return [
        Binding(a.keys, a.action, a.label, show=a.footer, tooltip=a.help, id=a.id, priority=a.priority)
        for a in ACTIONS
        if a.scope == scope and a.keys
    ]


def palette_entries(capsule_open: bool) -> Iterator[tuple[str, str, str]]:
    """(name, help, action to run from the app) for each palette command, in table order."""
    for a in ACTIONS:
        if a.palette is None or (a.needs == "capsule" and not capsule_open):
            continue
        if a.scope == "timeline":
            run = f"screen.timeline_cmd({a.action!r})"
        else:
            run = f"{_NAMESPACE.get(a.scope, 'screen')}.{a.action}"
        yield a.palette, a.help, run


# -- the user's keymap -------------------------------------------------------------------------------


# Keys one action may have in a keymap. 100,000 keys on one action (a 700 KB file) made the key
# help (f1) take 85 s to open where it takes 8 (a busy machine), and the start twice as long.
MAX_KEYS = 8


def keymap_path() -> Path:
    return user_config_path("tracetui") / "keymap.toml"


@dataclass(slots=True)
class Keymap:
    keys: dict[str, str]  # action id -> keys, as Textual's App.set_keymap takes them
    problems: list[str]  # one sentence per entry (or file) that was not used


def load_keymap(path: Path | None = None) -> Keymap:
    """The user's keymap file, checked: unknown ids and values that are not key lists are left out,
    each with a sentence; a file that does not parse is left out whole. No file: an empty keymap."""
    path = path or keymap_path()
    try:
        raw = read_regular(path, CONFIG_LIMIT)  # a FIFO or a device in its place would block the app's start
    except FileNotFoundError:
        return Keymap({}, [])
    except TracetuiError as exc:  # not a regular file, or too large
        return Keymap({}, [f"keymap was not read: {exc}"])
    except OSError as exc:
        return Keymap({}, [f"keymap {path} was not read: {exc.strerror or exc}"])
    try:
        table = load_toml(raw.decode("utf-8"))
    except (UnicodeDecodeError, NotToml) as exc:
        return Keymap({}, [f"keymap {path} was not read: {exc}"])
    keys: dict[str, str] = {}
    problems: list[str] = []
    for name, value in table.items():
        if name not in BY_ID:
            problems.append(f"keymap: no action is called {name!r} (`tracetui keys` lists them)")
        elif not _is_key_list(value):
            problems.append(f'keymap: {name} wants keys such as "ctrl+s" or "S,f2"')
        elif len(value.split(",")) > MAX_KEYS:
            many = len(value.split(","))
            problems.append(f"keymap: {name} names {many:,} keys; an action takes at most {MAX_KEYS}")
        else:
            keys[name] = ",".join(k.strip() for k in value.split(","))
    problems.extend(clashes(keys))
    return Keymap(keys, problems)


def clashes(moved: dict[str, str]) -> list[str]:
    """One sentence per key that two actions of one scope hold once the keymap `moved` keys: the
    first in the table keeps it (Textual runs the first binding of a key), so the other never runs.
    Said as the app starts and by `tracetui keys`: Textual itself said nothing."""
    holders: dict[tuple[str, str], list[str]] = {}
    for action in ACTIONS:
        for key in effective_keys(action, Keymap(moved, [])).split(","):
            if key:
                holders.setdefault((action.scope, key), []).append(action.id)
    out = []
    for (scope, key), ids in holders.items():
        if len(ids) > 1 and any(i in moved for i in ids):  # the table's own keys never clash
            out.append(f"keymap: {key} is the key of {' and '.join(ids)} (in {scope}); only {ids[0]} gets it")
    return out


def _is_key_list(value: object) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    return all(k.strip() and k.strip().isprintable() and " " not in k.strip() for k in value.split(","))


def effective_keys(action: Action, keymap: Keymap) -> str:
    return keymap.keys.get(action.id, action.keys)
