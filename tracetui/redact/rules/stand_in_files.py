"""Whether a Kubernetes Secret's value is base64 of a whole `.env` or JSON file whose credentials are
all stand-ins (`API_TOKEN=${API_TOKEN}`, `{"apiKey": "<your-api-key>"}`): a template of the Secret."""

from __future__ import annotations

import base64
import binascii
import json
import re

from tracetui.redact.text_checks import is_placeholder, random_enough

_FILE_BASE64 = re.compile(r"[A-Za-z0-9+/]{16,8000}={0,2}")
# A line of a `.env`, a properties or a YAML file: a name, `=` or `:`, the rest of the line its value.
_LINE_ENTRY = re.compile(r"(?m)^[ \t]*(?:export[ \t]+)?([A-Za-z_][\w.\-]*)[ \t]*[=:][ \t]*(.*?)[ \t]*$")
_CREDENTIAL_NAME = re.compile(r"(?i)token|secret|pass|pwd|key|credential|auth")


def _stand_in(value: str) -> bool:
    """A template, a mask or a fill-in; a plain lower-case word (`changeme`) may be the password set."""
    return is_placeholder(value) and not (value.isalpha() and value.islower())


def _json_entries(data: object, out: list[tuple[str, str]], key: str = "") -> None:
    if isinstance(data, dict):
        for k, v in data.items():
            _json_entries(v, out, str(k))
    elif isinstance(data, list):
        for v in data:
            _json_entries(v, out, key)
    elif isinstance(data, str):
        out.append((key, data))


def _entries(text: str) -> list[tuple[str, str]] | None:
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError:
            return None
        out: list[tuple[str, str]] = []
        _json_entries(data, out)
        return out
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    found = [(m.group(1), m.group(2).strip("\"'")) for m in map(_LINE_ENTRY.fullmatch, lines) if m]
    return found if len(found) == len(lines) else None  # every line an entry, or it is no such file


def is_stand_in_file_base64(value: str) -> bool:
    """Base64 of a file of entries where some name a credential, every such value is a stand-in, and no
    other value is random enough to be a key under a name that does not say so."""
    if "\n" in value or _FILE_BASE64.fullmatch(value) is None:
        return False
    try:
        text = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode("utf-8")
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    entries = _entries(text)
    if not entries:
        return False
    named = [v for k, v in entries if _CREDENTIAL_NAME.search(k)]
    others = [v for k, v in entries if not _CREDENTIAL_NAME.search(k)]
    return bool(named) and all(map(_stand_in, named)) and not any(
        random_enough(v, 12, 3.3) and not _stand_in(v) for v in others)
