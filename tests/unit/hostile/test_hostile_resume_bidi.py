"""A log's text holding characters no terminal draws reaches the user through a resumed session: a
bidi override or isolate that makes the command the agent's program prints read as another (Trojan
Source), a zero-width space that makes two commands look one, tags that spell an instruction the
model reads and the user never sees. A resume carries each as `<U+XXXX>`, as tracetui's own screens
show them, and keeps what draws: Hebrew and Arabic letters, an emoji's joiner, Persian's non-joiner,
a flag's tags, one variation selector."""

from __future__ import annotations

import re
from pathlib import Path

import orjson
import pytest
from support.resume_kit import NOT_CARRIED, planted, strings_of

from tracetui.model import StepKind
from tracetui.resume import write_session
from tracetui.safe_text import DEFAULT_IGNORABLE, safe_carried
from tracetui.sources import RawLog, group, read_session

# `rm -rf ~/ #` shown as a harmless `ls` (RLO and PDI), a space no one sees, a word of tags, a BOM.
TROJAN = ("ls -la \u202e\u2066 ~/ fr- mr\u2069\u2066 #\u202c ok z\u200bip \U000e0072\U000e006d "
          "\ufeff\u061c\u200f")
ENGLAND = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
DRAWN = f"שלום مرحبا 👩\u200d💻 🏳\ufe0f\u200d🌈 می\u200cخواهم ❤\ufe0f {ENGLAND}"
PLANTED = TROJAN + " " + DRAWN
_UNSEEN = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in DEFAULT_IGNORABLE) + "]")
def test_what_draws_is_kept_and_what_does_not_is_shown():
    assert safe_carried(DRAWN) == DRAWN
    shown = safe_carried(TROJAN)
    assert shown == ("ls -la <U+202E><U+2066> ~/ fr- mr<U+2069><U+2066> #<U+202C> ok z<U+200B>ip "
                     "<U+E0072><U+E006D> <U+FEFF><U+061C><U+200F>")
    # A joiner between ASCII letters (a command's) is shown, and every selector after the first.
    shown = safe_carried("r\u200dm \u200c \U0001f600\ufe0f\ufe0f")
    assert shown == "r<U+200D>m <U+200C> \U0001f600\ufe0f<U+FE0F>"


@pytest.mark.parametrize("source, target", [("claude", "claude"), ("codex", "codex"), ("gemini", "gemini"),
                                            ("opencode", "opencode"), ("pi", "pi"), ("copilot", "copilot"),
                                            ("claude", "codex"), ("codex", "pi")])
def test_no_invisible_character_of_a_log_reaches_the_resumed_session(source, target, tmp_path):
    session, data = planted(source, tmp_path, PLANTED, "\u202e")
    last = max(s.index for s in session.steps
               if s.active and s.subagent is None and s.kind not in NOT_CARRIED)
    done = write_session(session, [RawLog(session.source, data)], last, agent=target, cwd="/home/dev/shop",
                         env={}, home=tmp_path / "home")
    written = Path(done.path).read_bytes()
    lines = [written] if target == "opencode" else written.splitlines()
    records = [orjson.loads(line) for line in lines]
    strings = strings_of(records)
    assert [s for s in strings if _UNSEEN.search(s.replace(DRAWN, ""))] == []
    assert any("ls -la <U+202E><U+2066> ~/" in s and s.endswith(DRAWN) for s in strings)
    back = read_session(group(target, [Path(done.path)])[0])
    expected = {safe_carried(s.text) for s in session.steps if s.index <= last and s.active}
    said = [s.text for s in back.steps if s.kind in (StepKind.USER, StepKind.ASSISTANT)]
    assert said and set(said) <= expected
