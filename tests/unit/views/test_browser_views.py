"""The words the app's browser shows around its list and over the open session, made in `views`
(issue 33): plain strings a face measures and draws, with text from logs made safe here."""

from __future__ import annotations

from pathlib import Path

from tracetui.model import Session, SessionFilter, SessionSummary, Tokens
from tracetui.views.session_header import Header, episode_of, session_header
from tracetui.views.session_list import empty_lines, home_short, status_line


def _session(**fields) -> Session:
    return Session("s-1", "codex", "/logs/s-1.jsonl", cwd="/work/shop", title="fix the cart", **fields)


def test_the_status_line_names_each_filter_on_and_keeps_the_total_until_the_count_settles():
    query = SessionFilter(agent="codex", project="shop", since="2026-01-01T00:00:00", text="kind:bogus cart")
    line = status_line(1_234, query, settling=False, order="cost", read_only=True, spent="$3.10 in all", sync="")
    assert line.startswith("1,234 sessions · agent codex · project shop · dated · by cost · read-only · ")
    assert line.endswith(" · $3.10 in all")
    settling = status_line(1, SessionFilter(), settling=True, order="date", read_only=False, spent="$3.10 in all",
                           sync="s")  # fmt: skip
    assert settling == "1 session so far, counting… · s"


def test_an_empty_list_says_where_it_looked_each_folder_cut_by_the_face():
    folder = Path.home() / "agent\x1b[31mlogs"
    lines = empty_lines(False, False, [folder], lambda text: text[:12])
    assert lines[0] == "no sessions yet. Looked in:" and lines[1] == "  " + home_short(folder)[:12]
    assert "\x1b" not in home_short(folder) and home_short(folder).startswith("~/")
    assert empty_lines(True, False, [folder], str) == ["no session matches the filter", "Escape clears it"]
    assert empty_lines(False, False, [], str) == ["no sessions here"]


def test_a_list_that_could_not_be_read_says_so_not_that_nothing_matched():
    why = "/data/steps/part-00001.parquet: its pages claim to inflate\x1b[2J to more than 256 MiB; not read"
    lines = empty_lines(True, False, [], str, failed=why, room=30)
    assert lines[0] == "the list could not be read:" and lines[-1] == "Escape clears the filter"
    assert "no session matches the filter" not in lines and all(len(line) <= 30 for line in lines)
    assert "\x1b" not in "".join(lines) and "part-00001.parquet" in "".join(lines)  # wrapped, not cut
    assert empty_lines(False, False, [], str, failed="the dataset cannot be read", room=80) == [
        "the list could not be read:", "the dataset cannot be read"]


def test_the_header_gives_the_price_per_kept_line_only_where_it_fits_whole():
    header = Header("codex · shop · 3 steps", " · $0.50/kept line", " · ⚠ 1 line not read", "fix the cart")
    assert header.text(lambda line: True) == "codex · shop · 3 steps · $0.50/kept line · ⚠ 1 line not read\nfix the cart"
    assert header.text(lambda line: False) == "codex · shop · 3 steps · ⚠ 1 line not read\nfix the cart"


def test_the_header_of_a_fork_whose_parent_is_missing_says_so_with_its_listed_price():
    session = _session(forked_from="parent-1234567890", tokens=Tokens(input=1_500))
    row = SessionSummary("s-1", "codex", "shop", None, None, None, None, 3, 0, 0, Tokens(), [], "", cost_usd=0.25)
    header = session_header(session, parent_held=False, trail=None, row=row, steps=7, episode=None, live=True,
                            reading_for="Seal")  # fmt: skip
    assert header.facts.startswith("reading every step for Seal… · ● live · codex · ")
    assert " · 7 steps · " in header.facts and header.facts.endswith(" · $0.25")
    assert header.title == "↱ fork of parent-1 (not in the bucket) · fix the cart"
    held = session_header(session, parent_held=True, trail=None, row=None, steps=7, episode=12, live=False,
                          reading_for=None)  # fmt: skip
    assert "7 of 12 steps" in held.facts and "(not in the bucket)" not in held.title


def test_an_episode_counts_only_where_the_capsule_seals_part_of_the_session():
    class Sealed:
        manifest = {"steps": {"count": 4, "of": 9}}

    assert episode_of(Sealed()) == 9  # type: ignore[arg-type]
    Sealed.manifest = {"steps": {"count": 9, "of": 9}}
    assert episode_of(Sealed()) is None  # type: ignore[arg-type]
