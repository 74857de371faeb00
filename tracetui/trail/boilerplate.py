"""Text a project takes rather than writes: no evidence that a clone is a session's own.

Every project called `dotfiles` or `app` may hold an MIT licence or a viewport tag, and so does a
stranger's clone of the same name. The lines of files a project copies or generates (licences,
lockfiles, ignore files, vendored or minified code) do not count; of the rest, a line counts only
with a word of its own: no language keyword, no word of a common licence or of the lines every
project of a kind starts with (a shebang, a doctype, `__future__`). A legal line never counts; in a
data file (JSON, YAML, TOML) a key is the format's word, only its value the project's. More in
docs/internals/trail.md (`trail/boilerplate.py`).
"""

from __future__ import annotations

import keyword
import posixpath
import re

# Files whose text is a licence's, a tool's or another project's (by name, any extension after it).
_LICENCE_STEMS = frozenset({"license", "licence", "copying", "unlicense"})
_NOTICE_STEMS = frozenset({"notice", "authors", "patents", "copyright", "third_party_notices"})
_PROSE = frozenset({"", "md", "txt", "rst", "markdown", "adoc", "org", "html", "mit", "apache", "bsd", "gpl"})
_TAKEN_NAMES = frozenset({
    "go.sum", "npm-shrinkwrap.json", ".gitignore", ".dockerignore", ".npmignore", ".prettierignore",
    ".eslintignore", ".gitattributes",
})  # fmt: skip
_TAKEN_ENDINGS = (".lock", ".lockb", "-lock.json", "-lock.yaml", ".min.js", ".min.css", ".map")
_TAKEN_FOLDERS = frozenset({
    "node_modules", "bower_components", "vendor", "vendored", "third_party", "third-party",
    "site-packages", ".venv", "venv", "dist",
})  # fmt: skip
_DATA_ENDINGS = (".json", ".jsonc", ".json5", ".yaml", ".yml", ".toml")

_LANGUAGE = """
abstract any as async await boolean break case catch class const constructor continue debugger declare
default delete do else enum export extends false finally for from function get if implements import in
instanceof interface let module namespace new null number object of package private protected public
readonly require return set static string super switch symbol this throw true try type typeof undefined
var void while with yield then fi esac done elif echo local
"""
# The words of the MIT, BSD (2 and 3 clause), ISC licences and the Apache 2.0 and GNU GPL headers.
_LICENCES = """
permission hereby granted free charge to any person obtaining copy of this software and associated
documentation files the deal in without restriction including limitation rights use modify merge publish
distribute sublicense or sell copies permit persons whom is furnished do so subject following conditions
above notice shall be included all substantial portions provided as warranty kind express implied but
not limited warranties merchantability fitness for particular purpose noninfringement no event authors
holders liable claim damages other liability whether an action contract tort otherwise arising from out
connection with dealings redistribution source binary forms are permitted that met redistributions code
must retain list disclaimer reproduce materials neither name its contributors may be used endorse
promote products derived specific prior written by owners direct indirect incidental special exemplary
consequential procurement substitute goods services loss data profits business interruption however
caused on theory strict negligence way even if advised possibility such fee purpose hereby disclaims
regard version you except compliance obtain at http https www org licenses unless applicable law agreed
writing distributed basis governing permissions limitations under program redistribute terms general
public published foundation either your option later hope will useful implied see more details should
have received along gnu gpl lgpl agpl lesser affero apache mit bsd isc mozilla mpl was were one each
copyright holder licensor licensee reserved notices
"""
# Lines every project of a kind starts with: a shebang, a directive, a page's head, Python's dunders.
_UNIVERSAL = """
usr bin env sh bash zsh python node nodejs perl ruby deno use strict doctype html head body meta charset
utf lang en name viewport content width device initial scale shrink fit http equiv ua compatible ie
edge future annotations main coding print division absolute unicode literals generator generators
nested scopes barry as flufl stylesheet rel
"""
COMMON_WORDS = frozenset(
    {w.lower() for w in [*keyword.kwlist, *keyword.softkwlist]}
    | set((_LANGUAGE + _LICENCES + _UNIVERSAL).split())
)
_LEGAL = frozenset({"copyright", "spdx", "license", "licence", "licensed", "licenced"})
_WORD = re.compile(r"[A-Za-z]+")
_KEY = re.compile(r"""^\s*(?:"[^"]*"|'[^']*'|[\w.-]+)\s*[:=]""")


def taken_file(path: str) -> bool:
    """Whether a file's text is one projects copy or generate, not write: a licence or notice, a
    lockfile, an ignore file, minified code, or a file under a vendored or built folder."""
    p = path.replace("\\", "/").lower()
    name = posixpath.basename(p)
    if name in _TAKEN_NAMES or name.endswith(_TAKEN_ENDINGS):
        return True
    stem, _, ending = name.partition(".")
    stem = stem.split("-")[0]
    if (stem in _LICENCE_STEMS or stem in _NOTICE_STEMS) and ending in _PROSE:
        return True
    return any(part in _TAKEN_FOLDERS for part in p.split("/")[:-1])


def own_line(line: str, path: str = "") -> bool:
    """Whether a line (spaces aside) has a word of its own (see the module's docstring)."""
    words = {w.lower() for w in _WORD.findall(line)}
    if words & _LEGAL:
        return False
    if path.lower().endswith(_DATA_ENDINGS):
        key = _KEY.match(line)
        if key is not None:
            words = {w.lower() for w in _WORD.findall(line[key.end() :])}
    return not words <= COMMON_WORDS
