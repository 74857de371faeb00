"""Where a coding agent meets credentials: the files and command outputs it reads and writes, each
with made-up secrets in their vendor's real shape (random bytes from a seeded generator; never a
real key), and the hard negatives that sit in the same places (hashes, digests, ids, public keys,
placeholders, published example keys).

Written from the places themselves (what `cat ~/.aws/credentials`, `kubectl get secret -o yaml`,
`docker run -e`, `env`, a `set -x` curl... print), not from the redaction's own placed set, so it
checks that set's blind spots. `battery` places every context in every agent's log shape three ways
(a tool's output, a tool's input, a user's prompt) and scores what `scan_session` finds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from agent_logs import AGENTS, Edit, Prompt, Read, Shell, Turn, Write, session_of

from tracetui.redact import AUTO, Finding, Identity, iter_fields, scan_session
from support.evaluate import covered

ALNUM = string.ascii_letters + string.digits
UPPER32 = string.ascii_uppercase + "234567"
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
PW_SYMBOLS = "!%^*+=-_."


@dataclass(slots=True)
class Context:
    """One place: its text, the secrets (or hard negatives) in it, and how an agent meets it.

    `kind`: "file" (read with `cat path`, written with a Write), "command" (the text is a command
    line the agent runs), "output" (what `command` printed), "edit" (an Edit from `old` to `text`).
    """

    name: str
    kind: str
    text: str
    values: list[tuple[str, str]]  # (class, value): every value must be found (or, negatives, not)
    path: str = ""
    command: str = ""
    old: str = ""


@dataclass(slots=True)
class Cell:
    values: int = 0
    found: int = 0
    sure: int = 0
    misses: list[str] = field(default_factory=list)


class Gen:
    """Made-up values in vendors' shapes, from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def raw(self, n: int) -> bytes:
        return bytes(self.rng.getrandbits(8) for _ in range(n))

    def b64(self, n: int) -> str:
        return base64.b64encode(self.raw(n)).decode()

    def b64url(self, n: int) -> str:
        return base64.urlsafe_b64encode(self.raw(n)).decode().rstrip("=")

    def password(self, url_safe: bool = False) -> str:
        symbols = "-_" if url_safe else PW_SYMBOLS
        while True:
            pw = self.s(ALNUM + symbols, self.rng.randint(14, 22))
            kinds = [any(c.islower() for c in pw), any(c.isupper() for c in pw), any(c.isdigit() for c in pw)]
            if all(kinds) and pw[0].isalnum() and pw[-1].isalnum():
                return pw

    def akia(self) -> str:
        return "AKIA" + self.s(UPPER32, 16)

    def aws_secret(self) -> str:
        return self.s(B64, 40)

    def ghp(self, prefix: str = "ghp_") -> str:
        return prefix + self.s(ALNUM, 36)

    def npm(self) -> str:
        return "npm_" + self.s(ALNUM, 36)

    def pypi(self) -> str:
        return "pypi-AgEIcHlwaS5vcmc" + self.b64url(120)

    def stripe(self) -> str:
        return "sk_live_" + self.s(ALNUM, 99)

    def openai(self) -> str:
        return "sk-proj-" + self.s(ALNUM + "-_", 74) + "T3BlbkFJ" + self.s(ALNUM + "-_", 74)

    def anthropic(self) -> str:
        return "sk-ant-api03-" + self.s(ALNUM + "-_", 93) + "AA"

    def glpat(self) -> str:
        return "glpat-" + self.s(ALNUM + "-_", 20)

    def slack_bot(self) -> str:
        return f"xoxb-{self.s(string.digits, 12)}-{self.s(string.digits, 13)}-{self.s(ALNUM, 24)}"

    def hf(self) -> str:
        return "hf_" + self.s(string.ascii_letters, 34)

    def jwt(self, claims: dict) -> str:
        head = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).decode().rstrip("=")
        body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
        return f"{head}.{body}.{self.b64url(32)}"

    def hexs(self, n: int) -> str:
        return self.s(HEX, n)

    def uuid(self) -> str:
        return str(uuid.UUID(bytes=self.raw(16), version=4))

    def pem_body(self, n: int = 900) -> str:
        """A private key's base64 body, as 64-column lines."""
        body = self.b64(n)
        return "\n".join(body[i : i + 64] for i in range(0, len(body), 64))


def secret_contexts(seed: int) -> list[Context]:
    g = Gen(seed)
    out: list[Context] = []

    def add(name: str, kind: str, template: str, values: dict[str, tuple[str, str]], **kw: str) -> None:
        out.append(Context(name, kind, template.format(**{k: v for k, (_c, v) in values.items()}),
                           [(c, v) for c, v in values.values()], **kw))  # fmt: skip

    add("dotenv", "file",
        "# Database\nDATABASE_URL=postgres://app:{pw1}@db.internal:5432/shop\n\n"
        "export STRIPE_SECRET_KEY=\"{stripe}\"\nOPENAI_API_KEY='{openai}'\n"
        "SESSION_SECRET={sess}   # express-session\nADMIN_PASSWORD=\"{pw2}\"\nDEBUG=false\n",
        {"pw1": ("url-password", g.password(url_safe=True)), "stripe": ("stripe", g.stripe()),
         "openai": ("openai", g.openai()), "sess": ("env-secret", g.hexs(64)),
         "pw2": ("env-password", g.password())}, path=".env")  # fmt: skip
    add("dotenv-local", "file",
        "NEXTAUTH_SECRET={nxa}\nGITHUB_TOKEN={ghp}\nANTHROPIC_API_KEY={ant}\n"
        "SUPABASE_SERVICE_ROLE_KEY={sb}\nSMTP_PASSWORD={pw}\n",
        {"nxa": ("env-secret", g.b64(32)), "ghp": ("github", g.ghp()), "ant": ("anthropic", g.anthropic()),
         "sb": ("jwt", g.jwt({"iss": "supabase", "ref": g.s(string.ascii_lowercase, 20), "role": "service_role",
                              "iat": 1700000000, "exp": 2015000000})),
         "pw": ("env-password", g.password())}, path=".env.local")  # fmt: skip
    add("aws-credentials", "file",
        "[default]\naws_access_key_id = {k1}\naws_secret_access_key = {s1}\n\n[prod]\n"
        "aws_access_key_id={k2}\naws_secret_access_key={s2}\naws_session_token={tok}\n",
        {"k1": ("aws-key-id", g.akia()), "s1": ("aws-secret", g.aws_secret()), "k2": ("aws-key-id", g.akia()),
         "s2": ("aws-secret", g.aws_secret()), "tok": ("aws-session-token", "IQoJb3JpZ2luX2VjE" + g.b64(300))},
        path=".aws/credentials")  # fmt: skip
    add("aws-config", "file",
        "[default]\nregion = eu-west-1\noutput = json\n\n[profile legacy]\nregion = us-east-1\n"
        "aws_access_key_id = {k}\naws_secret_access_key = {s}\n",
        {"k": ("aws-key-id", g.akia()), "s": ("aws-secret", g.aws_secret())}, path=".aws/config")  # fmt: skip
    add("npmrc", "file",
        "registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken={npm}\n"
        "@acme:registry=https://npm.pkg.github.com\n//npm.pkg.github.com/:_authToken={ghp}\n"
        "//nexus.corp.internal/repository/npm/:_auth={auth}\nalways-auth=true\n",
        {"npm": ("npm", g.npm()), "ghp": ("github", g.ghp()),
         "auth": ("basic-auth-b64", base64.b64encode(f"deploy:{g.password()}".encode()).decode())},
        path=".npmrc")  # fmt: skip
    add("pypirc", "file",
        "[distutils]\nindex-servers =\n    pypi\n    internal\n\n[pypi]\nusername = __token__\npassword = {pypi}\n\n"
        "[internal]\nrepository = https://pypi.corp.internal/simple/\nusername = deploy\npassword = {pw}\n",
        {"pypi": ("pypi", g.pypi()), "pw": ("ini-password", g.password())}, path=".pypirc")  # fmt: skip
    add("netrc", "file",
        "machine api.heroku.com\n  login dev@shop.test\n  password {heroku}\n"
        "machine github.com login octo password {ghp}\nmachine ftp.corp.internal login deploy password {pw}\n",
        {"heroku": ("netrc-password", g.uuid()), "ghp": ("github", g.ghp()), "pw": ("netrc-password", g.password())},
        path=".netrc")  # fmt: skip
    add("git-credentials", "file",
        "https://octo:{ghp}@github.com\nhttps://oauth2:{glpat}@gitlab.com\nhttps://deploy:{pw}@git.corp.internal\n",
        {"ghp": ("github", g.ghp()), "glpat": ("gitlab", g.glpat()), "pw": ("url-password", g.password(url_safe=True))},
        path=".git-credentials")  # fmt: skip
    add("git-remote", "output",
        "origin\thttps://x-access-token:{ghs}@github.com/acme/shop.git (fetch)\n"
        "origin\thttps://x-access-token:{ghs2}@github.com/acme/shop.git (push)\n",
        {"ghs": ("github", g.ghp("ghs_")), "ghs2": ("github", g.ghp("ghs_"))}, command="git remote -v")  # fmt: skip
    add("docker-config", "file",
        '{{\n  "auths": {{\n    "https://index.docker.io/v1/": {{\n      "auth": "{a1}"\n    }},\n'
        '    "ghcr.io": {{\n      "auth": "{a2}"\n    }}\n  }},\n  "credsStore": ""\n}}\n',
        {"a1": ("docker-auth", base64.b64encode(f"shopdev:{g.password()}".encode()).decode()),
         "a2": ("docker-auth", base64.b64encode(f"octo:{g.ghp()}".encode()).decode())},
        path=".docker/config.json")  # fmt: skip
    key_pem = "-----BEGIN RSA PRIVATE KEY-----\n" + g.pem_body(1190) + "\n-----END RSA PRIVATE KEY-----\n"
    add("kubeconfig", "file",
        "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://10.0.0.1:6443\n  name: prod\n"
        "users:\n- name: admin\n  user:\n    client-key-data: {ckd}\n- name: ci\n  user:\n    token: {tok}\n",
        {"ckd": ("kube-client-key", base64.b64encode(key_pem.encode()).decode()),
         "tok": ("kube-token", g.jwt({"iss": "kubernetes/serviceaccount", "sub": "system:serviceaccount:ci:deployer",
                                      "kubernetes.io/serviceaccount/namespace": "ci"}))},
        path=".kube/config")  # fmt: skip
    add("k8s-secret", "output",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: shop-db\n  namespace: prod\ntype: Opaque\ndata:\n"
        "  password: {p}\n  api-key: {k}\nstringData:\n  DB_PASSWORD: {pw}\n",
        {"p": ("k8s-data", base64.b64encode(g.password().encode()).decode()),
         "k": ("k8s-data", base64.b64encode(g.hexs(32).encode()).decode()), "pw": ("yaml-password", g.password())},
        command="kubectl get secret shop-db -o yaml")  # fmt: skip
    add("docker-run", "command",
        "docker run -d --name db -e POSTGRES_PASSWORD={pw} -e API_KEY={key} -p 5432:5432 postgres:16",
        {"pw": ("flag-password", g.password()), "key": ("flag-key", g.hexs(32))})  # fmt: skip
    add("docker-login", "command",
        "docker login -u deploy -p {pw} registry.corp.internal && echo {ghp} | docker login ghcr.io -u octo --password-stdin",
        {"pw": ("flag-password", g.password()), "ghp": ("github", g.ghp())})  # fmt: skip
    add("psql-mysql", "command",
        "PGPASSWORD={pg} psql -h db.internal -U app shop -c 'select 1' ; mysql -u root -p{my} shop < dump.sql ; "
        "psql \"postgresql://app:{url}@db.internal:5432/shop?sslmode=require\"",
        {"pg": ("flag-password", g.password()), "my": ("flag-password", g.password()),
         "url": ("url-password", g.password(url_safe=True))})  # fmt: skip
    sas_sig = base64.b64encode(g.raw(32)).decode().replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")
    add("connection-strings", "file",
        "mongo:\n  uri: mongodb+srv://admin:{mongo}@cluster0.ab1cd.mongodb.net/shop?retryWrites=true\n"
        "redis:\n  url: redis://:{redis}@cache.internal:6379/0\n"
        "jdbc:\n  url: jdbc:postgresql://db.internal:5432/shop?user=app&password={jdbc}\n"
        "  mssql: jdbc:sqlserver://db.internal:1433;databaseName=shop;user=sa;password={mssql};\n"
        "azure:\n  storage: DefaultEndpointsProtocol=https;AccountName=shopstore;AccountKey={akey};EndpointSuffix=core.windows.net\n"
        "  bus: Endpoint=sb://shop.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={sak}\n"
        "  blob: BlobEndpoint=https://shopstore.blob.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=b&srt=sco&sp=rl&se=2026-12-31T00:00:00Z&spr=https&sig={sig}\n",
        {"mongo": ("url-password", g.password(url_safe=True)), "redis": ("url-password", g.password(url_safe=True)),
         "jdbc": ("jdbc-password", g.password(url_safe=True)), "mssql": ("jdbc-password", g.password(url_safe=True)),
         "akey": ("azure-account-key", g.b64(64)), "sak": ("azure-sas-key", g.b64(32)),
         "sig": ("azure-sas-sig", sas_sig)}, path="config/connections.yaml")  # fmt: skip
    gcp_key = "-----BEGIN PRIVATE KEY-----\\n" + g.pem_body(1216).replace("\n", "\\n") + "\\n-----END PRIVATE KEY-----\\n"
    gcp_body = gcp_key.split("-----\\n", 1)[1].rsplit("\\n-----END", 1)[0]
    add("gcp-service-account", "file",
        '{{\n  "type": "service_account",\n  "project_id": "shop-prod-41721",\n  "private_key_id": "{kid}",\n'
        '  "private_key": "{key}",\n  "client_email": "deployer@shop-prod-41721.iam.gserviceaccount.com",\n'
        '  "client_id": "10742196385530000{cid}",\n  "token_uri": "https://oauth2.googleapis.com/token"\n}}\n',
        {"kid": ("none", ""), "key": ("none", gcp_key), "cid": ("none", "")}, path="gcp-key.json")  # fmt: skip
    ctx = out[-1]
    ctx.text = ctx.text.replace('"private_key_id": ""', f'"private_key_id": "{g.hexs(40)}"')
    ctx.values = [("gcp-private-key", gcp_body)]
    ssh_body = g.pem_body(1000)
    rsa_body = g.pem_body(1190)
    out.append(Context("private-key-files", "file",
                       f"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA{ssh_body}\n"
                       "-----END OPENSSH PRIVATE KEY-----\n"
                       f"-----BEGIN RSA PRIVATE KEY-----\n{rsa_body}\n-----END RSA PRIVATE KEY-----\n",
                       [("pem-private-key", "b3BlbnNzaC1rZXktdjEAAAAA" + ssh_body), ("pem-private-key", rsa_body)],
                       path="deploy/id_ed25519"))  # fmt: skip
    add("tfvars", "file",
        'region = "eu-west-1"\ndb_password = "{pw}"\ncloudflare_api_token = "{cf}"\ndo_token = "{do}"\n',
        {"pw": ("hcl-password", g.password()), "cf": ("cloudflare", g.s(ALNUM + "-_", 40)),
         "do": ("digitalocean", "dop_v1_" + g.hexs(64))}, path="terraform.tfvars")  # fmt: skip
    add("application-properties", "file",
        "spring.datasource.url=jdbc:postgresql://db.internal:5432/shop\nspring.datasource.username=shop\n"
        "spring.datasource.password={pw}\njwt.secret={jwt}\nspring.mail.password={mail}\n",
        {"pw": ("properties-password", g.password()), "jwt": ("properties-secret", g.b64(48)),
         "mail": ("properties-password", g.password())}, path="src/main/resources/application.properties")  # fmt: skip
    add("appsettings-json", "file",
        '{{\n  "ConnectionStrings": {{\n    "Default": "Server=db.internal;Database=shop;User Id=sa;Password={pw};"\n  }},\n'
        '  "Jwt": {{ "Key": "{jwt}", "Issuer": "shop" }},\n  "SendGrid": {{ "ApiKey": "{sg}" }}\n}}\n',
        {"pw": ("conn-password", g.password()), "jwt": ("json-key", g.b64(48)),
         "sg": ("sendgrid", f"SG.{g.s(ALNUM + '-_', 22)}.{g.s(ALNUM + '-_', 43)}")}, path="appsettings.json")  # fmt: skip
    add("django-settings", "file",
        "SECRET_KEY = 'django-insecure-{dj}'\nDATABASES = {{\n    'default': {{\n        'ENGINE': 'django.db.backends.postgresql',\n"
        "        'NAME': 'shop',\n        'PASSWORD': '{pw}',\n    }}\n}}\nEMAIL_HOST_PASSWORD = \"{mail}\"\n",
        {"dj": ("django-secret", g.s(string.ascii_lowercase + string.digits + "!@#%^&*(-_=+)", 50)),
         "pw": ("py-password", g.password()), "mail": ("py-password", g.password())}, path="shop/settings.py")  # fmt: skip
    ctx = out[-1]
    ctx.values = [("django-secret", "django-insecure-" + ctx.values[0][1])] + ctx.values[1:]
    add("config-yaml", "file",
        "database:\n  host: db.internal\n  password: {pw}\nslack:\n  bot_token: {xoxb}\n  signing_secret: {sign}\n"
        "stripe:\n  webhook_secret: {wh}\n",
        {"pw": ("yaml-password", g.password()), "xoxb": ("slack", g.slack_bot()), "sign": ("yaml-secret", g.hexs(32)),
         "wh": ("stripe-webhook", "whsec_" + g.s(ALNUM, 32))}, path="config.yaml")  # fmt: skip
    add("docker-compose", "file",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      - POSTGRES_PASSWORD={pg}\n      - JWT_SECRET={jwt}\n"
        "  mysql:\n    image: mysql:8\n    environment:\n      MYSQL_ROOT_PASSWORD: \"{my}\"\n      API_TOKEN: {tok}\n",
        {"pg": ("env-password", g.password()), "jwt": ("env-secret", g.hexs(48)), "my": ("yaml-password", g.password()),
         "tok": ("yaml-token", g.s(ALNUM, 40))}, path="docker-compose.yml")  # fmt: skip
    add("github-actions", "file",
        "name: release\non: push\nenv:\n  NPM_TOKEN: {npm}\n  AWS_SECRET_ACCESS_KEY: {aws}\njobs:\n  publish:\n"
        "    runs-on: ubuntu-latest\n    steps:\n      - run: curl -fsS -H \"Authorization: token {ghp}\" https://api.github.com/user\n",
        {"npm": ("npm", g.npm()), "aws": ("aws-secret", g.aws_secret()), "ghp": ("github", g.ghp())},
        path=".github/workflows/release.yml")  # fmt: skip
    add("gh-auth", "output",
        "github.com\n  \u2713 Logged in to github.com account octo (keyring)\n  - Active account: true\n"
        "  - Git operations protocol: https\n  - Token: {gho}\n  - Token scopes: 'gist', 'read:org', 'repo'\n",
        {"gho": ("github", g.ghp("gho_"))}, command="gh auth status --show-token")  # fmt: skip
    add("gh-auth-token", "output", "{gho}\n", {"gho": ("github", g.ghp("gho_"))}, command="gh auth token")
    add("printenv", "output",
        "SHELL=/bin/bash\nHOME=/home/dev\nGITHUB_TOKEN={ghp}\nAWS_SECRET_ACCESS_KEY={aws}\nDB_PASSWORD={pw}\n"
        "HF_TOKEN={hf}\nDATADOG_API_KEY={dd}\nTERM=xterm-256color\n",
        {"ghp": ("github", g.ghp()), "aws": ("aws-secret", g.aws_secret()), "pw": ("env-password", g.password()),
         "hf": ("huggingface", g.hf()), "dd": ("env-key", g.hexs(32))}, command="printenv")  # fmt: skip
    add("set-x-curl", "output",
        "+ curl -sS -H 'Authorization: Bearer {bearer}' -H 'Content-Type: application/json' https://api.shop.internal/v1/orders\n"
        "+ curl -sS -u admin:{pw} https://jenkins.corp.internal/job/deploy/build\n{{\"ok\":true}}\n",
        {"bearer": ("bearer", g.s(ALNUM, 40)), "pw": ("curl-user", g.password(url_safe=True))},
        command="bash -x ./deploy.sh")  # fmt: skip
    add("http-dump", "output",
        "> GET /api/me HTTP/1.1\n> Host: app.shop.internal\n> Cookie: sessionid={sid}\n>\n< HTTP/1.1 200 OK\n"
        "< Content-Type: application/json\n< Set-Cookie: session={sess}; Path=/; HttpOnly; Secure; SameSite=Lax\n"
        "< Set-Cookie: remember_token={rem}; Expires=Wed, 01 Apr 2026 10:00:00 GMT; Path=/\n",
        {"sid": ("cookie", g.s(string.ascii_lowercase + string.digits, 32)), "sess": ("cookie", g.b64url(72)),
         "rem": ("cookie", g.s(ALNUM, 40))}, command="curl -v https://app.shop.internal/api/me")  # fmt: skip
    add("git-diff", "output",
        "diff --git a/config/production.env b/config/production.env\nindex 3f2a1b4..9c8d7e6 100644\n"
        "--- a/config/production.env\n+++ b/config/production.env\n@@ -1,2 +1,4 @@\n LOG_LEVEL=info\n"
        "+API_KEY={key}\n+MAILGUN_API_KEY={mg}\n+STRIPE_WEBHOOK_SECRET={wh}\n",
        {"key": ("env-key", g.hexs(32)), "mg": ("mailgun", "key-" + g.hexs(32)), "wh": ("stripe-webhook", "whsec_" + g.s(ALNUM, 32))},
        command="git diff")  # fmt: skip
    old_key, new_key = g.s(ALNUM, 32), g.s(ALNUM, 32)
    out.append(Context("edit-pair", "edit", f'API_KEY = "{new_key}"\nTIMEOUT = 30\n',
                       [("py-key", old_key), ("py-key", new_key)], path="app/config.py",
                       old=f'API_KEY = "{old_key}"\nTIMEOUT = 30\n'))  # fmt: skip
    inner = f'DB_PASSWORD="{g.password()}"\nAPI_TOKEN={g.s(ALNUM, 40)}\n'
    vals = [inner.split('"')[1], inner.split("API_TOKEN=")[1].strip()]
    out.append(Context("json-escaped-result", "output",
                       json.dumps({"content": [{"type": "text", "text": inner}], "isError": False}),
                       [("env-password", vals[0]), ("env-token", vals[1])], command="mcp__files__read .env"))  # fmt: skip
    oai, hf = g.openai(), g.hf()
    nb = {"cells": [{"cell_type": "code", "execution_count": 3, "metadata": {},
                     "source": ["import os\n", "for k in ('OPENAI_API_KEY', 'HF_TOKEN'):\n", "    print(k, '=', os.environ[k])"],
                     "outputs": [{"name": "stdout", "output_type": "stream",
                                  "text": [f"OPENAI_API_KEY = {oai}\n", f"HF_TOKEN = {hf}\n"]}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    out.append(Context("jupyter-output", "file", json.dumps(nb, indent=1),
                       [("openai", oai), ("huggingface", hf)], path="explore.ipynb"))  # fmt: skip
    out.extend(more_secret_contexts(g))
    return out


def more_secret_contexts(g: Gen) -> list[Context]:
    """The second round: other tools' credential files, cloud CLIs' outputs, and code that sets one."""
    out: list[Context] = []

    def add(name: str, kind: str, template: str, values: dict[str, tuple[str, str]], **kw: str) -> None:
        out.append(Context(name, kind, template.format(**{k: v for k, (_c, v) in values.items()}),
                           [(c, v) for c, v in values.values() if c != "none"], **kw))  # fmt: skip

    add("pgpass", "file",
        "db.internal:5432:shop:app:{p1}\n*:*:*:replicator:{p2}\n",
        {"p1": ("pgpass", g.password()), "p2": ("pgpass", g.password())}, path=".pgpass")  # fmt: skip
    add("my-cnf", "file", "[client]\nuser = root\npassword = {pw}\nhost = db.internal\n",
        {"pw": ("ini-password", g.password())}, path=".my.cnf")  # fmt: skip
    add("composer-auth", "file",
        '{{\n    "github-oauth": {{\n        "github.com": "{ghp}"\n    }},\n    "http-basic": {{\n'
        '        "repo.packagist.com": {{\n            "username": "token",\n            "password": "{pw}"\n'
        '        }}\n    }}\n}}\n',
        {"ghp": ("github", g.ghp()), "pw": ("json-password", g.hexs(40))}, path="auth.json")  # fmt: skip
    add("gem-credentials", "file", "---\n:rubygems_api_key: {k}\n",
        {"k": ("rubygems", "rubygems_" + g.hexs(48))}, path=".gem/credentials")  # fmt: skip
    add("cargo-credentials", "file", '[registry]\ntoken = "{tok}"\n',
        {"tok": ("toml-token", "cio" + g.s(ALNUM, 32))}, path=".cargo/credentials.toml")  # fmt: skip
    add("yarnrc", "file",
        'npmRegistryServer: "https://npm.pkg.github.com"\nnpmAuthToken: {ghp}\nnpmScopes:\n  acme:\n'
        '    npmAuthToken: "{npm}"\n',
        {"ghp": ("github", g.ghp()), "npm": ("npm", g.npm())}, path=".yarnrc.yml")  # fmt: skip
    add("gradle-properties", "file",
        "org.gradle.jvmargs=-Xmx2g\nossrhUsername=acme\nossrhPassword={pw}\nsigning.password={sp}\n",
        {"pw": ("properties-password", g.password()), "sp": ("properties-password", g.password())},
        path="gradle.properties")  # fmt: skip
    add("vault-token-file", "output", "{tok}\n", {"tok": ("vault", "hvs.CAESI" + g.b64url(70))},
        command="cat ~/.vault-token")  # fmt: skip
    add("gcloud-token", "output", "{tok}\n", {"tok": ("google-oauth", "ya29." + g.s(ALNUM + "-_", 150))},
        command="gcloud auth print-access-token")  # fmt: skip
    add("az-token", "output",
        '{{\n  "accessToken": "{jwt}",\n  "expiresOn": "2026-03-01 11:00:00.000000",\n  "subscription": "{sub}",\n'
        '  "tenant": "{ten}",\n  "tokenType": "Bearer"\n}}\n',
        {"jwt": ("jwt", g.jwt({"aud": "https://management.azure.com/", "iss": "https://sts.windows.net/x/",
                               "oid": g.uuid()})),
         "sub": ("none", g.uuid()), "ten": ("none", g.uuid())}, command="az account get-access-token")  # fmt: skip
    add("aws-sts-output", "output",
        '{{\n    "Credentials": {{\n        "AccessKeyId": "{k}",\n        "SecretAccessKey": "{s}",\n'
        '        "SessionToken": "{t}",\n        "Expiration": "2026-03-01T11:00:00+00:00"\n    }}\n}}\n',
        {"k": ("aws-key-id", "ASIA" + g.s(UPPER32, 16)), "s": ("aws-secret", g.aws_secret()),
         "t": ("aws-session-token", "IQoJb3JpZ2luX2VjE" + g.b64(600))},
        command="aws sts assume-role --role-arn arn:aws:iam::123456789012:role/deploy --role-session-name ci")  # fmt: skip
    add("kubectl-create-secret", "command",
        "kubectl create secret generic shop-db --from-literal=password={pw} --from-literal=api-token={tok}",
        {"pw": ("flag-password", g.password()), "tok": ("flag-token", g.s(ALNUM, 32))})  # fmt: skip
    add("helm-set", "command",
        "helm upgrade --install shop ./chart --set postgresql.auth.password={pw} --set-string stripe.secretKey={sk}",
        {"pw": ("flag-password", g.password()), "sk": ("stripe", g.stripe())})  # fmt: skip
    add("pip-index-url", "command",
        "pip install --index-url https://__token__:{tok}@gitlab.corp.internal/api/v4/projects/12/packages/pypi/simple "
        "shop-core",
        {"tok": ("gitlab", g.glpat())})  # fmt: skip
    add("wp-config", "file",
        "<?php\ndefine( 'DB_NAME', 'shop' );\ndefine( 'DB_PASSWORD', '{pw}' );\ndefine( 'AUTH_KEY', '{ak}' );\n",
        {"pw": ("php-define", g.password()), "ak": ("php-define", g.s(ALNUM + "!@#%^*()-_=+[]{}|;:,.<>?", 64))},
        path="wp-config.php")  # fmt: skip
    add("code-sets-env", "file",
        'os.Setenv("STRIPE_API_KEY", "{sk}")\nos.Setenv("DB_PASSWORD", "{pw}")\n',
        {"sk": ("go-setenv", g.s(ALNUM, 32)), "pw": ("go-setenv", g.password())}, path="cmd/seed/main.go")  # fmt: skip
    add("py-environ", "file",
        'os.environ["SENDGRID_API_KEY"] = "{k}"\nos.environ.setdefault("DJANGO_DB_PASSWORD", "{pw}")\n',
        {"k": ("py-environ", g.s(ALNUM, 40)), "pw": ("py-environ", g.password())}, path="scripts/seed.py")  # fmt: skip
    add("master-key", "file", "{k}\n", {"k": ("rails-master-key", g.hexs(32))}, path="config/master.key")
    add("http-clients", "command",
        'curl -H "X-API-Key: {xk}" "https://api.shop.internal/v2/items?api_key={qk}" ; '
        "wget --user=deploy --password={wp} https://files.corp.internal/dump.sql ; http -a admin:{hp} POST :8080/login",
        {"xk": ("header-key", g.s(ALNUM, 32)), "qk": ("query-key", g.hexs(32)), "wp": ("flag-password", g.password()),
         "hp": ("flag-password", g.password(url_safe=True))})  # fmt: skip
    add("envrc", "file", "export AWS_ACCESS_KEY_ID={k}\nexport AWS_SECRET_ACCESS_KEY={s}\nexport VAULT_TOKEN={v}\n",
        {"k": ("aws-key-id", g.akia()), "s": ("aws-secret", g.aws_secret()), "v": ("vault", "hvs." + g.s(ALNUM, 24))},
        path=".envrc")  # fmt: skip
    add("streamlit-secrets", "file",
        '[connections.snowflake]\naccount = "xy12345.eu-west-1"\nuser = "loader"\npassword = "{pw}"\n\n'
        '[openai]\napi_key = "{k}"\n',
        {"pw": ("toml-password", g.password()), "k": ("openai", g.openai())}, path=".streamlit/secrets.toml")  # fmt: skip
    add("terraform-output", "output",
        '{{\n  "db_password": {{\n    "sensitive": true,\n    "type": "string",\n    "value": "{pw}"\n  }},\n'
        '  "api_key": {{\n    "sensitive": true,\n    "type": "string",\n    "value": "{k}"\n  }}\n}}\n',
        {"pw": ("tf-output", g.password()), "k": ("tf-output", g.s(ALNUM, 40))}, command="terraform output -json")  # fmt: skip
    add("gh-hosts", "file", "github.com:\n    user: octo\n    oauth_token: {gho}\n    git_protocol: https\n",
        {"gho": ("github", g.ghp("gho_"))}, path=".config/gh/hosts.yml")  # fmt: skip
    dockercfg = json.dumps({"auths": {"ghcr.io": {"auth": base64.b64encode(f"octo:{g.ghp()}".encode()).decode()}}})
    add("dockerconfigjson-secret", "output",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\ndata:\n"
        "  .dockerconfigjson: {d}\n",
        {"d": ("k8s-data", base64.b64encode(dockercfg.encode()).decode())},
        command="kubectl get secret regcred -o yaml")  # fmt: skip
    out.extend(third_secret_contexts(g))
    return out


def third_secret_contexts(g: Gen) -> list[Context]:
    """The third round: what a CLI prints back about a running system."""
    out: list[Context] = []

    def add(name: str, kind: str, template: str, values: dict[str, tuple[str, str]], **kw: str) -> None:
        out.append(Context(name, kind, template.format(**{k: v for k, (_c, v) in values.items()}),
                           [(c, v) for c, v in values.values() if c != "none"], **kw))  # fmt: skip

    ghs = g.ghp("ghs_")
    add("git-config-list", "output",
        "user.name=CI\ncore.bare=false\nremote.origin.url=https://github.com/acme/shop\n"
        "http.https://github.com/.extraheader=AUTHORIZATION: basic {b}\nurl.https://{tok}@github.com/.insteadof=https://github.com/\n",
        {"b": ("basic-auth-b64", base64.b64encode(f"x-access-token:{ghs}".encode()).decode()), "tok": ("github", g.ghp())},
        command="git config --list")  # fmt: skip
    add("docker-inspect-env", "output",
        '[\n  {{\n    "Config": {{\n      "Env": [\n        "PATH=/usr/local/bin:/usr/bin",\n        "POSTGRES_PASSWORD={pw}",\n'
        '        "API_SECRET={sec}"\n      ]\n    }}\n  }}\n]\n',
        {"pw": ("env-password", g.password()), "sec": ("env-secret", g.s(ALNUM, 40))}, command="docker inspect shop-db")  # fmt: skip
    add("kubectl-describe", "output",
        "Containers:\n  api:\n    Environment:\n      NODE_ENV:        production\n      DB_PASSWORD:     {pw}\n"
        "      JWT_SECRET:      {jwt}\n      REDIS_URL:       redis://:{rp}@redis:6379\n",
        {"pw": ("env-password", g.password()), "jwt": ("env-secret", g.hexs(64)), "rp": ("url-password", g.password(url_safe=True))},
        command="kubectl describe pod shop-api-7d9f8b6c5d-x2x9z")  # fmt: skip
    add("heroku-config", "output",
        "=== shop-prod Config Vars\nDATABASE_URL:    postgres://u{u}:{pw}@ec2-3-1-2-3.compute-1.amazonaws.com:5432/d{d}\n"
        "SECRET_KEY_BASE: {skb}\nSTRIPE_SECRET_KEY: {sk}\n",
        {"u": ("none", g.s(string.ascii_lowercase, 8)), "pw": ("url-password", g.hexs(64)), "d": ("none", g.s(string.ascii_lowercase, 8)),
         "skb": ("env-secret", g.hexs(128)), "sk": ("stripe", g.stripe())}, command="heroku config -a shop-prod")  # fmt: skip
    add("ps-aux", "output",
        "USER  PID %CPU %MEM COMMAND\napp  4121  0.3  1.2 /usr/bin/java -Dspring.datasource.password={pw} -jar shop.jar\n"
        "app  4188  0.0  0.1 node worker.js --api-key={key} --queue=orders\n",
        {"pw": ("flag-password", g.password()), "key": ("flag-key", g.s(ALNUM, 32))}, command="ps aux")  # fmt: skip
    add("http-basic-header", "output",
        "> POST /v1/charges HTTP/1.1\n> Host: api.shop.internal\n> Authorization: Basic {b}\n> Content-Type: application/json\n",
        {"b": ("basic-auth-b64", base64.b64encode(f"svc-shop:{g.password()}".encode()).decode())},
        command="curl -v -u svc-shop:*** https://api.shop.internal/v1/charges")  # fmt: skip
    return out


def negative_contexts(seed: int) -> list[Context]:
    g = Gen(seed + 1000)
    out: list[Context] = []

    def add(name: str, kind: str, template: str, values: dict[str, tuple[str, str]], **kw: str) -> None:
        out.append(Context(name, kind, template.format(**{k: v for k, (_c, v) in values.items()}),
                           [(c, v) for c, v in values.values()], **kw))  # fmt: skip

    add("lockfile-integrity", "file",
        '{{\n  "node_modules/left-pad": {{\n    "version": "1.3.0",\n    "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",\n'
        '    "integrity": "sha512-{a}"\n  }}\n}}\n# pnpm-lock.yaml\n  /chalk@5.3.0:\n    resolution: {{integrity: sha512-{b}}}\n'
        "# yarn.lock\n  integrity sha1-{c}\n",
        {"a": ("sri", g.b64(64)), "b": ("sri", g.b64(64)), "c": ("sri", g.b64(20))}, path="package-lock.json")  # fmt: skip
    add("git-log", "output",
        "commit {c1}\nAuthor: Dev <1234567+dev@users.noreply.github.com>\nDate:   Mon Mar 2 10:00:00 2026 +0000\n\n"
        "    fix: round totals\n\ncommit {c2}\nMerge: {m1} {m2}\n\n{c3} feat: checkout\n",
        {"c1": ("git-sha", g.hexs(40)), "c2": ("git-sha", g.hexs(40)), "m1": ("git-sha", g.hexs(7)),
         "m2": ("git-sha", g.hexs(7)), "c3": ("git-sha", g.hexs(7))}, command="git log -3")  # fmt: skip
    add("docker-digests", "output",
        "REPOSITORY   TAG   DIGEST                                                                    IMAGE ID       SIZE\n"
        "postgres     16    sha256:{d1}   {iid}   432MB\n16: Pulling from library/postgres\nDigest: sha256:{d2}\n"
        "Status: Downloaded newer image for postgres:16\n",
        {"d1": ("digest", g.hexs(64)), "iid": ("digest", g.hexs(12)), "d2": ("digest", g.hexs(64))},
        command="docker images --digests")  # fmt: skip
    add("go-sum", "file",
        "github.com/spf13/cobra v1.8.0 h1:{h1}\ngithub.com/spf13/cobra v1.8.0/go.mod h1:{h2}\n",
        {"h1": ("go-sum", g.b64(32)), "h2": ("go-sum", g.b64(32))}, path="go.sum")  # fmt: skip
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + g.raw(1500)).decode()
    nb = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["plt.plot(x)"],
                     "outputs": [{"output_type": "display_data", "metadata": {},
                                  "data": {"image/png": png, "text/plain": ["<Figure size 640x480 with 1 Axes>"]}}]}],
          "metadata": {}, "nbformat": 4, "nbformat_minor": 5}  # fmt: skip
    out.append(Context("notebook-png", "file", json.dumps(nb, indent=1), [("image-b64", png)], path="plot.ipynb"))
    add("request-ids", "output",
        "< HTTP/2 500\n< x-request-id: {u1}\n< cf-ray: {ray}-FRA\n\n{{\"error\": \"internal\", \"requestId\": \"{u2}\", "
        "\"traceId\": \"{trace}\"}}\n",
        {"u1": ("uuid", g.uuid()), "ray": ("ray-id", g.hexs(16)), "u2": ("uuid", g.uuid()), "trace": ("trace-id", g.hexs(32))},
        command="curl -i https://api.shop.internal/v1/orders")  # fmt: skip
    head = base64.urlsafe_b64encode(json.dumps({"alg": "RS256", "typ": "JWT", "kid": g.hexs(16)}).encode()).decode().rstrip("=")
    out.append(Context("jwt-header-alone", "output",
                       f"The token's header, {head}, decodes to the algorithm and key id only.\n",
                       [("jwt-header", head)], command="cat docs/auth.md"))  # fmt: skip
    out.append(Context("env-example", "file",
                       "# copy to .env and fill in\nAPI_KEY=changeme\nSECRET_KEY=<your-secret-key>\nDB_PASSWORD=xxx\n"
                       "STRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\nOPENAI_API_KEY=your-openai-api-key-here\n"
                       "GITHUB_TOKEN=\nAWS_SECRET_ACCESS_KEY=REPLACE_ME\n",
                       [("placeholder", v) for v in ("changeme", "<your-secret-key>", "your-openai-api-key-here",
                                                     "REPLACE_ME")] + [("placeholder", "DB_PASSWORD=xxx")],
                       path=".env.example"))  # fmt: skip
    out.append(Context("aws-doc-example", "file",
                       "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                       "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
                       [("aws-example", "AKIAIOSFODNN7EXAMPLE"), ("aws-example", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")],
                       path="docs/aws-setup.md"))  # fmt: skip
    add("sri-hashes", "file",
        '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.2/dist/js/bootstrap.min.js" integrity="sha384-{a}" '
        'crossorigin="anonymous"></script>\n<link rel="stylesheet" href="/app.css" integrity="sha256-{b}">\n',
        {"a": ("sri", g.b64(48)), "b": ("sri", g.b64(32))}, path="public/index.html")  # fmt: skip
    add("checksums", "output",
        "{a}  node-v20.11.0-linux-x64.tar.xz\n{b}  SHASUMS256.txt\n{c}  app.zip\n",
        {"a": ("checksum", g.hexs(64)), "b": ("checksum", g.hexs(64)), "c": ("checksum", g.hexs(32))},
        command="sha256sum node-v20.11.0-linux-x64.tar.xz SHASUMS256.txt && md5sum app.zip")  # fmt: skip
    add("sentry-dsn", "file",
        "SENTRY_DSN=https://{k1}@o{org}.ingest.sentry.io/{proj}\nSentry.init({{ dsn: \"https://{k2}@o{org}.ingest.us.sentry.io/{proj}\" }});\n",
        {"k1": ("sentry-public", g.hexs(32)), "org": ("none", g.s(string.digits, 6)),
         "proj": ("none", g.s(string.digits, 7)), "k2": ("sentry-public", g.hexs(32))}, path="src/sentry.ts")  # fmt: skip
    ctx = out[-1]
    ctx.values = [v for v in ctx.values if v[0] != "none"]
    ed = base64.b64encode(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + g.raw(32)).decode()
    rsa = base64.b64encode(b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01" + g.raw(257)).decode()
    pub = g.pem_body(294)
    cert = g.pem_body(900)
    out.append(Context("public-keys", "output",
                       f"ssh-ed25519 {ed} dev@laptop\nssh-rsa {rsa} ci@runner\n-----BEGIN PUBLIC KEY-----\n{pub}\n"
                       f"-----END PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n{cert}\n-----END CERTIFICATE-----\n",
                       [("ssh-public", ed), ("ssh-public", rsa), ("pem-public", pub), ("pem-certificate", cert)],
                       command="cat ~/.ssh/id_ed25519.pub ~/.ssh/authorized_keys pub.pem cert.pem"))  # fmt: skip
    out.extend(more_negative_contexts(g))
    return out


def more_negative_contexts(g: Gen) -> list[Context]:
    """The second round: lock files' hashes, fingerprints, cluster ids, and the shapes the new rules read."""
    out: list[Context] = []

    def add(name: str, kind: str, template: str, values: dict[str, tuple[str, str]], **kw: str) -> None:
        out.append(Context(name, kind, template.format(**{k: v for k, (_c, v) in values.items()}),
                           [(c, v) for c, v in values.values() if c != "none"], **kw))  # fmt: skip

    add("requirements-hashes", "file",
        "requests==2.32.3 \\\n    --hash=sha256:{a} \\\n    --hash=sha256:{b}\n",
        {"a": ("pip-hash", g.hexs(64)), "b": ("pip-hash", g.hexs(64))}, path="requirements.txt")  # fmt: skip
    add("cargo-lock", "file",
        '[[package]]\nname = "serde"\nversion = "1.0.210"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
        'checksum = "{c}"\n',
        {"c": ("checksum", g.hexs(64))}, path="Cargo.lock")  # fmt: skip
    add("terraform-lock", "file",
        'provider "registry.terraform.io/hashicorp/aws" {{\n  version = "5.70.0"\n  hashes = [\n    "h1:{h}",\n'
        '    "zh:{z}",\n  ]\n}}\n',
        {"h": ("tf-hash", g.b64(32)), "z": ("tf-hash", g.hexs(64))}, path=".terraform.lock.hcl")  # fmt: skip
    add("poetry-lock", "file",
        '[[package]]\nname = "idna"\nversion = "3.10"\nfiles = [\n    {{file = "idna-3.10-py3-none-any.whl", hash = "sha256:{h}"}},\n]\n',
        {"h": ("pip-hash", g.hexs(64))}, path="poetry.lock")  # fmt: skip
    add("ssh-fingerprints", "output",
        "256 SHA256:{f} dev@laptop (ED25519)\nThe authenticity of host 'git.corp.internal' can't be established.\n"
        "ED25519 key fingerprint is SHA256:{k}.\n",
        {"f": ("fingerprint", g.b64(32).rstrip("=")), "k": ("fingerprint", g.b64(32).rstrip("="))},
        command="ssh-keygen -lf ~/.ssh/id_ed25519.pub")  # fmt: skip
    add("gpg-keys", "output",
        "pub   ed25519 2025-01-01 [SC]\n      {fp}\nuid           [ultimate] Dev <dev@users.noreply.github.com>\n"
        "sub   cv25519 2025-01-01 [E]\n",
        {"fp": ("fingerprint", g.s("0123456789ABCDEF", 40))}, command="gpg --list-keys")  # fmt: skip
    add("k8s-ids", "output",
        "NAME                        READY   STATUS    RESTARTS   AGE\nshop-{rs}-{pod}   1/1     Running   0          3d\n"
        "metadata:\n  uid: {uid}\n  resourceVersion: \"{rv}\"\n",
        {"rs": ("pod-hash", g.s("bcdfghjklmnpqrstvwxz2456789", 10)), "pod": ("pod-hash", g.s("bcdfghjklmnpqrstvwxz2456789", 5)),
         "uid": ("uuid", g.uuid()), "rv": ("none", g.s(string.digits, 8))}, command="kubectl get pods")  # fmt: skip
    add("response-ids", "output",
        "< ETag: \"{etag}\"\n< x-amz-request-id: {amz}\n< x-amz-id-2: {amz2}\n< x-goog-generation: {gen}\n",
        {"etag": ("etag", g.hexs(32)), "amz": ("request-id", g.s(UPPER32[:26] + "0123456789", 16)),
         "amz2": ("request-id", g.b64(48)), "gen": ("none", g.s(string.digits, 16))},
        command="curl -I https://shop-assets.s3.amazonaws.com/app.js")  # fmt: skip
    add("csp-header", "output",
        "< content-security-policy: script-src 'self' 'nonce-{n}' 'sha256-{h}'; object-src 'none'\n",
        {"n": ("nonce", g.b64(16)), "h": ("sri", g.b64(32))}, command="curl -sI https://app.shop.internal/")  # fmt: skip
    add("git-ls-remote", "output", "{a}\tHEAD\n{b}\trefs/heads/main\n{c}\trefs/tags/v1.2.0\n",
        {"a": ("git-sha", g.hexs(40)), "b": ("git-sha", g.hexs(40)), "c": ("git-sha", g.hexs(40))},
        command="git ls-remote origin")  # fmt: skip
    add("docker-inspect", "output", '[\n  {{\n    "Id": "sha256:{i}",\n    "RepoDigests": ["postgres@sha256:{d}"]\n  }}\n]\n',
        {"i": ("digest", g.hexs(64)), "d": ("digest", g.hexs(64))}, command="docker inspect postgres:16")  # fmt: skip
    out.append(Context("passwd-lines", "output",
                       "root:x:0:0:root:/root:/bin/bash\npostgres:x:999:999::/var/lib/postgresql:/bin/sh\n"
                       "backup:x:34:34:backup:/var/backups:/usr/sbin/nologin\n",
                       [("passwd", "/var/lib/postgresql:/bin/sh"), ("passwd", "/usr/sbin/nologin")],
                       command="cat /etc/passwd"))  # fmt: skip
    out.append(Context("config-references", "file",
                       'password: ${DB_PASSWORD}\ndb_password = var.db_password\ntoken: corev1.SecretReference\n'
                       'api_key = settings.OPENAI_API_KEY\nsecret: "{{ .Values.secret }}"\n',
                       [("reference", v) for v in ("${DB_PASSWORD}", "var.db_password", "corev1.SecretReference",
                                                   "settings.OPENAI_API_KEY", "{{ .Values.secret }}")],
                       path="deploy/values.yaml"))  # fmt: skip
    out.append(Context("plain-outputs", "output",
                       '{\n  "region": {\n    "sensitive": false,\n    "type": "string",\n    "value": "eu-west-1"\n  },\n'
                       '  "bucket": {\n    "sensitive": false,\n    "type": "string",\n    "value": "shop-assets-7f3a"\n  }\n}\n',
                       [("tf-output", "eu-west-1"), ("tf-output", "shop-assets-7f3a")], command="terraform output -json"))  # fmt: skip
    return out


def turns_for(ctx: Context, placement: str) -> list[Turn]:
    """The turns that put one context in a log: as a tool's output (a file also through the agent's own
    read tool, with its line numbers), a tool's input, or a prompt."""
    if placement == "output":
        if ctx.kind == "file":
            return [Shell(f"cat {ctx.path}", ctx.text)]
        if ctx.kind == "command":
            return [Shell("history | tail -1", f"  501  {ctx.text}\n")]
        if ctx.kind == "edit":
            diff = "".join(f"-{x}\n" for x in ctx.old.splitlines()) + "".join(f"+{x}\n" for x in ctx.text.splitlines())
            return [Shell(f"git diff {ctx.path}", f"--- a/{ctx.path}\n+++ b/{ctx.path}\n@@ -1,2 +1,2 @@\n{diff}")]
        return [Shell(ctx.command, ctx.text)]
    if placement == "read":
        return [Read(ctx.path, ctx.text)] if ctx.kind == "file" else []
    if placement == "input":
        if ctx.kind == "file":
            return [Write(ctx.path, ctx.text)]
        if ctx.kind == "command":
            return [Shell(ctx.text, "")]
        if ctx.kind == "edit":
            return [Edit(ctx.path, ctx.old, ctx.text)]
        return [Write(f"notes/{ctx.name}.log", ctx.text)]
    what = ctx.path or ctx.command or "this"
    body = ctx.text if ctx.kind != "edit" else ctx.old + "\n" + ctx.text
    return [Prompt(f"Here is {what}, why does it not work?\n\n```\n{body}\n```\n")]


PLACEMENTS = ("output", "read", "input", "prompt")
NEUTRAL = Identity()  # not the environment's: the figures must not depend on who runs them


def _spans(text: str, value: str) -> list[tuple[int, int]]:
    out, i = [], text.find(value)
    while i >= 0:
        out.append((i, i + len(value)))
        i = text.find(value, i + 1)
    return out


def battery(
    contexts: list[Context], *, positive: bool, agents: tuple[str, ...] = AGENTS, root: Path | None = None
) -> dict[tuple[str, str], Cell]:
    """(context, agent) -> how many of its values (over all three placements) were found / sure, or for
    negatives flagged at any tier / sure. Each agent's log holds every context, placed every way."""
    table: dict[tuple[str, str], Cell] = {}
    work = Path(tempfile.mkdtemp(prefix="agent-creds-")) if root is None else root
    for agent in agents:
        turns: list[Turn] = []
        owners: list[tuple[Context, str]] = []
        for ctx in contexts:
            for placement in PLACEMENTS:
                turns.extend(turns_for(ctx, placement))
                owners.append((ctx, placement))
        session = session_of(agent, turns, work)
        findings = scan_session(session, NEUTRAL, workers=0)
        by_field: dict[tuple[str | None, str], list[Finding]] = {}
        for f in findings:
            by_field.setdefault((f.step, f.field), []).append(f)
        fields = list(iter_fields(session))
        for ctx in contexts:
            cell = table.setdefault((ctx.name, agent), Cell())
            for cls, value in ctx.values:
                where = [(fl, s) for fl in fields for s in _spans(fl.text, value)]
                cell.values += 1
                if not where:
                    cell.misses.append(f"{cls}: absent from the session")
                    continue
                on = [by_field.get((fl.step, fl.name), []) for fl, _ in where]
                if positive:
                    anyt = all(covered(fs, a, b) for fs, (_fl, (a, b)) in zip(on, where))
                    sure = all(covered([f for f in fs if f.tier == AUTO], a, b) for fs, (_fl, (a, b)) in zip(on, where))
                else:
                    hits = [(fl.name, f) for fs, (fl, (a, b)) in zip(on, where) for f in fs if f.start < b and a < f.end]
                    anyt = bool(hits)
                    sure = any(f.tier == AUTO for _n, f in hits)
                    if hits:
                        cell.misses.append(f"{cls} flagged ({hits[0][1].detector}, {hits[0][1].tier}) in {hits[0][0]}")
                cell.found += anyt
                cell.sure += sure
                if positive and not sure:
                    missed = [fl.name for fs, (fl, (a, b)) in zip(on, where) if not covered(fs, a, b)]
                    soft = [fl.name for fs, (fl, (a, b)) in zip(on, where)
                            if not covered([f for f in fs if f.tier == AUTO], a, b)]  # fmt: skip
                    cell.misses.append(f"{cls}: {'missed in ' + ','.join(sorted(set(missed))) if missed else 'suggested only in ' + ','.join(sorted(set(soft)))}")
    return table


def render(table: dict[tuple[str, str], Cell], agents: tuple[str, ...] = AGENTS, negative: bool = False) -> str:
    """A markdown table of contexts x agents: found/sure of values (negatives: flagged/sure)."""
    names = list(dict.fromkeys(name for name, _a in table))
    head = "| context | " + " | ".join(agents) + " |\n|---|" + "---|" * len(agents) + "\n"
    rows = []
    total = Cell()
    for name in names:
        cells = [table[(name, a)] for a in agents]
        for c in cells:
            total.values += c.values
            total.found += c.found
            total.sure += c.sure
        rows.append(f"| {name} | " + " | ".join(f"{c.found}/{c.sure} of {c.values}" for c in cells) + " |")
    word = "flagged at any tier / sure" if negative else "found at any tier / sure"
    summary = (f"\n{word}: {total.found}/{total.sure} of {total.values} "
               f"({100 * total.found / max(total.values, 1):.1f}% / {100 * total.sure / max(total.values, 1):.1f}%)")  # fmt: skip
    return head + "\n".join(rows) + summary


def failures(table: dict[tuple[str, str], Cell]) -> list[str]:
    return [f"{name} @ {agent}: {m}" for (name, agent), c in table.items() for m in c.misses]


def digest_of(contexts: list[Context]) -> str:
    """What the battery holds, for a test to notice the generator changed."""
    return hashlib.sha256("".join(c.text for c in contexts).encode()).hexdigest()[:12]


Builder = Callable[[int], list[Context]]


def main(argv: list[str]) -> None:
    """`python tests/agent_creds.py [SEED ...]`: the tables RESULTS.md quotes (seeds 14 15 16 by default)."""
    seeds = [int(a) for a in argv] or [14, 15, 16]
    tables: dict[bool, dict[tuple[str, str], Cell]] = {True: {}, False: {}}
    for seed in seeds:
        for positive, contexts in ((True, secret_contexts(seed)), (False, negative_contexts(seed))):
            for key, cell in battery(contexts, positive=positive).items():
                total = tables[positive].setdefault(key, Cell())
                total.values += cell.values
                total.found += cell.found
                total.sure += cell.sure
                total.misses.extend(f"seed {seed}: {m}" for m in cell.misses)
    print(f"secrets, seeds {seeds}:\n{render(tables[True])}\n\nhard negatives:\n{render(tables[False], negative=True)}")
    for problem in failures(tables[True]) + failures(tables[False]):
        print(problem)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
