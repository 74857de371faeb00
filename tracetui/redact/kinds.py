"""Every kind a finding can have (`Finding.kind`), and so a receipt's row and the kinds a dataset card
and DONATION.md list. The detectors name theirs from here; the token rules and detect-secrets' plugins
name theirs in their own tables (`rules.table.TOKEN_RULES`, `ds.PLUGIN_KINDS`), which
`all_kinds.every_kind` gathers. `export --check` leaves a receipt's kind out only where it is one of them."""

from __future__ import annotations

EMAIL = "email"
PHONE = "phone"
IP_ADDRESS = "ip-address"
CARD_NUMBER = "card-number"
NATIONAL_ID = "national-id"
IBAN = "iban"
STREET_ADDRESS = "street-address"
PERSON_NAME = "person-name"
HOME_PATH = "home-path"
USER_NAME = "user-name"
HOST_NAME = "host-name"
ENV_VALUE = "env-value"
SECRET = "secret"
PASSWORD = "password"
DB_PASSWORD = "db-password"
URL_PASSWORD = "url-password"
URL_SECRET = "url-secret"
AUTH_HEADER = "auth-header"
COOKIE = "cookie"
HIGH_ENTROPY = "high-entropy"
PRIVATE_KEY = "private-key"
MAILCHIMP_KEY = "mailchimp-key"
FACEBOOK_TOKEN = "facebook-token"
K8S_SECRET = "k8s-secret"
UNSCANNED = "unscanned"  # a text no detector could finish in time (`scan`)
MANUAL = "manual"  # a span the user selected without naming its kind

NAMED = frozenset({
    EMAIL, PHONE, IP_ADDRESS, CARD_NUMBER, NATIONAL_ID, IBAN, STREET_ADDRESS, PERSON_NAME, HOME_PATH,
    USER_NAME, HOST_NAME, ENV_VALUE, SECRET, PASSWORD, DB_PASSWORD, URL_PASSWORD, URL_SECRET,
    AUTH_HEADER, COOKIE, HIGH_ENTROPY, PRIVATE_KEY, MAILCHIMP_KEY, FACEBOOK_TOKEN, K8S_SECRET,
    UNSCANNED, MANUAL,
})  # fmt: skip

