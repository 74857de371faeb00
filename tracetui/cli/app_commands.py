"""The faces that open the app: `tracetui` (no command), `tracetui demo`, `tracetui open FILE`.

Textual is imported only when the app really opens, so the other commands stay quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tracetui.cli import Commands, say_rebuilding
from tracetui.errors import TracetuiError
from tracetui.safe_text import safe_line

WEB_DRIVER = "textual.drivers.web_driver:WebDriver"  # what textual-serve sets TEXTUAL_DRIVER to


def _theme_dir() -> str:
    # platformdirs only (no Textual import) so `--help` stays quick.
    from tracetui.settings import config_dir

    return str(config_dir() / "themes")


_THEME_HELP = (
    "the colour theme to start with (tracetui-dark, tracetui-light, tracetui-ansi, or one of your "
    f"own TOML files in {_theme_dir()}; ctrl+t switches while running)"
)


def register(subparsers: Commands) -> None:
    demo = subparsers.add_parser(
        "demo",
        help="open the app on a throwaway demo bucket (Claude Code, Codex and Pi sessions and a demo git repo)",
        description="Build a demo bucket and demo git repository in a temp dir and open the app on them.",
    )
    demo.add_argument("--build-only", metavar="DIR", help="build the demo into DIR (new or empty), print it, and exit")
    demo.add_argument("--theme", help=_THEME_HELP)
    demo.set_defaults(func=run_demo)

    opener = subparsers.add_parser("open", help="open a capsule in the app, read-only",
                                   description="Verify a capsule and browse it read-only.")
    opener.add_argument("file", metavar="FILE", help="the .capsule file")
    opener.add_argument("--theme", help=_THEME_HELP)
    opener.set_defaults(func=run_open)

    keys = subparsers.add_parser(
        "keys",
        help="list every key of the app, by the action id a keymap file uses",
        description="Every action of the app with its keys (yours, where your keymap file moves them). "
        "To move a key, write `ID = \"KEYS\"` lines in the keymap file this prints.",
    )
    keys.add_argument("--json", action="store_true", help="print JSON")
    keys.set_defaults(func=run_keys)


def run_default(args: argparse.Namespace) -> int:
    """No command: open the app on the user's bucket and sync it in the background (or, with
    `--dataset`, read-only on a team's dataset)."""
    if getattr(args, "dataset", None) is not None:
        return run_dataset(args)
    from tracetui.bucket import Bucket, SyncProgress, parse_sources
    from tracetui.views.format import problems

    sources = parse_sources(args.source)  # a bad --source is said before the terminal is asked for
    repo = getattr(args, "repo", None)
    if repo is not None:
        from tracetui.trail import open_clone

        open_clone(repo)  # a --repo that is no repository is one line here, not a note in every session
    _need_terminal()
    # The app shows its notices, and closes it on exit; a rebuild is said before the app draws.
    read_only = bool(getattr(args, "read_only", False))
    bucket = Bucket.open(args.bucket, rebuilding=say_rebuilding(), read_only=read_only)

    from tracetui.cli.watch import Scope, watched_folders

    scope = Scope()

    def sync(progress, paths: set[str] | None = None) -> str:
        def report(p: SyncProgress) -> None:
            progress(f"syncing {p.files_done}/{p.files_total} files" if p.files_total else "syncing…")

        result = bucket.sync(sources, progress=report, paths=scope.paths(paths))
        text = f"synced: {result.new} new, {result.updated} updated"
        return text + (", " + problems(result.errors) if result.errors else "")

    # A read-only bucket (a backup, a snapshot) is browsed as it is; a writable one follows the
    # agents' folders (the --source ones where given) while the app runs.
    _run(bucket, sync=None if bucket.read_only else sync, theme=_theme(args),
         watch=None if bucket.read_only else watched_folders(sources), repo=repo)  # fmt: skip
    return 0


def run_dataset(args: argparse.Namespace) -> int:
    """`tracetui --dataset URL`: the app over a Parquet dataset, read-only; nothing is synced."""
    from tracetui.errors import UsageError

    for name in ("source", "bucket"):
        if getattr(args, name, None):
            raise UsageError(f"--{name} is for the bucket; --dataset opens a dataset instead")
    repo = getattr(args, "repo", None)
    if repo is not None:
        from tracetui.trail import open_clone

        open_clone(repo)
    from tracetui.dataset import open_dataset

    # Listed and its sessions' rows read before the app draws: a URL that is no dataset is said first.
    from platformdirs import user_cache_path

    # The listing of the dataset's sessions is kept in this machine's cache folder between opens; a
    # first open reads the newest months before the app draws, and the rest while it runs.
    dataset = open_dataset(args.dataset, cache=user_cache_path("tracetui") / "datasets", background=True)
    try:
        _need_terminal()
        _run(dataset, theme=_theme(args), repo=repo)
    finally:
        dataset.close()
    return 0


def _theme(args: argparse.Namespace) -> str | None:
    """`--theme NAME` for this run, else the theme the user last picked in the app."""
    chosen = getattr(args, "theme", None)
    if chosen:
        return chosen
    from tracetui.settings import remembered_theme

    return remembered_theme()


def run_demo(args: argparse.Namespace) -> int:
    import tracetui.demo as demo_api
    from tracetui.demo import open_library, throwaway_demo

    if args.build_only:
        demo = demo_api.build(Path(args.build_only))
        open_library(demo)
        print(safe_line(str(demo.root)))  # the folder's name may hold controls: shown, never run
        return 0
    _need_terminal()
    with throwaway_demo() as demo:
        _run(open_library(demo), repo=str(demo.repo), theme=_theme(args))
    return 0


def run_open(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if not path.exists():
        raise TracetuiError(f"{path} does not exist")
    if not path.is_file():  # is_file() is False for FIFOs, devices and sockets: never opened
        raise TracetuiError(f"{path} is not a regular file")
    _need_terminal()
    from tracetui.capsule import open_capsule

    capsule = open_capsule(path)
    _run(capsule, theme=_theme(args))
    return 0


def run_keys(args: argparse.Namespace) -> int:
    from tracetui.cli.output import print_json, print_table
    from tracetui.ui import actions

    keymap = actions.load_keymap()
    rows = [
        {"id": a.id, "keys": actions.effective_keys(a, keymap), "default": a.keys, "label": a.label,
         "help": a.help, "palette": a.palette}
        for a in actions.ACTIONS
    ]  # fmt: skip
    if args.json:
        print_json({"keymap": str(actions.keymap_path()), "actions": rows, "problems": keymap.problems})
        return 0
    print(f"keymap file: {actions.keymap_path()}")
    for problem in keymap.problems:
        print(problem, file=sys.stderr)
    print_table(("id", "keys", "what it does"), [(r["id"], r["keys"] or "(palette)", r["help"] or r["label"]) for r in rows], 70)
    return 0


def _need_terminal() -> None:
    # Served to a browser (`tracetui serve`), the app draws through Textual's web driver on a pipe.
    if os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER:
        return
    if not sys.stdout.isatty():
        raise TracetuiError("the app needs a terminal; use `tracetui ls` or `--json` commands in scripts")


def _run(library, **kwargs) -> None:
    from tracetui.ui.app import TraceApp

    TraceApp(library, **kwargs).run()
