from tracetui.safe_text import clip, exception_line, safe_copy, safe_line, safe_text


def test_escape_sequences_become_visible():
    out = safe_text("a\x1b]52;c;ZXZpbA==\x07b")
    assert "\x1b" not in out and "\x07" not in out
    assert out == "a␛]52;c;ZXZpbA==␇b"


def test_c1_del_and_bidi_are_shown_not_passed():
    out = safe_text("x\x9b2J\x7fy\u202ez\u2066w\U000e0041")
    assert all(ord(c) < 0x80 or ord(c) >= 0xA0 for c in out)
    assert "\x7f" not in out and "\u202e" not in out and "\u2066" not in out and "\U000e0041" not in out
    assert "\\x9b" in out and "<U+202E>" in out and "<U+E0041>" in out


def test_newlines_kept_in_text_folded_in_lines():
    assert safe_text("a\nb") == "a\nb"
    assert safe_line("a\nb\tc") == "a⏎b c"


def test_plain_and_unicode_text_unchanged():
    s = "héllo wörld — 日本語 [bold]not markup[/bold]"
    assert safe_text(s) == s


def test_clip_says_how_much_is_left():
    assert clip("abc", 10) == "abc"
    assert clip("x" * 2000, 10).startswith("x" * 10 + "…")


def test_a_copy_keeps_tabs_and_lines_and_shows_every_other_control():
    assert safe_copy("def f():\n\treturn 1\r\n") == "def f():\n\treturn 1\n"
    assert safe_copy("x\x1b[201~y\rz\x07\x9b\u202e") == "x␛[201~y␍z␇\\x9b<U+202E>"
    assert safe_copy("plain ünïcode") == "plain ünïcode"


def test_an_exception_s_line_is_its_first_clipped_and_safe():
    # The one-line error of a failure in code that read untrusted input: a library's message may
    # quote that input (a dataset's file name, a capsule's JSON), escape sequences and all.
    assert exception_line(ValueError("\n  bad \x1b]52;c;x\x07 name\nsecond line")) == "bad ␛]52;c;x␇ name"
    assert exception_line(KeyError()) == "KeyError"
    long = exception_line(OSError("x" * 500), 100)
    assert long.startswith("x" * 100) and "more" in long and len(long) < 120


def test_a_hidden_character_among_many_visible_ones_is_shown():
    # The distinct characters are looked at first: one hidden among hundreds of visible ones still counts.
    visible = "".join(chr(cp) for cp in range(0x400, 0x600))
    for hidden in ("\u202e", "\u200b", "\U000e0041", "\ufeff", "\ud800"):
        out = safe_text(visible + hidden + visible)
        assert out == visible + f"<U+{ord(hidden):04X}>" + visible
