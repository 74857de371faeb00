"""Words of scripts written without spaces (Chinese, Japanese, Korean) made findable inside a sentence.

More in docs/internals/bucket.md, `bucket/unspaced.py`.
"""

from __future__ import annotations

import re

# Han (with extension A and the compatibility block), kana (with half-width katakana) and Hangul:
# scripts whose words FTS5's unicode61 tokenizer cannot split, as nothing but meaning separates them.
SCRIPTS = (
    "\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uf900-\ufaff\uff66-\uff9f"
)
RUN = re.compile(f"[{SCRIPTS}]+")
# Put between two runs: a token no query of the grams asks for (a query's phrases are runs of these
# scripts), so a phrase never spans two runs the text had apart.
APART = "0"
# Between a step's said grams and its injected grams, in the one `grams` column (shards.SCHEMA).
PARTS = "\x1f"


# The high bytes of the UTF-16 code units SCRIPTS spans (U+11xx, U+30xx to U+9Fxx, U+A9xx, U+ACxx to
# U+D7xx, U+F9xx, U+FAxx, U+FFxx); every other byte is deleted, so a text whose code units keep none
# holds none of the scripts. Encoding, slicing and `translate` run in C, about 3 ns a character,
# against 16 for `re` over a text of arrows, box lines and accents (what most non-ASCII texts are).
_HIGH = {0x11, 0xA9, 0xF9, 0xFA, 0xFF, *range(0x30, 0xA0), *range(0xAC, 0xD8)}
_NOT_HIGH = bytes(b for b in range(256) if b not in _HIGH)


def _may_hold(text: str) -> bool:
    """False only where `text` holds no character of SCRIPTS (a pre-filter: True may be wrong)."""
    return bool(text.encode("utf-16-le", "surrogatepass")[1::2].translate(None, _NOT_HIGH))


def grams(text: str | None) -> str:
    """Each run of SCRIPTS in `text`, a character a token, the runs APART (`v2版本 中文` ->
    `版 本 0 中 文`); "" where there is none. Plain ASCII costs one check."""
    if not text or text.isascii():
        return ""
    if not _may_hold(text):  # a reader may let a lone surrogate through: it is encoded as it is
        return ""
    return f" {APART} ".join(" ".join(run) for run in RUN.findall(text))


def step_grams(said: str, words: str | None, injected: str) -> str | None:
    """A step row's `grams` value: the grams of what was said (its text's said part, then its tool
    arguments' words), PARTS, the grams of its injected part; None where all three have none."""
    said_grams = f" {APART} ".join(filter(None, (grams(said), grams(words))))
    injected_grams = grams(injected)
    if not said_grams and not injected_grams:
        return None
    return said_grams + PARTS + injected_grams


def query_terms(word: str) -> list[str] | None:
    """A query word holding any character of SCRIPTS as FTS5 terms, all to be found: each run of
    such characters a quoted phrase of its characters; None for a word with none (it is asked as it
    is). The word's other letters are not asked: the index keeps only the runs (`grams`), and its
    plain columns hold the word whole (`v2版本` is one token there), so they would find nothing."""
    if word.isascii():
        return None
    runs = RUN.findall(word)
    return ['"' + " ".join(run) + '"' for run in runs] or None
