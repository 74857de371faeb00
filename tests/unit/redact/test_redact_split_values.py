"""A value the lines cut: a literal split over the lines under its name (`KEY = (\\n "…"\\n "…"\\n)`), and a
long token a terminal wrapped more than once. Each piece must be scrubbed, not the first alone. Every
value here is made up for these tests (random characters in each vendor's published shape)."""

from __future__ import annotations

import pytest

from tracetui.redact import scan_text
from tracetui.redact.syntax import CODE, UNKNOWN

# (name, value): shapes of the gitleaks rules and detect-secrets plugins the fresh set missed when split.
VALUES = [
    ("ADAFRUIT_API_KEY", "MI8lBS75jghZDe39SZ6OL86WfptTKUY4"),
    ("AWS_ACCESS_KEY_ID", "AKIAIPJAUDIAQJFUINXG"),
    ("HUGGINGFACE_TOKEN", "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"),
    ("SESSION_SIGNING_KEY", "Ks2HfqgIGzmlAWFd+YsLQM79N31dgI2ikZAq5v/BpOkI"),
    ("INTERCOM_API_KEY", "ba6y7-YfulG2vgmKu7PrB=5a9-s=5oz93WbQfii01iscJ_=gcU4xaJwMs2a6"),
    ("FINICITY_SECRET", "O4I6RLI6Vi3GoNu6HqNKw2"),
]


def _halves(value: str) -> tuple[str, str]:
    k = len(value) // 2
    return value[:k], value[k:]


def _python_parens(name: str, a: str, b: str) -> str:
    return f'{name} = (\n    "{a}"\n    "{b}"\n)\n'


def _js_plus(name: str, a: str, b: str) -> str:
    return f"const {name} =\n  '{a}' +\n  '{b}';\nexport default {name};\n"


def _kwarg(name: str, a: str, b: str) -> str:
    return f'client = Client(\n    {name.lower()}=(\n        "{a}"\n        "{b}"\n    ),\n)\n'


def covered(text: str, part: str, syntax=UNKNOWN) -> bool:
    at = text.index(part)
    return any(f.start <= at and at + len(part) <= f.end for f in scan_text(text, syntax=syntax))


@pytest.mark.parametrize("name,value", VALUES, ids=[n for n, _ in VALUES])
@pytest.mark.parametrize(
    "place", [_python_parens, _js_plus, _kwarg], ids=["py-parens", "js-plus", "py-kwarg"]
)
@pytest.mark.parametrize("syntax", [CODE, UNKNOWN], ids=["code", "text"])
def test_a_literal_split_under_its_name_is_scrubbed_in_both_pieces(name, value, place, syntax):
    a, b = _halves(value)
    text = place(name, a, b)
    assert covered(text, a, syntax) and covered(text, b, syntax), text


def _wrapped(line: str, width: int) -> str:
    return "\n".join(line[i : i + width] for i in range(0, len(line), width))


def _pieces(line: str, width: int, at: int, size: int) -> list[tuple[int, int]]:
    """Where `line[at:at + size]` stands, line by line, once `line` is wrapped at `width`."""
    out = []
    i = at
    while i < at + size:
        end = min(at + size, (i // width + 1) * width)
        out.append((i + i // width, end + i // width))  # one line break before each row
        i = end
    return out


LONG = [
    ("SLACK_TOKEN", "xoxe-7-PQLWN2Y8XSRRIKXH5ME2K3W6AQT1GZA3L60GSYGYNJ4AQAR0ZDCTQA582QQ0IHXVGUH7OBQQ23ZGA4"
                    "MX9V2FVK8RRB1HMN42PN4D9C11C72AEK2QV0H0GHJ2XLDZ2G4MMVUCN21Z1H2C9H75ND"),
    ("ANTHROPIC_API_KEY", "sk-ant-api03-Hg4dsa49CsvXEC2Q-gpxYKOnItbFG4sYKjWCg-SvwzonLVxEqL3r9FcreV2k9Qv"
                          "Uh6h_QvEZU4YUWisJEpmiBZAOj3TBfAA"),
    ("GITLAB_TOKEN", "glrt-t6_l4DqWCCPGstJB0vfjgmZTetVcYuIzFXMlpBFX_waIdnHS7RDtg4vbzFo_U9_OPi0whJxwtlfw"
                     "MTFN7wTf9XLl4umsW0bpXBSMHxdamygtLVKWH41jKBM.tk1njmeuo"),
    ("CLOUDFLARE_API_KEY", "v1.0-d961f989c1e98105ef4d9981-69d93a6d4466dbba327f02b195c83ae12e5c43006f82ab1c"
                           "25d7b38f2015d2214674c30b42da4ef5eea2ced4e73c979bbe2e3f89f9557d0"
                           "9e1e0bd7e4413ea03f0e11c998b5ea2314b"),
]


@pytest.mark.parametrize("name,value", LONG, ids=[n for n, _ in LONG])
@pytest.mark.parametrize("width", [60, 80])
def test_a_token_a_terminal_wrapped_is_scrubbed_on_every_line(name, value, width):
    line = f'    "Env": ["PATH=/usr/local/bin:/usr/bin", "{name}={value}", "TZ=UTC"],'
    text = "$ docker inspect api | grep -A3 Env\n" + _wrapped(line, width)
    head = "$ docker inspect api | grep -A3 Env\n"
    pieces = _pieces(line, width, line.index(value), len(value))
    assert len(pieces) >= 2  # the value stands on two lines or more
    assert "".join(text[len(head) + a : len(head) + b] for a, b in pieces) == value
    fs = scan_text(text)
    for a, b in pieces:
        a, b = a + len(head), b + len(head)
        assert any(f.start <= a and b <= f.end for f in fs), (text[a:b], text)


@pytest.mark.parametrize(
    "text",
    [
        # Words and paths under names that hold no secret, split the same ways: nothing to find.
        'HELP_TEXT = (\n    "Use the deploy command to ship "\n    "the current build to staging."\n)\n',
        'LOG_PATH = (\n    "/var/log/acme/services/billing/"\n    "2024/archive/nightly.log"\n)\n',
        "const greeting =\n  'Welcome back to the dashboard, ' +\n  'your reports are ready.';\n",
        'DIGEST = (\n    "sha256:9f86d081884c7d659a2feaa0c55ad015"\n'
        '    "a3bf4f1b2b0b822cd15d6c15b0f00a08"\n)\n',
        # A listing wrapped at its width, rows of words: no run of a token crosses a break.
        "total 24\n" + _wrapped(
            "drwxr-xr-x 2 dev dev 4096 Mar 4 10:12 node_modules_cache_directory_for_builds "
            "-rw-r--r-- 1 dev dev 220 Mar 4 10:12 package-lock.json",
            40,
        ),
    ],
)
def test_split_words_paths_and_digests_stay_unflagged(text):
    assert scan_text(text, syntax=CODE) == [] and scan_text(text) == [], text


@pytest.mark.parametrize(
    "name,value,tail",
    [
        ("AWS_ACCESS_KEY_ID", "AKIADH3IUVOTJBMSKNIO", 3),
        ("FINICITY_SECRET", "j9au4ec21h4ech3zw9d8", 1),
        ("DISCORD_SECRET", "euepn3lkxrn464076cnocmrnxzwpt=rb", 2),
    ],
)
def test_a_wrap_that_leaves_a_values_last_characters_takes_them(name, value, tail):
    line = f'    "Env": ["PATH=/usr/local/bin:/usr/bin", "{name}={value}", "TZ=UTC"],'
    width = line.index(value) + len(value) - tail  # the terminal's width cuts the value `tail` from its end
    text = "$ docker inspect api | grep -A3 Env\n" + _wrapped(line, width)
    head, rest = text.rsplit("\n", 1)[0], value[-tail:]
    at = text.index("\n" + rest, len(head) - 1) + 1
    assert text[at : at + tail] == rest
    fs = scan_text(text)
    assert any(f.start <= at and at + tail <= f.end for f in fs), text


@pytest.mark.parametrize(
    "text",
    [
        "cat > spec.md <<'EOF'\n# Spec\n\ntoken: ghp_Q4wE7rT1yU9iO3pA6sD2fG8hJ5kL0zX4cV7b\nEOF",
        "if [ -z \"$K\" ]; then\n  export AWS_ACCESS_KEY_ID=AKIADH3IUVOTJBMSKNIO\nfi\n",
        '{"command": "cat <<EOF > .env\\nGITHUB_TOKEN=ghp_Q4wE7rT1yU9iO3pA6sD2fG8hJ5kL0zX4cV7b\\nEOF"}',
        "SLACK_BOT_TOKEN=xoxb-2087461935-4209584731-Zq8vR2mK9tLwP4xYb3Nc7Hd\nok\n",
    ],
)
def test_a_short_row_after_a_whole_value_is_a_row_of_its_own(text):
    """A heredoc's `EOF`, a `fi`, an `ok` under a line that ends with a whole token: no wrap left them
    (found by the capsule's shell-writes test: `EOF` was scrubbed as the token's last characters)."""
    last = text.rstrip("\n").rsplit("\\n" if "\\n" in text else "\n", 1)[1].rstrip('"}')
    at = text.rindex(last)
    fs = scan_text(text)
    assert fs and not any(f.start < at + len(last) and at < f.end for f in fs), (text, fs)
