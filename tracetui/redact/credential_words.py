"""Which identifiers name a credential (`apiKey`, `DB_PASSWORD`): the context rules' test of a name,
apart from the rules, so the gate's reading of a JSON pair (`value_map.json_strings`) loads no rule."""

from __future__ import annotations

import re

# Which of the stems the context rules find really name a credential (checked on the whole identifier).
NAME_OK = re.compile(
    r"token|secret|passw(?:or)?d|passwd|passphrase|pwd|(?<![a-z])pw(?![a-z])|(?<![a-z])pass(?![a-z])|"
    r"key(?![a-z])|keys?$|credential|auth(?![a-z])|authorization|_auth(?![a-z])|dsn|client[_.\-]?id|"
    r"sonar\.login|(?:bind|root)pw(?![a-z])|(?<![a-z])psk(?![a-z])|"
    # a vendor's credential under the vendor's name alone (`discord.app.id`, `sidekiqLicense`,
    # `bundleEnterpriseContribsysCom`): gitleaks counts a Discord application's id, and Contribsys'
    # gem server's `user:password` pair is its licence
    r"discord[a-z_.\-]{0,24}?app(?:lication)?[_.\-]?id|contribsys|sidekiq[a-z_.\-]{0,24}?licen[cs]e|"
    r"(?<![a-z])(?:api|secret|private|access|auth|client|license|signing|encryption|master|session)[_.\-]?key"
)


def names_a_credential(name: str) -> bool:
    """Whether an identifier holds a credential's word (`apiKey`, `DB_PASSWORD`), not only its letters."""
    return bool(NAME_OK.search(name.lower()))
