"""A query's words found in a text as the bucket's index finds them, for the libraries that test a
step's text themselves (sessions in memory, a dataset's candidates).

The index (FTS5's unicode61 tokenizer) keeps runs of letters and digits, accents dropped, and
`index.fts_query` asks every word whole and the last from PREFIX_MIN characters on as a prefix: so
`npm` finds `npm install` and not `pnpm`, and `foo.bar` finds `foo_bar`. A word holding a character
of a script written without spaces, or an emoji, is found anywhere, as the index's grams find it.
"""

from __future__ import annotations

import functools
import re
import unicodedata

from tracetui.bucket.unspaced import holds_run

PREFIX_MIN = 3  # the last word is a prefix from this many characters on (`index.fts_query`)
# What unicode61 takes for part of a word: a letter or a digit (not `_`); everything else parts words.
_TOKEN = r"[^\W_]"
_ACCENTS = re.compile("[\u0300-\u036f]+")  # the combining accents a decomposed Latin letter carries


def fold(text: str) -> str:
    """`text` lowercased with its accents dropped (`é` -> `e`), as the index tokenizes it."""
    low = text.lower()
    if low.isascii():
        return low
    return unicodedata.normalize("NFC", _ACCENTS.sub("", unicodedata.normalize("NFD", low)))


def finds(words: tuple[str, ...], text: str) -> bool:
    """Whether `text` (folded) holds every one of `words` (`index.query_terms`'s) as the index finds it."""
    # The needle first: a substring test is 25 times as fast as the pattern, and most texts fail it.
    return bool(text) and all(needle in text and pattern.search(text) for needle, pattern in _patterns(words))


@functools.lru_cache(maxsize=64)
def _patterns(words: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Each word's needle and pattern in Python's dialect (look-around), the words folded."""
    folded = [fold(word) for word in words]
    spelled = _spelled(folded, r"[\W_]+", f"(?<!{_TOKEN})", f"(?!{_TOKEN})")
    return tuple((needle, re.compile(pattern or re.escape(needle))) for needle, pattern in spelled)


def sql_tests(words: list[str]) -> list[tuple[str, str | None]]:
    """For a SQL engine without look-around (DuckDB's RE2): each word's (needle, pattern), a lowered
    text holding it where it holds the needle (a cheap first test) and matches the pattern (None:
    the needle is the whole test). The words are not folded: a dataset keeps accents (docs)."""
    return _spelled(words, r"[^\pL\pN]+", r"(?:^|[^\pL\pN])", r"(?:[^\pL\pN]|$)")


def _spelled(words: list[str], between: str, start: str, end: str) -> list[tuple[str, str | None]]:
    """Each word's needle (its longest token: a text without it cannot hold the word) and pattern: its
    tokens in a row with separators `between` (FTS5 asks a phrase), after `start` (no token goes on
    before it), and `end` unless it is asked as a prefix (`index.fts_query`: the last word, if long).
    A word found anywhere (`_tokens`) is its own needle, with no pattern."""
    spelled: list[tuple[str, str | None]] = []
    for n, word in enumerate(words):
        tokens = _tokens(word)
        if tokens is None:
            spelled.append((word, None))
            continue
        prefix = n == len(words) - 1 and len(word) >= PREFIX_MIN
        body = between.join(re.escape(token) for token in tokens)
        spelled.append((max(tokens, key=len), start + body + ("" if prefix else end)))
    return spelled


def _tokens(word: str) -> list[str] | None:
    """The index's tokens of a query word; None for one found anywhere (a run's, or no letter at all)."""
    tokens = re.findall(_TOKEN + "+", word)
    return None if not tokens or holds_run(word) else tokens
