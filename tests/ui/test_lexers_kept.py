"""A code block's lexer is looked up once per language: Pygments looks a name up through every lexer
it knows, once for each block highlighted on each rest."""

from __future__ import annotations

import pygments.lexers  # type: ignore[import-untyped]

from tracetui.ui.widgets import text_view


def test_a_language_lexer_is_made_once(monkeypatch):
    real = pygments.lexers.get_lexer_by_name
    made: list[str] = []

    def counted(name, **options):
        made.append(name)
        return real(name, **options)

    monkeypatch.setattr(pygments.lexers, "get_lexer_by_name", counted)
    text_view._lexer.cache_clear()
    try:
        expected = list(real("python", stripnl=False, ensurenl=True, tabsize=8).get_tokens("x = 1\n"))
        for _ in range(3):
            assert list(text_view._tokens("x = 1\n", "python")) == expected
        # An unknown name falls back to plain text, also once.
        for _ in range(2):
            assert "".join(text for _, text in text_view._tokens("a\nb", "no-such-language")) == "a\nb\n"
        assert made == ["python", "no-such-language", "text"]
    finally:
        text_view._lexer.cache_clear()  # no counted lexer left for the tests after
