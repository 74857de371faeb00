"""Words of scripts written without spaces (Chinese, Japanese, Korean, Thai, Lao, Khmer, Myanmar) and
emoji made findable inside a sentence.

More in docs/internals/bucket.md, `bucket/unspaced.py`.
"""

from __future__ import annotations

import functools
import re

# Han (with extension A and the compatibility block), kana (with half-width katakana) and Hangul:
# scripts whose words FTS5's unicode61 tokenizer cannot split, as nothing but meaning separates them.
SCRIPTS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f"
)
# Thai, Lao, Khmer and Myanmar, also written without spaces, and emoji (the pictographs, dingbats and
# technical and miscellaneous symbols: not the arrows, box lines and shapes a terminal draws with).
# FTS5's tokenizer drops what it takes for a mark or a symbol (a Thai vowel sign, every emoji), so each
# of these characters is indexed as a private-use character of its own, which it keeps (`_token`).
SPELLED = (
    (0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF), (0x19E0, 0x19FF), (0xA9E0, 0xA9FF),
    (0xAA60, 0xAA7F), (0x2300, 0x23FF), (0x2600, 0x27BF), (0x2B00, 0x2BFF), (0x1F000, 0x1FAFF),
)  # fmt: skip
_SPELLED_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in SPELLED)
# Put between two runs: a token no query of the grams asks for (a query's phrases are runs of these
# scripts), so a phrase never spans two runs the text had apart.
APART = "0"
# Between a step's said grams and its injected grams, in the one `grams` column (shards.SCHEMA).
PARTS = "\x1f"


def _high_byte(code: int) -> int:
    """The high byte of a character's first UTF-16 code unit (a high surrogate's beyond the first plane)."""
    return (code if code < 0x10000 else 0xD800 + ((code - 0x10000) >> 10)) >> 8


# The high bytes of the UTF-16 code units SCRIPTS spans (U+11xx, U+30xx to U+9Fxx, U+A9xx, U+ACxx to
# U+D7xx, U+F9xx, U+FAxx, U+FFxx) and SPELLED's (an emoji's is its high surrogate's); every other byte
# is deleted, so a text whose code units keep none holds none of the characters. Encoding, slicing and
# `translate` run in C, about 3 ns a character, against 16 for `re` over a text of arrows, box lines and
# accents (what most non-ASCII texts are).
_HIGH = {
    0x11, 0xA9, 0xF9, 0xFA, 0xFF, *range(0x30, 0xA0), *range(0xAC, 0xD8),
    *(b for low, high in SPELLED for b in range(_high_byte(low), _high_byte(high) + 1)),
}  # fmt: skip
_NOT_HIGH = bytes(b for b in range(256) if b not in _HIGH)


def _may_hold(text: str) -> bool:
    """False only where `text` holds no character of a run (a pre-filter: True may be wrong)."""
    return bool(text.encode("utf-16-le", "surrogatepass")[1::2].translate(None, _NOT_HIGH))


def grams(text: str | None) -> str:
    """Each run (`_run`) in `text`, a character a token (SPELLED's by their private-use stand-ins),
    the runs APART (`v2版本 中文` -> `版 本 0 中 文`); "" where there is none. Plain ASCII costs one
    check."""
    if not text or text.isascii():
        return ""
    if not _may_hold(text):  # a reader may let a lone surrogate through: it is encoded as it is
        return ""
    return f" {APART} ".join(_spread(run) for run in _run().findall(text))


def _spread(run: str) -> str:
    """A run's characters as the index's tokens, a space apart."""
    return " ".join(run.translate(_tokens()))


@functools.cache
def _run() -> re.Pattern[str]:
    """A run of SCRIPTS' and SPELLED's characters, compiled when first needed: 3 ms at every start."""
    return re.compile(f"[{SCRIPTS}{_SPELLED_CLASS}]+")


def _token(code: int) -> str:
    """Plane 16's private-use character for one of the first plane, plane 15's for an emoji beyond it."""
    return chr(0x100000 + code if code < 0x10000 else 0xF0000 + code - 0x10000)


@functools.cache
def _tokens() -> dict[int, str]:
    """SPELLED's characters to their tokens (`str.translate`'s table), made when first needed: 1.7 ms
    that a command which never spreads a run would pay at every start."""
    return {code: _token(code) for low, high in SPELLED for code in range(low, high + 1)}


def step_grams(said: str, words: str | None, injected: str) -> str | None:
    """A step row's `grams` value: the grams of what was said (its text's said part, then its tool
    arguments' words), PARTS, the grams of its injected part; None where all three have none."""
    said_grams = f" {APART} ".join(filter(None, (grams(said), grams(words))))
    injected_grams = grams(injected)
    if not said_grams and not injected_grams:
        return None
    return said_grams + PARTS + injected_grams


def holds_run(text: str) -> bool:
    """Whether `text` holds a character of a run: one such character is a word of its own (`库`, `✅`)."""
    return not text.isascii() and _run().search(text) is not None


def query_terms(word: str) -> list[str] | None:
    """A query word holding any character of a run as FTS5 terms, all to be found: each run of such
    characters a quoted phrase of its tokens (`_spread`); None for a word with none (it is asked as it
    is). The word's other letters are not asked: the index keeps only the runs (`grams`), and its
    plain columns hold the word whole (`v2版本` is one token there), so they would find nothing."""
    if word.isascii():
        return None
    runs = _run().findall(word)
    return ['"' + _spread(run) + '"' for run in runs] or None
