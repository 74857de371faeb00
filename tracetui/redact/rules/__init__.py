"""Format rules for credentials detect-secrets lacks or cuts short, and context rules around them.

Every pattern here runs in linear time on hostile input (no nested quantifiers over the same
characters). Each format rule has literal "needles": its regex runs only on a text holding one.
One module per family: `table` and `tokens` (vendor formats), `assignments` (a name, then its
value), `judge` (how such a value is weighed), `headers`, `commands`, `files`.
More in docs/internals/redact.md.
"""

from tracetui.redact.credential_words import names_a_credential
from tracetui.redact.rules.assignments import (
    assignment_findings,
    assignment_findings_as,
    name_value_findings,
    pin_findings,
    service_key_findings,
)
from tracetui.redact.rules.calls import pair_call_findings, setter_findings
from tracetui.redact.rules.commands import (
    http_client_findings,
    secure_string_findings,
    short_flag_findings,
    sql_password_findings,
    store_findings,
)
from tracetui.redact.rules.files import (
    credential_file_findings,
    k8s_secret_findings,
    key_file_findings,
    netrc_findings,
    object_value_findings,
    pgpass_findings,
    quoted_key_file_findings,
)
from tracetui.redact.rules.headers import context_findings, local_default_pair, stand_in_url_pair
from tracetui.redact.rules.host_keys import host_key_findings
from tracetui.redact.rules.judge import (
    FORMAT_PREFIXES,
    id_of_a_credential,
    names_a_setting,
    owned_by_format,
    prefix_on_counting,
    wrong_vendor_length,
)
from tracetui.redact.rules.markup import xml_value_findings
from tracetui.redact.rules.notebook import notebook_output_findings
from tracetui.redact.rules.table import TOKEN_RULES, Rule, jwt_tier, slack_tier
from tracetui.redact.rules.tokens import (
    TOKEN_NEEDLES,
    facebook_app_token_findings,
    filler_after_prefix,
    holds_credential,
    mailchimp_findings,
    masked_after,
    pem_findings,
    token_findings,
)

# The readers of a credential that a command, a PIN's name, markup, a call or a notebook's output gives,
# each behind its own gate word (the first six in the order they ran in when they were one function).
PASSWORD_READERS = (
    store_findings,  # secret stores' commands, Oracle's `user/password@` (`keyvault`, `sqlplus`, …)
    secure_string_findings,  # PowerShell's `ConvertTo-SecureString` (`securestring`)
    pin_findings,  # a PIN or one-time code under its name (`pin=`, `otp:`, …)
    short_flag_findings,  # `mysql -pX`, `docker login -p X` (`mysql`, `login`, …)
    sql_password_findings,  # `IDENTIFIED BY '…'` (`identified`)
    xml_value_findings,  # `<password>…</password>`, `<property name=…>`, plists (`</`)
    setter_findings,  # `setPassword("…")`, `.password("…")` (`passw`, `secret`, `token`, …)
    pair_call_findings,  # `NetworkCredential("u", "…")`, `login("bob", "…")` (`login`, `connect`, …)
    notebook_output_findings,  # a token a notebook printed alone (`output_type`, `text/plain`)
    host_key_findings,  # a key under its registry's host or name (`::`, `\n:`, `://`, `auth`, `token`)
)

__all__ = [
    "FORMAT_PREFIXES", "TOKEN_NEEDLES", "TOKEN_RULES", "Rule", "assignment_findings",
    "assignment_findings_as", "PASSWORD_READERS", "context_findings", "credential_file_findings",
    "facebook_app_token_findings", "filler_after_prefix", "holds_credential", "http_client_findings",
    "id_of_a_credential", "jwt_tier", "k8s_secret_findings", "key_file_findings", "local_default_pair",
    "mailchimp_findings",
    "masked_after", "name_value_findings", "names_a_credential", "names_a_setting", "netrc_findings",
    "object_value_findings", "owned_by_format", "pem_findings", "pgpass_findings", "prefix_on_counting",
    "quoted_key_file_findings", "service_key_findings", "slack_tier", "stand_in_url_pair", "token_findings",
    "wrong_vendor_length",
]  # fmt: skip
