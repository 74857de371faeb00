"""Round 6 of hostile input, the detectors' side: a credential hidden by how the text around it is
written, as text really carries one and as an attacker would hide one. Characters no terminal draws cut
it (a zero-width space or joiner, a soft hyphen, a bidi control, a byte-order mark, a tag), a web
page's character references spell it (`&#x67;`, `&quot;password&quot;:&quot;…&quot;`), or its own
letters are escapes (`\\u0067hp_…`, `\\x67hp_…`), or it is base64 of gzip'd text. Each was scanned as
written, so the pieces matched nothing and the whole token went out in every capsule and export. Values
are made up here.
"""

from __future__ import annotations

import base64
import gzip
import random
import string

import pytest

from tracetui.redact import encoded, scan_text
from tracetui.redact.finding import AUTO
from tracetui.redact.views import terminal_view

_ALNUM = string.ascii_letters + string.digits


def _token(seed: int) -> str:
    rng = random.Random(seed)
    return "ghp_" + "".join(rng.choice(_ALNUM) for _ in range(36))


def _covered(text: str, positions: list[int], sure: bool = True) -> bool:
    found = [f for f in scan_text(text) if f.tier == AUTO or not sure]
    return all(any(f.start <= k < f.end for f in found) for k in positions)


def _spread(text: str, value: str) -> list[int]:
    """Where each character of `value` sits in `text`, which holds it with other characters between."""
    out, at = [], 0
    for c in value:
        at = text.index(c, at)
        out.append(at)
        at += 1
    return out


_INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff", "\u202e", "\u2066", "\U000e0041",
              "\ufe0f", "\u180e"]  # fmt: skip


@pytest.mark.parametrize("mark", _INVISIBLE, ids=[f"U+{ord(c):04X}" for c in _INVISIBLE])
def test_a_token_cut_by_a_character_no_terminal_draws_is_found_whole(mark):
    token = _token(ord(mark))
    text = f"ok {token[:12]}{mark}{token[12:]} done\n"
    assert _covered(text, _spread(text, token)), repr(text)


def test_a_token_cut_by_several_invisible_characters_and_colour_codes_is_found_whole():
    token = _token(3)
    text = f"{token[:5]}\u200b\x1b[1m{token[5:9]}\u00ad{token[9:20]}\x1b[0m\ufeff{token[20:]}\n"
    assert _covered(text, _spread(text, token)), repr(text)


@pytest.mark.parametrize("spell", ["dec", "hex", "first"])
def test_a_token_spelled_with_html_character_references_is_found(spell):
    token = _token(11)
    if spell == "dec":
        body = "".join(f"&#{ord(c)};" for c in token)
    elif spell == "hex":
        body = "".join(f"&#x{ord(c):x};" for c in token)
    else:
        body = "&#103;" + token[1:]
    text = f"<p>{body}</p>"
    assert _covered(text, list(range(3, 3 + len(body)))), text


def test_a_password_inside_an_html_attribute_s_json_is_found():
    rng = random.Random(5)
    password = "".join(rng.choice(_ALNUM) for _ in range(14)) + "!7"
    text = f'<div data-config="{{&quot;password&quot;:&quot;{password}&quot;}}"></div>'
    at = text.index(password)
    assert _covered(text, list(range(at, at + len(password)))), text


@pytest.mark.parametrize("escape", ["u", "x"])
def test_a_token_whose_first_letter_is_an_escape_is_found(escape):
    token = _token(21)
    first = f"\\u{ord(token[0]):04x}" if escape == "u" else f"\\x{ord(token[0]):02x}"
    text = f'{{"token": "{first}{token[1:]}"}}'
    at = text.index(first)
    assert _covered(text, list(range(at, at + len(first) + len(token) - 1))), text


def test_a_token_spelled_out_in_escapes_is_found():
    token = _token(22)
    body = "".join(f"\\u{ord(c):04x}" for c in token)
    text = f"value: {body}\n"
    at = text.index(body)
    assert _covered(text, list(range(at, at + len(body)))), text


def test_an_escaped_letter_alone_is_text_about_escapes():
    assert terminal_view("see \\u0041 here") is None
    assert terminal_view("print('\\x41', end='')") is None
    # An escape at any depth (issue 35: a JSON document inside a JSON string writes `\\u0067`, which its
    # reader reads as `g`), so inside a word it is read as the letter.
    deeper = terminal_view("a \\\\u0067hp_ b")
    assert deeper is not None and deeper.text == "a ghp_ b"
    assert terminal_view("a &amp;&amp; b") is not None
    assert scan_text("if (a &amp;&amp; b) { x = &quot;hello&quot;; }") == []


def test_hidden_tokens_map_back_onto_every_character_they_were_written_with():
    """Any mix of colour codes, invisible characters, references and escapes inside a token: every
    character written for the token is inside the finding, so the scrub leaves nothing of it."""
    rng = random.Random(7)
    for _ in range(150):
        token = _token(rng.randrange(10**6))
        pre = rng.choice(["ok ", "here: ", "<p>", "x=", "\n", "| a | "])
        text = pre
        owned: list[int] = []
        for i, c in enumerate(token):
            if i and rng.random() < 0.08:
                text += rng.choice(["\x1b[31m", "\x1b[0m", "\u200b", "\u00ad", "\ufeff", "\u2060", "\u200d"])
            r = rng.random()
            if r < 0.1 and c.isalnum():
                piece = f"&#{ord(c)};"
            elif r < 0.2 and c.isalnum():
                piece = f"\\u{ord(c):04x}"
            elif r < 0.25:
                piece = f"&#x{ord(c):x};"
            else:
                piece = c
            owned += range(len(text), len(text) + len(piece))
            text += piece
        text += rng.choice([" done", "</p>", "\n", "", " |"])
        assert _covered(text, owned), repr(text)


def test_a_token_in_base64_of_gzip_is_found():
    """A Helm release in a Kubernetes secret (`kubectl get secret sh.helm.release…`) is base64 of
    gzip'd JSON holding the chart's values; base64 was decoded only where it read as text."""
    token = _token(31)
    blob = base64.b64encode(gzip.compress(f'{{"values": {{"token": "{token}"}}}}'.encode(), mtime=0)).decode()
    text = f"data:\n  release: {blob}\n"
    at = text.index(blob)
    assert _covered(text, list(range(at, at + len(blob)))), text


def test_a_gzip_bomb_in_base64_is_read_only_to_a_bound():
    blob = base64.b64encode(gzip.compress(b"A" * (8 << 20), mtime=0)).decode()
    assert len(blob) < encoded.MAX_LENGTH  # a candidate the decoder takes
    assert encoded._b64_text(blob) is not None and len(encoded._b64_text(blob) or "") <= encoded.MAX_INFLATED
