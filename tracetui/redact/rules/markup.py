"""Markup that holds a credential: an XML element named for one (`<password>…</password>`), an element
naming its setting in an attribute (`<property name="connection.password">…`), a property list's pair."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tracetui.redact.finding import AUTO, Finding
from tracetui.redact.rules.judge import _NAME_OK, _judge

# XML elements named for a credential: Maven's `<password>…</password>`, `<apiKey>…</apiKey>`.
# The value may sit on a line of its own, indented (`<apiToken>\n    …\n</apiToken>`), and hold spaces
# (`<password>Ivory pebble 367?</password>`; the judge takes a spaced value only as a typed password).
_XML_ELEMENT = re.compile(
    r"<([A-Za-z][\w.\-]{0,40})>[ \t]*(?:\r?\n[ \t]*)?([^<>\s](?:[^<>\r\n]{0,398}[^<>\s])?)"
    r"[ \t]*(?:\r?\n[ \t]*)?</\1>"
)

# An element that names its setting in an attribute: Hibernate's `<property name="connection.password">…`,
# `<entry key="db.password">…`, `<param name="token">…`, `<setting name="ApiKey">…`.
_XML_NAMED = re.compile(
    r"<(property|entry|param|parameter|setting|add|item)[ \t]+(?:name|key)=\\?\"([A-Za-z][\w.:\-]{0,80})\\?\""
    r"[^<>]{0,100}>"
    r"([^<>\s]{1,400})</\1>"
)
# A property list's entry: `<key>API_TOKEN</key>` then its `<string>…</string>`.
_PLIST_PAIR = re.compile(r"<key>([A-Za-z][\w.\-]{0,80})</key>\s{0,40}<string>([^<>\s]{1,400})</string>")


def xml_value_findings(text: str, lowered: str) -> Iterator[Finding]:
    """The values of XML elements and plist pairs named for a credential, judged as an assignment's."""
    if "</" not in text:
        return
    for m in _XML_ELEMENT.finditer(text):
        name = m.group(1)
        if name.lower() == "key":
            continue  # a property list's `<key>`: it holds a setting's name; its value comes next
        if _NAME_OK.search(name.lower()):
            found = _judge(name, m.group(2), m.start(2), True, False)
            # a value with spaces only where the judge is sure of it (`<password>see the docs</password>`)
            yield from (f for f in found if f.tier == AUTO) if " " in m.group(2) else found
    if "name=" in text or "key=" in text:
        for m in _XML_NAMED.finditer(text):
            if _NAME_OK.search(m.group(2).lower()):
                yield from _judge(m.group(2), m.group(3), m.start(3), True, False)
    if "<key>" in text:
        for m in _PLIST_PAIR.finditer(text):
            if _NAME_OK.search(m.group(1).lower()):
                yield from _judge(m.group(1), m.group(2), m.start(2), True, False)
