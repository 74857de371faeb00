"""Known non-secrets: values that look random but are published examples, or sit where only
structure goes (a thinking block's signature, an image's base64, a public key, a content address).

Each is recognised by where it is, by being one exact published string or by a format its vendor
publishes, never by looking "random enough", so a real key next to one is still found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tracetui.redact.finding import Finding
from tracetui.redact.rules.tokens import holds_credential

# Keys and tokens printed in vendors' documentation, used by every tutorial: shown nowhere as a
# finding. (A `...EXAMPLE` suffix is AWS's documented convention for its example ids.)
PUBLISHED_EXAMPLES = frozenset(
    {
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AKIAI44QH8DHBEXAMPLE",
        "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
        "ASIAIOSFODNN7EXAMPLE",
        "DEMO_KEY",  # api.nasa.gov and others: a shared, rate-limited public key
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",  # Stripe's documentation test keys
        "pk_test_TYooMQauvdEDq54NiTphI7jx",
    }
    # The sample Google API keys of Firebase's open-source SDKs (their tests and sample apps), which
    # secret scanners allowlist by value: printed in thousands of public clones.
    | {
        "AIzaSyabcdefghijklmnopqrstuvwxyz1234567",
        "AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs",
        "AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM",
        "AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU",
        "AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0",
        "AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A",
        "AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c",
        "AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4",
        "AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY",
        "AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM",
        "AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ",
        "AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g",
        "AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU",
        "AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw",
        "AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE",
        "AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY",
    }
    # The sample passwords of Microsoft's nuget.config reference (`<add key="ClearTextPassword" …>`).
    | {"33f!!lloppa", "hal+9ooo_da!sY"}
    # The account key of Azure's storage emulator (Azurite, `devstoreaccount1`), the same in every install;
    # without its padding too, which detect-secrets' span leaves off.
    | {"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="[:k] for k in (86, 88)}
)
_EXAMPLE_SUFFIX = re.compile(r"(?:EXAMPLE|EXAMPLEKEY)$")
_EXAMPLE_NEEDLES = (
    "EXAMPLE", "DEMO_KEY", "AIza", "33f!!lloppa", "hal+9ooo_da!sY",
    "4eC39HqLyjWDarjtT1zdp7dc", "TYooMQauvdEDq54NiTphI7jx", "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6",
)


def is_published_example(value: str) -> bool:
    v = value.strip("\"'`")
    return v in PUBLISHED_EXAMPLES or bool(_EXAMPLE_SUFFIX.search(v) and v[:4] in ("AKIA", "ASIA") and len(v) == 20)


# JSON keys (quoted, plain or backslash-escaped as inside another JSON string) whose string value is
# structure: the signature of a thinking block, encrypted reasoning, an integrity digest.
_STRUCTURAL_VALUE = re.compile(
    r"(?:\\{0,3}[\"'])(?:signature|thinking_signature|encrypted_content|integrity|checksum|sha256|sha512|sha1|digest)"
    r"(?:\\{0,3}[\"'])[ \t]*:[ \t]*(\\{0,3}[\"'])"
)
# Such a value is structure only as one unbroken run (base64, hex, `sha256:…`, escapes) that holds no
# credential of a known format where a value begins: a sentence under such a key, or a key put there, is
# read as any text is (every finding inside the span was dropped, a `sk-proj-…` key among them).
_UNBROKEN = re.compile(r"[A-Za-z0-9+/=_\-:.~\\]*")
# Base64 of media, recognised by the file signature its encoding starts with, after a data URI or
# as a JSON `data` value (Anthropic image/document blocks).
_DATA_URI = re.compile(
    r"data:(?:image|audio|video|font)/[\w.+\-]{1,40}(?:;[\w\-]{1,20}=[\w\-]{1,40}){0,3};base64,"
    r"|data:application/(?:pdf|octet-stream|zip|wasm|x-font[\w\-]{0,20})(?:;[\w\-]{1,20}=[\w\-]{1,40}){0,3};base64,"
)
_DATA_KEY = re.compile(r"(?:\\{0,3}[\"'])data(?:\\{0,3}[\"'])[ \t]*:[ \t]*(\\{0,3}[\"'])")
_MEDIA_MAGIC = ("iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "JVBERi0", "UEsDB", "T2dnUw", "SUQz", "d09GR", "AGFzbQ",
                "Qk0", "AAAA")
_B64_RUN = re.compile(r"[A-Za-z0-9+/=_\-]*")
# Public keys and signatures: long base64, never a secret.
_PUBLIC_KEY = re.compile(r"(?:ssh-(?:rsa|ed25519|dss)|ecdsa-sha2-nistp\d{3}|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)"
                         r"[ \t]+AAAA[A-Za-z0-9+/]{20,}={0,2}")
_ARMOR_BEGIN = re.compile(r"-----BEGIN (?:PGP SIGNATURE|PGP PUBLIC KEY BLOCK|PGP MESSAGE|CERTIFICATE|(?:RSA )?PUBLIC KEY|"
                          r"SSH SIGNATURE|X509 CRL|CERTIFICATE REQUEST|NEW CERTIFICATE REQUEST)-----")
_ARMOR_LIMIT = 65_536
# A Content-Security-Policy's source expressions (`'nonce-…'`, `'sha256-…'`) and a tag's `nonce="…"`: a
# nonce is sent to every browser in the clear, once; a hash names a script. Neither opens anything.
_CSP_SOURCE = re.compile(
    r"'(?:nonce|sha256|sha384|sha512)-([A-Za-z0-9+/_\-]{8,200}={0,2})'|\bnonce=\\?[\"']([A-Za-z0-9+/_\-]{8,200}={0,2})\\?[\"']"
)
# Content addresses, which name published data by its hash or its publisher's public key and open
# nothing: a Freenet CHK (derived from its content) and the request form of an SSK or USK (trailer
# `AQACAAE`; an insert URI, `AQECAAE`, holds the private key and stays a finding), and an IPFS CIDv0.
_CONTENT_ADDRESS = re.compile(
    r"(?:\b(?:CHK@[A-Za-z0-9~\-]{43},[A-Za-z0-9~\-]{43},AA[EI][AC](?:--8|AAA)"
    r"|(?:SSK|USK)@[A-Za-z0-9~\-]{43},[A-Za-z0-9~\-]{43},AQACAAE)"
    r"|(?<![A-Za-z0-9])Qm[1-9A-HJ-NP-Za-km-z]{44}(?![A-Za-z0-9])"
    r")(?:/[A-Za-z0-9._~\-/]{0,256})?"  # and the path in it, which a token's run would take along
)
# A value SOPS encrypted (`ENC[AES256_GCM,data:…,iv:…,tag:…,type:str]`): ciphertext, its nonce and
# tag, which SOPS files are committed with; the key that opens them is elsewhere.
_SOPS_VALUE = re.compile(
    r"ENC\[AES256_GCM,data:[A-Za-z0-9+/=]{0,65536},iv:[A-Za-z0-9+/=]{1,200},tag:[A-Za-z0-9+/=]{1,200}"
    r",type:[a-z]{1,10}\]"
)


# Keys their vendors publish by design, known by their exact format whatever name holds them: PostHog's
# project key (`phc_`, in every page that loads its snippet) and Supabase's publishable key.
_PUBLIC_KEY_FORMAT = re.compile(r"phc_[A-Za-z0-9_\-]{41,44}|sb_publishable_[A-Za-z0-9_\-]{31}")


def is_public_key(value: str) -> bool:
    return _PUBLIC_KEY_FORMAT.fullmatch(value) is not None


def _string_end(text: str, at: int, quote: str, unclosed: dict[str, int]) -> int:
    """Where a string value opened just before `at` ends (the start of its closing quote).
    `unclosed[quote]` remembers from where no closing quote follows, so many unclosed values cost
    one search, not one each."""
    if at >= unclosed.get(quote, len(text) + 1):
        return len(text)
    end = text.find(quote, at)
    if end < 0:
        unclosed[quote] = at
        return len(text)
    return end


def structural_spans(text: str) -> list[tuple[int, int]]:
    """Spans of `text` that hold structure, not secrets (see the module's docstring)."""
    spans: list[tuple[int, int]] = []
    if "signature" in text or "encrypted_content" in text or "integrity" in text or "sha" in text or "digest" in text \
            or "checksum" in text:
        unclosed: dict[str, int] = {}
        for m in _STRUCTURAL_VALUE.finditer(text):
            end = _string_end(text, m.end(), m.group(1), unclosed)
            if _UNBROKEN.fullmatch(text, m.end(), end) and not holds_credential(text[m.end():end]):
                spans.append((m.end(), end))
    if "base64," in text:
        for m in _DATA_URI.finditer(text):
            run = _B64_RUN.match(text, m.end())
            if run is not None and run.end() > m.end():
                spans.append((m.end(), run.end()))
    if "data" in text:
        for m in _DATA_KEY.finditer(text):
            if text.startswith(_MEDIA_MAGIC, m.end()):
                run = _B64_RUN.match(text, m.end())
                if run is not None:
                    spans.append((m.end(), run.end()))
    if "AAAA" in text:
        for m in _PUBLIC_KEY.finditer(text):
            spans.append(m.span())
    if "nonce" in text or "'sha" in text:
        spans.extend(m.span() for m in _CSP_SOURCE.finditer(text))  # whole: a plugin reads `nonce-…` as one
    if "@" in text or "Qm" in text:
        spans.extend(m.span() for m in _CONTENT_ADDRESS.finditer(text))
    if "ENC[AES256_GCM," in text:
        spans.extend(m.span() for m in _SOPS_VALUE.finditer(text))
    if "-----BEGIN " in text:
        for m in _ARMOR_BEGIN.finditer(text):
            end = text.find("-----END ", m.end(), m.end() + _ARMOR_LIMIT)
            spans.append((m.start(), end if end >= 0 else min(len(text), m.end() + _ARMOR_LIMIT)))
    return spans


def drop_known(text: str, findings: Iterable[Finding]) -> list[Finding]:
    """`findings` without those on a published example or inside a structural span."""
    out = list(findings)
    if not out:
        return out
    if any(n in text for n in _EXAMPLE_NEEDLES):
        out = [f for f in out if not any(e in text[f.start:f.end] for e in PUBLISHED_EXAMPLES)
               and not is_published_example(text[f.start:f.end])]
    if "phc_" in text or "sb_publishable_" in text:
        out = [f for f in out if not is_public_key(text[f.start:f.end])]
    spans = structural_spans(text)
    if spans:
        out = [f for f in out if f.detector == "rule:private-key"
               or not any(a <= f.start and f.end <= b for a, b in spans)]
    return out
