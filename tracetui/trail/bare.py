"""Lines that carry no content of their own: a shebang, a lone block closer (`fi`, `done`, `end`,
`</div>`), a lone `else`, a comment marker alone.

Such a line is in nearly every file of its kind and any rewrite keeps it: when it is all that is left
of a patch, it proves nothing about the patch (a script rewritten whole but for `#!/bin/bash` and a
`fi` is not the old script kept).
"""

from __future__ import annotations

import re

# Block words that say nothing of their own, across languages, compared without whitespace and case
# once the punctuation around them is stripped: shell, Ruby, Lua, Pascal, SQL, Basic, Fortran, Vim,
# Makefile, Python, Elixir, Objective-C, LaTeX.
_WORDS = frozenset(
    {
        "fi", "done", "esac", "then", "do", "else", "end", "begin", "endif", "endfor", "endforeach",
        "endwhile", "endswitch", "endfunction", "endfunc", "enddef", "endsub", "endmodule", "endclass",
        "endcase", "endselect", "endprogram", "endsubroutine", "endtype", "endloop", "endstruct",
        "endinterface", "endproperty", "endwith", "enddo", "endblock", "endmacro", "endsection",
        "wend", "loop", "next", "repeat", "try", "finally", "ensure", "rescue", "pass", "break", "continue",
        "return", "default", "otherwise", "rem", "@end", "go",
    }
)  # fmt: skip
_PUNCT = " \t;:,.{}()[]\\"
_TAG_CLOSE = re.compile(r"</[A-Za-z][\w:.-]*>")  # `</div>`: a closing tag alone
_LATEX_END = re.compile(r"\\end\{[^{}]*\}")  # `\end{itemize}`
# Pragmas every file of a kind starts with: `# -*- coding: utf-8 -*-`, a vim modeline, Ruby's
# `# frozen_string_literal: true`, JavaScript's `'use strict';`.
_PRAGMA = re.compile(r"#(?:.*-\*-.*coding[:=]|vim?:|frozen_string_literal:)|['\"]usestrict['\"];?")


def carries_nothing(line: str) -> bool:
    """Whether a line (as written or as its norm, whitespace removed) carries no content of its own."""
    key = "".join(line.split()).lower()
    if not any(c.isalnum() for c in key):
        return True  # blank, `}`, `);`, `*/`, `#`, `//`, `"""`
    if key.startswith("#!") or key in ("<?php", "<?", "?>"):
        return True
    if _TAG_CLOSE.fullmatch(key) or _LATEX_END.fullmatch(key) or _PRAGMA.match(key):
        return True
    return key.strip(_PUNCT) in _WORDS
