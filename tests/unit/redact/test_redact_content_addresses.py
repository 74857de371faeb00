"""Content addresses are structure, not secrets: a Freenet CHK, an SSK or USK in its request form, and
an IPFS CIDv0 name published data by its hash or by its publisher's public key. A Freenet insert URI
holds the private key and stays a finding. A vendor that issues one shape of key (Cisco Meraki: 40
lower-case hex digits) makes a value of another shape under its name a near-miss, not that key.

Every key here is made up for these tests.
"""

from __future__ import annotations

import random
import string

import pytest

from tracetui.redact import scan_text

_FREENET = string.ascii_letters + string.digits + "~-"
_BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _r(n: int, alphabet: str, seed: int) -> str:
    rnd = random.Random(seed)
    return "".join(rnd.choice(alphabet) for _ in range(n))


def _key(kind: str, trailer: str, seed: int) -> str:
    return f"{kind}@{_r(43, _FREENET, seed)},{_r(43, _FREENET, seed + 1)},{trailer}"


def _cid(seed: int) -> str:
    return "Qm" + _r(44, _BASE58, seed)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize(
    "line",
    [
        "fetch {addr}/index.html",
        '<Trust Comment="" Identity="{addr}/WebOfTrust/2" Value="100"/>',
        '{{"output": "inserted at {addr}/site/3\\n"}}',
    ],
)
@pytest.mark.parametrize("kind, trailer", [("CHK", "AAIC--8"), ("CHK", "AAEAAAA"), ("SSK", "AQACAAE"),
                                           ("USK", "AQACAAE")])
def test_a_freenet_request_key_is_no_finding(seed, line, kind, trailer):
    text = line.format(addr=_key(kind, trailer, seed))
    assert scan_text(text) == [], text


@pytest.mark.parametrize("seed", range(4))
def test_a_freenet_insert_uri_holds_a_private_key_and_stays_a_finding(seed):
    text = f"freenet insert: {_key('SSK', 'AQECAAE', seed)}/site/"
    assert scan_text(text), text


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("line", ["ipfs cat {cid}", "ipfs cat {cid}/docs/readme.md", "https://ipfs.io/ipfs/{cid}/a.png",
                                  '"image": "ipfs://{cid}"'])
def test_an_ipfs_cid_and_its_path_are_no_finding(seed, line):
    text = line.format(cid=_cid(seed))
    assert scan_text(text) == [], text


def test_a_token_beside_a_content_address_is_still_found():
    token = "ghp_" + _r(36, string.ascii_letters + string.digits, 9)
    text = f"pinned {_cid(3)} with GITHUB_TOKEN={token}"
    found = scan_text(text)
    assert any(text[f.start:f.end] == token for f in found)


@pytest.mark.parametrize(
    "line",
    [
        "meraki-api-key: {v}",
        "MERAKI_API_KEY={v}",
        'merakiToken = "{v}"',
    ],
)
def test_a_meraki_key_of_its_shape_is_sure_and_one_of_another_shape_is_nothing(line):
    real = _r(40, "0123456789abcdef", 4)
    assert any(f.tier == "auto" for f in scan_text(line.format(v=real)))
    for near_miss in (real[:10] + "F" + real[11:], real + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7R21"):
        assert scan_text(line.format(v=near_miss)) == [], near_miss


@pytest.mark.parametrize(
    "text",
    [
        "GET https://hooks.acme.io/relay?payload=merakiToken%3D{v}&v=2 HTTP/1.1",
        "meraki_key={v}&region=eu",
        "SUMO_ACCESS_KEY={s}&x=1",
    ],
)
def test_a_vendor_key_of_its_shape_is_found_where_a_query_goes_on_after_it(text):
    v, s = _r(40, "0123456789abcdef", 6), _r(64, string.ascii_letters + string.digits, 7)
    key = s if "{s}" in text else v
    text = text.format(v=v, s=s)
    found = scan_text(text)
    assert any(f.start <= text.index(key) and text.index(key) + len(key) <= f.end for f in found), text


@pytest.mark.parametrize("call", ['System.setProperty("{name}", "{v}")', 'os.Setenv("{name}", "{v}")',
                                  "define('{name}', '{v}');"])
@pytest.mark.parametrize("seed", range(3))
def test_a_lower_case_token_with_a_dash_passed_under_a_credentials_name_is_found(call, seed):
    # Fastly's API tokens are 32 of `[a-z0-9_-]`: a dash can make one read as `words-joined`.
    v = _r(5, string.ascii_lowercase, seed) + "-" + _r(26, string.ascii_lowercase + string.digits, seed + 10)
    if sum(c.isdigit() for c in v) < 3:
        v = v[:-3] + "7x9"
    text = call.format(name="FASTLY_TOKEN", v=v)
    assert any(text[f.start:f.end] == v for f in scan_text(text)), text


@pytest.mark.parametrize("v", ["fix-payment-bug", "add-user-auth-v2", "release-2024-01-15"])
def test_words_joined_passed_beside_a_credentials_name_stay_words(v):
    assert scan_text(f'args = ("DEPLOY_TOKEN", "{v}")') == []
