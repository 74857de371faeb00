"""Hostile text against the detectors' time: one long line that repeats what a rule looks back from.
Each credential name, keyword and address of a line looked back to the line's start (and a YAML-style
key's pattern let two of its parts take the same characters), so a megabyte of one line cost minutes.
A field's budget runs out in the CLI (then the seal refuses the unscanned field), but a scan in a UI
thread has no budget. Values are made up here."""

from __future__ import annotations

import time

import pytest

from tracetui.redact import ds, pii, rules
from tracetui.redact.detect import scan_text


def _seconds(find, text: str) -> float:
    # This thread's time: the scan's, not detect-secrets' first import nor another test's leftover thread.
    list(find("warm up", "warm up"))
    started = time.thread_time()
    list(find(text, text.lower()))
    return time.thread_time() - started


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("password=x " * 100_000, "40 s"),  # each name looked back to the line's start for a YAML key
        ("password: x " * 100_000, "40 s"),
        ("a." * 20_000 + "password:  hunter two three\n", "9 s"),  # grep's path:12: took every `.` in turn
        ("-" * 80_000 + "#password:  hunter two three\n", "8 s"),  # so did the dashes before a key
    ],
    ids=["assignments", "yaml-keys", "dotted-key", "dashed-key"],
)
def test_credential_names_on_one_long_line_are_read_in_linear_time(text, before):
    assert _seconds(rules.assignment_findings, text) < 4, before


def test_keywords_on_one_long_line_are_read_in_linear_time():
    assert _seconds(ds.keyword_findings, "secret " * 400_000) < 4  # 10 s


@pytest.mark.parametrize(
    "unit", ["secret: ", "secret := x ", "password = 'Zx9Qw7Lm2Rt5Yp' ", "'abc' == secret ", 'secret("x '],
    ids=["colon", "walrus", "assigned", "compared", "called"],
)
def test_a_long_line_of_keywords_costs_what_its_text_costs_in_short_lines(unit):
    # Every word of a long line is read (not only the first), in windows that overlap a little: the line
    # must not cost more than the same text cut into lines of 100 characters.
    one = unit * (300_000 // len(unit))
    lines = "\n".join(one[k : k + 100] for k in range(0, len(one), 100))
    # Taken in turns, the best of each: this VM has slow spells of a second or so, and three runs of
    # one then three of the other once put the long line's all in one (0.40 s against 0.21).
    runs = [(_seconds(ds.keyword_findings, one), _seconds(ds.keyword_findings, lines)) for _ in range(4)]
    long_line, short_lines = min(r[0] for r in runs), min(r[1] for r in runs)
    assert long_line < 1.6 * short_lines + 0.05, (long_line, short_lines)


def test_addresses_on_one_long_line_are_read_in_linear_time():
    assert _seconds(pii.pii_findings, "ann.lee@corp-mail.io," * 150_000) < 4  # 12 s


def test_a_key_and_its_phrase_are_still_found_after_a_viewer_s_prefix():
    # The look-back is bounded, not gone: a line's start within reach is still where a key may begin.
    for line in ("src/app/config.yml:12:  db_password: correct horse battery staple\n",
                 "  12\u2192db_password: correct horse battery staple\n",
                 "x" * 5000 + "\n- db_password: correct horse battery staple\n"):  # fmt: skip
        found = [line[f.start : f.end] for f in scan_text(line)]
        assert "correct horse battery staple" in found, line[-60:]
