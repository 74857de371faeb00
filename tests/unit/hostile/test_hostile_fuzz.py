"""Bounded structural fuzzing of the six readers, kept in the suite from the campaign of 2026-11-28
(thousands of mutants of the fixture and corpus logs; it found values nested past what orjson
writes, and step times with and without a zone): a few hundred seeded mutants of the repository's
own fixture logs, each read as a sync reads it (through the agent's stage), and each session's
steps built as the app's detail pane builds them. No mutant may raise, hang, or give a session
that breaks the model's types or does not serialise. The corpus variant runs where the real logs
are (CI), on the first lines of each."""

from __future__ import annotations

import random
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from support.hostile_fields import model_problems
from support.structural_fuzz import mutant

from shared_data import CORPUS, FIXTURES, requires_corpus
from tracetui.bucket.locations import discover
from tracetui.sources import read_session, registry
from tracetui.ui.step_blocks import step_blocks
from tracetui.ui.widgets.text_view import Document
from tracetui.views.session_shape import build_rows, shape_of

SEED = 20261128
SEEDS = {
    "claude": [FIXTURES / "bucket" / "claude", FIXTURES / "claude" / "projects"],
    "codex": [FIXTURES / "codex"],
    "pi": [FIXTURES / "pi"],
    "gemini": [FIXTURES / "gemini", FIXTURES / "gemini-late"],
    "copilot": [FIXTURES / "copilot" / "session-state", FIXTURES / "copilot-later" / "session-state"],
    "opencode": [FIXTURES / "opencode" / "storage", FIXTURES / "opencode"],
}
PER_AGENT = 50
SECONDS = 10  # one mutant read and built: a hang, were it longer


class Hung(BaseException):  # not an Exception: no reader's `except Exception` takes it for a bad line
    pass


@contextmanager
def _bounded(what: str) -> Iterator[None]:
    def hung(signum, frame):
        raise Hung(f"over {SECONDS} s: {what}")

    old = signal.signal(signal.SIGALRM, hung)
    signal.alarm(SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def _logs(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json")
                  and not p.name.startswith("make_"))  # fmt: skip


def _read_and_build(agent: str, folder: Path, work: Path) -> None:
    """Every session of `folder` read as a sync reads it, its rows laid out and each step's detail
    built (the first lines drawn), as the app does for the step under the cursor."""
    found = registry.get(agent)
    files = discover(agent, [folder])
    if found.stage is not None:
        shutil.rmtree(work / "staged", ignore_errors=True)
        files, _problems = found.stage(files, work / "staged")
    for group in found.group(files):
        session = read_session(group)
        problems = model_problems(session)
        assert not problems, problems
        shape = shape_of(session)
        build_rows(session, shape, set(), True)
        for index in range(min(len(session.steps), 200)):
            document = Document(step_blocks(session, shape, index))
            for line in range(min(document.count, 20)):
                document.line(line)


def _campaign(agent: str, seeds: list[Path], tmp_path: Path, count: int, seed: int, lines: int = 0) -> None:
    rng = random.Random(f"{seed}-{agent}")
    for n in range(count):
        source = seeds[n % len(seeds)]
        work = tmp_path / f"m{n}"
        shutil.copytree(source, work / "src")
        logs = _logs(work / "src")
        if not logs:
            continue
        target = rng.choice(logs)
        data = target.read_bytes()
        if lines and target.suffix == ".jsonl":
            data = b"\n".join(data.split(b"\n")[:lines]) + b"\n"
        made = mutant(data, target.suffix == ".jsonl", rng)
        target.write_bytes(made.data)
        what = f"mutant {seed}/{agent}/{n} of {target.relative_to(work / 'src')}: {made.what}"
        with _bounded(what):
            try:
                _read_and_build(agent, work / "src", work)
            except Exception as exc:
                raise AssertionError(what) from exc
        shutil.rmtree(work)


@pytest.mark.parametrize("agent", list(SEEDS))
def test_structural_mutants_of_every_agents_fixture_logs_are_read_and_shown(tmp_path, agent):
    _campaign(agent, SEEDS[agent], tmp_path, PER_AGENT, SEED)


def _corpus_seeds(agent: str) -> list[Path]:
    return sorted(p for p in (CORPUS / agent).glob("*") if p.suffix in (".jsonl", ".json"))


@requires_corpus
@pytest.mark.parametrize("agent", list(SEEDS))
def test_structural_mutants_of_the_real_logs_are_read_and_shown(tmp_path, agent):
    """Each real log alone in a folder of its own, at its first 200 lines: a layout the readers
    take (OpenCode's storage files and Copilot's events.jsonl need their folders: not these)."""
    seeds = []
    for n, log in enumerate(_corpus_seeds(agent)):
        if "__storage__" in log.name or log.name.endswith("__events.jsonl"):
            continue
        folder = tmp_path / "seeds" / str(n)
        folder.mkdir(parents=True)
        shutil.copyfile(log, folder / log.name.rsplit("__", 1)[-1])
        seeds.append(folder)
    if not seeds:
        pytest.skip(f"no {agent} log in the corpus stands alone")
    _campaign(agent, seeds, tmp_path, 30, SEED + 1, lines=200)
