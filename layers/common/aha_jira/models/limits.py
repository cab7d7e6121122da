"""What callers may send, in one list: the limits of DESIGN.md "Bad input never reaches a 5xx" and the
constrained types that carry them into the request models.

Every string has a length limit and refuses control characters where they cannot belong; lists and maps
have a size limit; numbers are finite and within the range of the field they end up in. Each limit is
checked before anything is written, so a refusal is a 400 that names the key, never a failure of
DynamoDB (400 KB items), Secrets Manager (64 KB secrets) or Jira after a write.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, StringConstraints, WithJsonSchema

# --- strings -----------------------------------------------------------------------------------------
MAX_ID_LENGTH = 64  # integration ids (roadmap references: models/references.py, the same 64)
MAX_NAME_LENGTH = 255  # names, labels, versions: Jira's own limit for each
MAX_DESCRIPTION_BYTES = 256 * 1024  # a description's HTML
MAX_SECRET_BYTES = 4 * 1024  # tokens, passwords, shared secrets (Secrets Manager stops at 64 KiB)
MAX_EMAIL_LENGTH = 254  # RFC 5321's path limit
MAX_URL_LENGTH = 2048
MAX_HOST_LENGTH = 253  # DNS: a name of at most 253 characters, each label at most 63
MAX_HOST_LABEL_LENGTH = 63
MAX_SHORT_TEXT_LENGTH = 64  # dates, content types, custom field types
MAX_TAG_LENGTH = 1024  # a tag becomes a Jira label, cut to Jira's 255 where longer

# --- the send body -----------------------------------------------------------------------------------
MAX_REQUIREMENTS = 500  # a feature's requirements: ten bulk creates of 50
MAX_TAGS = 100
MAX_CUSTOM_FIELDS = 200
MAX_ATTACHMENTS = 100
# Estimates in minutes (work_units 10) or points (20); Jira keeps time tracking in seconds in a 32-bit
# int on some versions: a million minutes (1.9 years) is far above any real estimate and fits.
MAX_ESTIMATE = 1_000_000
MAX_WORK_UNITS = 1_000
MAX_FILE_SIZE = 2**53  # bytes: any real file, and exact in a JSON number

# --- the configuration body --------------------------------------------------------------------------
MAX_STATUSES = 500
MAX_FIELD_MAPPINGS = 200
MAX_ISSUE_TYPES = 100
MAX_FIELD_VALUE_BYTES = 16 * 1024  # one constant field value, as JSON
# The mapping as JSON: with the rest of the configuration it stays far below DynamoDB's 400 KB item.
MAX_MAPPING_BYTES = 128 * 1024
# jira.rate_limit.requests_per_second: Jira Cloud's burst limits are of this order; more is no cap at all.
MAX_JIRA_REQUESTS_PER_SECOND = 100

# C0 controls, DEL and C1 controls.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WHITESPACE = re.compile(r"\s")
INTEGRATION_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_-]{{0,{MAX_ID_LENGTH - 1}}}$"
_INTEGRATION_ID = re.compile(INTEGRATION_ID_PATTERN)


def is_integration_id(value: str) -> bool:
    return _INTEGRATION_ID.fullmatch(value) is not None


def _no_control_characters(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters (such as NUL, tab, CR or LF)")
    return value


def _raw_without_control_characters(value: Any) -> Any:
    """Before whitespace is stripped: Python's `strip()` also removes some control characters (\\x1c-\\x1f,
    \\x85), so a value ending in one would otherwise be accepted silently instead of refused."""
    if isinstance(value, str):
        _no_control_characters(value)
    return value


# Checked before anything else touches the value (see _raw_without_control_characters); every string type
# of a request body carries it, so no model needs to refuse control characters on its own.
NO_CONTROL_CHARACTERS = BeforeValidator(_raw_without_control_characters)


def _single_token(value: str) -> str:
    _no_control_characters(value)
    if _WHITESPACE.search(value):
        raise ValueError("must not contain spaces")
    return value


def _within_bytes(limit: int) -> Any:
    def check(value: str) -> str:
        if len(value) > limit or len(value.encode("utf-8")) > limit:
            raise ValueError(f"must be at most {limit // 1024} KiB")
        return value

    return check


def _email(value: str) -> str:
    _single_token(value)
    local, at, domain = value.rpartition("@")
    if not (at and local and domain):
        raise ValueError("must be an e-mail address such as bot@acme.example")
    return value


def _http_url(value: str) -> str:
    _single_token(value)
    parts = urlsplit(value)
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        raise ValueError("must be an absolute http(s) URL")
    return value


def _secret(value: SecretStr) -> SecretStr:
    # The messages never show the value: an error answer is not a place for a secret.
    text = value.get_secret_value()
    if len(text.encode("utf-8")) > MAX_SECRET_BYTES:
        raise ValueError(f"must be at most {MAX_SECRET_BYTES // 1024} KiB")
    if _CONTROL.search(text):
        raise ValueError("must not contain control characters (such as NUL, tab, CR or LF)")
    return value


def _header_safe(value: SecretStr) -> SecretStr:
    # A bearer token travels in an HTTP header, which carries Latin-1 only.
    try:
        value.get_secret_value().encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError("must contain only characters an HTTP header can carry (Latin-1)") from None
    return value


Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NAME_LENGTH),
    NO_CONTROL_CHARACTERS,
]
"""A name in the configuration: an integration, a Jira project, issue type, status or field."""

RecordName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME_LENGTH), NO_CONTROL_CHARACTERS
]
"""A roadmap record's name (the Jira summary, one line in Jira): no control characters, line breaks
included (Aha!'s editor makes none; a name carrying one is not a roadmap record's name)."""

Tag = Annotated[str, StringConstraints(max_length=MAX_TAG_LENGTH), NO_CONTROL_CHARACTERS]
"""A roadmap tag (a Jira label)."""

ShortText = Annotated[str, StringConstraints(max_length=MAX_SHORT_TEXT_LENGTH), NO_CONTROL_CHARACTERS]
"""A date, a content type, a custom field's type."""

Description = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION_BYTES),
    AfterValidator(_within_bytes(MAX_DESCRIPTION_BYTES)),
]
"""A description's HTML, at most 256 KiB of UTF-8."""

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_EMAIL_LENGTH),
    NO_CONTROL_CHARACTERS,
    AfterValidator(_email),
]

Url = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_URL_LENGTH),
    NO_CONTROL_CHARACTERS,
    AfterValidator(_http_url),
]
"""An absolute http(s) URL without spaces or control characters."""

Secret = Annotated[
    SecretStr,
    NO_CONTROL_CHARACTERS,
    AfterValidator(_secret),
    WithJsonSchema(
        {"type": "string", "format": "password", "writeOnly": True, "maxLength": MAX_SECRET_BYTES}
    ),
]
"""A write-only credential: at most 4 KiB, no control characters."""

BearerToken = Annotated[
    SecretStr,
    NO_CONTROL_CHARACTERS,
    AfterValidator(_secret),
    AfterValidator(_header_safe),
    WithJsonSchema(
        {"type": "string", "format": "password", "writeOnly": True, "maxLength": MAX_SECRET_BYTES}
    ),
]
"""A credential sent as it is in the `Authorization` header."""

Estimate = Annotated[float, Field(ge=0, le=MAX_ESTIMATE, allow_inf_nan=False)]
