"""E-mail addresses that stand for nobody: placeholders written into examples, and the test addresses
that mail services document for sending to while developing.

Two classes, each judged on the address alone:
- a *placeholder*: a mailbox named only with words that stand for "someone" (`user`, `your.name`,
  `customer`, `john.doe`, `seu`, `votre.nom`, in several languages) at a domain that names no one
  (`email.com`, `company.com`, `domain.com`) or at a free-mail provider (`you@gmail.com`); and any
  mailbox at a domain spelled as a slot to fill in (`yourdomain.com`, `my-company.org`, `seudominio.com.br`);
- a *sandbox*: a domain a mail service runs so that tests reach no inbox (facts from the services'
  documentation, below).

A real person's address has a name or a handle in it (`jane.smith7@`, `software.salt@`) or a real
domain (`contact@acme-robotics.io`), and stays a suggestion.
"""

from __future__ import annotations

import re

# Domains of mail services' documented test addresses: nothing sent there reaches a person.
SANDBOX_DOMAINS = (
    "resend.dev",  # Resend: onboarding@ (the sender before a domain is verified), delivered@, bounced@, …
    "simulator.amazonses.com",  # Amazon SES's mailbox simulator: success@, bounce@, complaint@, …
    "bounce-testing.postmarkapp.com",  # Postmark's black hole for fake bounces
    "sink.sparkpostmail.com",  # SparkPost's sink: any address with this suffix is accepted and dropped
)

# Words that stand for a person or a mailbox in examples: the generic person, "you", the role of an
# address in a message, what goes in the slot, and the stock names of made-up people (John/Jane Doe,
# Max/Erika Mustermann, Fulano, Alice and Bob), in English, Portuguese, Spanish, French, German,
# Italian and Dutch.
_STAND_IN_WORDS = frozenset(
    """
    user users username usr name fullname first last firstname lastname surname
    someone somebody anyone anybody person people me my myself you your yours
    customer client buyer member guest visitor subscriber sender recipient receiver from to src dst
    source destination
    test tester testing demo sample example examples foo bar baz qux
    email mail address addr inbox login account
    john jane doe alice bob max erika mustermann musterfrau fulano ciclano beltrano sicrano
    seu sua seus meu minha nome sobrenome usuario usuaria cliente exemplo teste contato
    tu su nombre apellido correo ejemplo prueba
    votre ton nom prenom utilisateur courriel exemple
    ihr ihre dein deine vorname nachname benutzer beispiel kunde
    tuo tua cognome utente esempio
    jouw uw naam gebruiker voorbeeld klant
    """.split()
)

# The registered name (the label before the public suffix) of a domain that names no one.
_GENERIC_DOMAIN_NAMES = frozenset(
    """
    domain domains email mail emails company companies example examples sample test testing site website web
    host server somewhere something anywhere org organization organisation corp business provider mailserver
    acme foo bar foobar baz
    dominio dominios domaine empresa entreprise firma azienda bedrijf exemplo ejemplo exemple esempio beispiel
    voorbeeld correo courriel
    """.split()
)
# Free-mail providers: a real person's mailbox there is a name or a handle, never one stand-in word.
_FREE_MAIL_NAMES = frozenset(
    "gmail googlemail yahoo hotmail outlook live msn icloud aol protonmail proton gmx yandex zoho fastmail "
    "uol bol terra qq".split()
)
# A domain spelled as the slot it stands for: your/my/the + a generic name (`yourdomain`, `my-site`,
# `seudominio`, `votre-entreprise`).
_SLOT_DOMAIN = re.compile(
    r"(?:your|my|the|some|seu|sua|meu|minha|tu|su|mi|votre|ton|ihre?|deine?|tuo|tua|jouw|uw)[\-_]?"
    r"(?:domain|company|site|website|web|email|mail|server|host|org|organi[sz]ation|business|app|project|"
    r"dominio|domaine|empresa|entreprise|firma|azienda|bedrijf|sitio|provedor|servidor)s?"
)
# Second-level labels under which a country's domains are registered (`empresa.com.br`, `firm.co.uk`).
_SECOND_LEVEL = frozenset("co com org net ac gov edu ne or".split())
_PIECES = re.compile(r"[a-z]+|\d+")


def registered_name(domain: str) -> str:
    """The label a domain is registered under: `mail.company.com` -> `company`, `x.com.br` -> `x`."""
    labels = domain.lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


def _words_only(piece: str) -> bool:
    """Whether `piece` (lower-case letters) is one or more stand-in words run together (`yourname`)."""
    n = len(piece)
    ends = [False] * (n + 1)
    ends[0] = True
    for i in range(n):
        if ends[i]:
            for j in range(i + 2, min(n, i + 14) + 1):
                if piece[i:j] in _STAND_IN_WORDS:
                    ends[j] = True
    return ends[n]


def stand_in_mailbox(local: str) -> bool:
    """A mailbox named only with stand-in words (`user`, `your.name`, `john_doe2`, `seuemail`), with at
    most an initial or a short number beside them."""
    pieces = _PIECES.findall(local.lower())
    if not pieces or len("".join(pieces)) < len(local.replace(".", "").replace("_", "").replace("-", "")
                                                 .replace("+", "")):
        return False  # other characters than letters, digits and separators
    words = 0
    for p in pieces:
        if p.isdigit():
            if len(p) > 4:
                return False
        elif len(p) == 1:
            continue  # an initial (`j.doe`)
        elif _words_only(p):
            words += 1
        else:
            return False
    return words > 0


def is_example_address(local: str, domain: str) -> bool:
    """Whether `local@domain` stands for nobody (see the module's docstring)."""
    d = domain.lower().rstrip(".")
    if any(d == s or d.endswith("." + s) for s in SANDBOX_DOMAINS):
        return True
    name = registered_name(d)
    if _SLOT_DOMAIN.fullmatch(name):
        return True
    return (name in _GENERIC_DOMAIN_NAMES or name in _FREE_MAIL_NAMES) and stand_in_mailbox(local)
