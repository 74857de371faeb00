"""The made-up secrets of issue 35's carrier classes, encoded (one view) and spelled apart, and
their look-alikes: for the redaction tests, the planted corpus and bench_carriers."""

from __future__ import annotations

import base64
import gzip
import json
import quopri
import random
import re
import urllib.parse

import orjson

from support.made_up import github_token as _token


def b64url(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def qp(text: str) -> str:
    return quopri.encodestring(text.encode()).decode()


T = {name: _token(name) for name in ("zw2", "zw3", "b64url", "b64", "b32", "b32bare", "hex", "pct", "qp", "gz")}
CARRIERS = {
    # A JSON document inside a JSON string inside the tool's output: the zero-width space reads `\\u200b`.
    "zw2": json.dumps({"body": json.dumps({"token": T["zw2"][:12] + "\u200b" + T["zw2"][12:]})}),
    "zw3": json.dumps({"a": json.dumps({"b": json.dumps({"token": T["zw3"][:9] + "\u2060" + T["zw3"][9:]})})}),
    "b64url": "GET /callback?state=" + b64url(json.dumps({"token": T["b64url"], "n": 1})) + "&code=7 HTTP/1.1",
    "b64": "cookie: session=" + base64.b64encode(json.dumps({"gh": T["b64"]}).encode()).decode(),
    "b32": "stored as " + base64.b32encode(f"token {T['b32']}".encode()).decode(),
    "b32bare": "seed=" + base64.b32encode(f"auth {T['b32bare']}".encode()).decode().rstrip("="),
    "hex": "dump: " + f"GITHUB_TOKEN={T['hex']}".encode().hex(),
    "pct": "next=" + urllib.parse.quote(f"token={T['pct']}", safe=""),
    # Wrapped at 76 columns: the soft break (`=` at a line's end) falls inside the token.
    "qp": qp("Hello,\n" + "x" * 40 + f" deploy token: {T['qp']} keep it safe\n"),
    "gz": "blob " + base64.b64encode(gzip.compress(f"export GH_TOKEN={T['gz']}\n".encode(), mtime=0)).decode(),
}


def decoded_output(blob: bytes) -> str:
    text = blob.decode("utf-8", "replace")
    text = re.sub(r"\\+u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)) if not 0xD800 <= int(m.group(1), 16) < 0xE000 else "", text)
    return re.sub("[\u200b\u2060]", "", re.sub(r"\\+([/\"])", r"\1", text))


def spellings(name: str) -> list[str]:
    """What must not be in the output: the token, and the carrier's own encoded run."""
    run = max(re.findall(r"[A-Za-z0-9+/_=%\-]{24,}", CARRIERS[name]), key=len, default="")
    return [T[name], run] if name not in ("zw2", "zw3", "qp") else [T[name]]


TOKEN = "ghp_" + "Lc4Vn8Rt2Yx6Mq1Pw5Zs9Hd3Kf7Jb0Ga2Ue6"
AWS_SECRET = "Tq8vN3xK7pR2wL9mZ4cF6hJ1sD5gB0yU3eA8iO2k"
PASSPHRASE = "velvet-harbor-lantern-92"
_rng = random.Random(35)


def _b64_lines(raw: bytes) -> str:
    body = base64.b64encode(raw).decode()
    return "\n".join(body[i : i + 64] for i in range(0, len(body), 64))


# Made-up DER: a PKCS#8 private key's opening (SEQUENCE, version 0, rsaEncryption) then random bytes; a
# public key's and a certificate's opening (a SEQUENCE inside the SEQUENCE) then random bytes.
KEY_BODY = _b64_lines(bytes.fromhex("308204bd020100300d06092a864886f70d0101010500048204a7")
                      + bytes(_rng.randrange(256) for _ in range(640)))
PUBLIC_BODY = _b64_lines(bytes.fromhex("30820122300d06092a864886f70d01010105000382010f00")
                         + bytes(_rng.randrange(256) for _ in range(270)))
CERT_BODY = _b64_lines(bytes.fromhex("308203a130820289a003020102021400")
                       + bytes(_rng.randrange(256) for _ in range(600)))

SPELLED = {
    "spaces": "the token, read aloud: " + " ".join(TOKEN),
    "dots": "t=" + ".".join(TOKEN),
    "bars": "|".join(TOKEN),
    "plus": f'const token = "ghp_" + "{TOKEN[4:18]}" + "{TOKEN[18:]}";',
    "implicit": f'TOKEN = ("ghp_"\n         "{TOKEN[4:22]}"\n         "{TOKEN[22:]}")',
    "array-join": "const k = [" + ",".join(f"'{c}'" for c in TOKEN) + "].join('');",
    "py-join": 'k = "".join([' + ", ".join(f'"{c}"' for c in TOKEN) + "])",
    "lua": f'local t = "ghp_" .. "{TOKEN[4:20]}" .. "{TOKEN[20:]}"',
    "pem-body": "the key, without its lines:\n" + KEY_BODY + "\n",
}
CREDENTIAL_LINES = {
    "pgpass-echo": f'echo "db.internal.test:5432:orders:alice:{PASSPHRASE}" > ~/.pgpass',
    "pgpass-json": orjson.dumps({"file_path": "/home/a/.pgpass", "content": f"db.test:5432:app:alice:{PASSPHRASE}\n"}).decode(),
    "netrc": f"machine api.example.test login alice password {PASSPHRASE}",
    "pypirc": f"[testpypi]\nrepository: https://test.pypi.org/legacy/\nusername: alice\npassword: {PASSPHRASE}\n",
    "npmrc": f"//npm.pkg.example.test/:_password={PASSPHRASE}",
    "aws-credentials": f"[prod]\naws_access_key_id = AKIAZ3MXQ4PLTRWE5NBK\naws_secret_access_key = {PASSPHRASE}\n",
}


ENCODED_LOOK_ALIKES = [
    "state=" + b64url(json.dumps({"redirect": "/home", "nonce": 42, "lang": "en"})),
    "seed " + base64.b32encode(b"just some harmless words here").decode(),
    "ORSXG5BAMJ2XI5BAMEQGQYLTNA  (base32 of a phrase)",
    qp("Hi team,\n" + "y" * 70 + " the build =3D green and nothing else to say here.\n"),
    "width = 10\nheight = 20\ncount=3D\n",
    'the escape \\\\u200b is a zero-width space, and \\\\u0041 is "A"',
    "sha256=" + "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
]


SPELLED_LOOK_ALIKES = [
    "a b c d e f g h i j k l m n o p q r s t u v w x y z",
    "0 1 1 0 1 0 0 1 1 1 0 1 0 1 0 0 1 1 0 1",
    'names = ["alice", "bob", "carol", "dave", "erin"]',
    'msg = "Hello, " + name + "! You have " + str(n) + " new messages"',
    'path = "/usr/" + "local/" + "bin/python3"',
    "bytes = ['de','ad','be','ef','ca','fe','ba','be','01','02','03','04','05','06','07','08']",
    "[pypi]\nusername = __token__\npassword = ${PYPI_TOKEN}\n",
    "machine api.example.test login alice password YOUR_PASSWORD_HERE",
    "[default]\npassword = <your password>\n",
    "ports 8080:80:tcp:udp:ipv4",
]
