"""Values under a password's name that read as words yet are the password: a passphrase of plain words
(`correct-horse-battery-staple`), told from a sentence or a setting's name by its words."""

from __future__ import annotations

import re

# Words a sentence, a stand-in or a setting's name is made of, which a generated passphrase (drawn
# from a list of nouns and adjectives) almost never holds: `use-the-env-var`, `not_set_in_dev`,
# `same as above`, `vault_secret_lookup_value`.
_PROSE_WORDS = frozenset(
    "the and for not are was you your our his her its this that these those with from into here there what "
    "see set use used get has have same none null empty nil true false yes value values default example "
    "sample "
    "dummy test fake mock change changeme replace insert enter put real actual goes below above later only "
    "env var vars variable config settings setting secret secrets password passwords passwd passphrase pass "
    "token tokens key keys credential credentials auth user users admin root name file path from hash hashed "
    "input output string required optional generated random todo fixme prod dev local stage staging vault "
    "lookup ref one two three must should will can any all new old other".split()
)
# Words of a setting's or a placeholder's name, read only in a passphrase of three words, which is as
# long as such a name (`plain-text-mode`, `foo-bar-baz`, `min-length-twelve`); four made words are rarer.
_NAME_WORDS = frozenset(
    "foo bar baz qux quux lorem ipsum dolor hello world text plain mode case hash salt bcrypt argon sha md5 "
    "min max length strong weak policy reset expire expiry rotate login logout file store keychain manager "
    "prompt ask stdin stdout none unset blank cipher encrypt encrypted decrypt encoded base hex utf ascii "
    "field form input label hint type kind level enabled disabled allow deny always never auto manual "
    "server client host port user account service app api db database redis mysql postgres local remote"
    .split()
)
# Three to nine words of 2-12 letters, one separator throughout, a number after the last word at most.
_WORDS = re.compile(r"[a-z]{2,12}(?:([-_ ])[a-z]{2,12})(?:\1[a-z]{2,12}){1,7}(?:\1?\d{1,4})?")
# A word is said: it holds a vowel; a run of the alphabet (`abcd-efgh-ijkl-mnop`) is typed for a shape.
_VOWEL = re.compile(r"[aeiouy]")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def passphrase_words(value: str) -> bool:
    """Three or more lower-case words joined by one of `-`, `_` or a space, three of them different (a list
    drawn with replacement repeats one), none a word of a sentence or of a setting's name; a trailing
    number may follow. Asked only under a password's name. Three words (`quartz-oyster-tulip`) are as
    long as a setting's name, so none may be a word such names are made of either (`_NAME_WORDS`)."""
    if len(value) < 12 or len(value) > 120 or _WORDS.fullmatch(value) is None:
        return False
    words = re.findall(r"[a-z]+", value)
    numbered = value[-1].isdigit()
    if len(words) == 3 and (len(value) < 14 and not numbered or any(w in _NAME_WORDS for w in words)
                            or " " in value and not numbered):
        return False  # three words and spaces are as often a sentence's (`doesnt start right`)
    if len(words) > 3 and len(value) < 16:
        return False
    return all(len(w) >= 3 and _VOWEL.search(w) and w not in _ALPHABET for w in words) \
        and not any(w in _PROSE_WORDS for w in words) and len(set(words)) >= 3

