"""The integration configuration: the body of `PUT /integrations/{id}` and its answer.

Secrets (API tokens, passwords, bearer tokens, webhook secrets) are `SecretStr`: they are write-only,
moved to Secrets Manager by the configure use case and never part of an answer or a stored item. The
limits of every value are those of `models.limits`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    SecretStr,
    Tag,
    field_validator,
    model_validator,
)

from aha_jira.models.limits import (
    MAX_FIELD_MAPPINGS,
    MAX_FIELD_VALUE_BYTES,
    MAX_HOST_LABEL_LENGTH,
    MAX_HOST_LENGTH,
    MAX_ISSUE_TYPES,
    MAX_JIRA_REQUESTS_PER_SECOND,
    MAX_MAPPING_BYTES,
    MAX_STATUSES,
    BearerToken,
    Email,
    Name,
    Secret,
    Url,
)
from aha_jira.models.references import ProductPrefix, Reference
from aha_jira.models.roadmap import NoRoadmap, RoadmapSettings, RoadmapView, StoredRoadmap
from aha_jira.models.webhook_health import WebhookHealth
from aha_jira.redaction import register_secret

# A DNS label: letters, digits, '-' and '_' (seen in private zones), not starting or ending with '-'.
_HOST_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?")


class StrictModel(BaseModel):
    """Request bodies: unknown keys are refused so a typo never silently does nothing."""

    # defer_build: validators are built on first use, not at import (cold start: only the configuration
    # routes validate these bodies). No model-wide `str_strip_whitespace`: Python's strip() also removes
    # some control characters, which must be refused, not dropped; each string type strips spaces itself
    # after refusing control characters (models/limits.py).
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class BasicAuth(StrictModel):
    """HTTP basic: e-mail + API token on Cloud, username + password on Data Center."""

    type: Literal["basic"]
    email: Email | None = None
    username: Name | None = None
    api_token: Secret | None = None
    password: Secret | None = None

    @model_validator(mode="after")
    def _one_identity_one_secret(self) -> BasicAuth:
        if (self.email is None) == (self.username is None):
            raise ValueError("give exactly one of 'email' (Jira Cloud) or 'username' (Jira Data Center)")
        if self.api_token is not None and self.password is not None:
            raise ValueError("give either 'api_token' or 'password', not both")
        return self

    @property
    def identity(self) -> str:
        return self.email or self.username or ""

    @property
    def secret(self) -> SecretStr | None:
        return self.api_token or self.password


class BearerAuth(StrictModel):
    """Jira Data Center personal access token."""

    type: Literal["bearer"]
    token: BearerToken | None = None

    @property
    def secret(self) -> SecretStr | None:
        return self.token


class ConnectAuth(StrictModel):
    """Jira via an installed Atlassian Connect app; the shared secret comes from the install callback."""

    type: Literal["connect"]
    client_key: Name

    @property
    def secret(self) -> SecretStr | None:
        return None


JiraAuth = Annotated[
    Annotated[BasicAuth, Tag("basic")]
    | Annotated[BearerAuth, Tag("bearer")]
    | Annotated[ConnectAuth, Tag("connect")],
    Discriminator("type"),
]


class RateLimitSettings(StrictModel):
    """`jira.rate_limit`: the most requests a second this service sends the Jira site. It belongs to the
    site, like the webhook secret: where integrations of one site ask for different caps, the lowest wins."""

    requests_per_second: float = Field(gt=0, le=MAX_JIRA_REQUESTS_PER_SECOND, allow_inf_nan=False)


class JiraSite(StrictModel):
    base_url: Url
    auth: JiraAuth
    project: Name
    rate_limit: RateLimitSettings | None = None


class ConstantField(StrictModel):
    value: Any

    @field_validator("value")
    @classmethod
    def _small_enough(cls, value: Any) -> Any:
        if len(json.dumps(value, ensure_ascii=False).encode("utf-8")) > MAX_FIELD_VALUE_BYTES:
            raise ValueError(f"must be at most {MAX_FIELD_VALUE_BYTES // 1024} KiB as JSON")
        return value


class AttributeField(StrictModel):
    from_: Name = Field(alias="from")


def _field_mapping_kind(raw: Any) -> str | None:
    if isinstance(raw, dict):
        if "from" in raw:
            return "from"
        if "value" in raw:
            return "value"
    if isinstance(raw, ConstantField):
        return "value"
    if isinstance(raw, AttributeField):
        return "from"
    return None


FieldMapping = Annotated[
    Annotated[ConstantField, Tag("value")] | Annotated[AttributeField, Tag("from")],
    Discriminator(
        _field_mapping_kind,
        custom_error_type="field_mapping",
        custom_error_message="a field mapping is {'value': <constant>} or {'from': '<feature attribute>'}",
    ),
]


class EpicMapping(StrictModel):
    """`mapping.epics`: a feature's Aha! epic (`source: "epic"`) or initiative (`"initiative"`) is sent as a
    Jira epic of `issue_type`, and the feature's issue becomes its child."""

    issue_type: Name = "Epic"
    source: Literal["epic", "initiative"] = "epic"


# What Jira edits go back to the roadmap (`mapping.two_way`, DESIGN.md "Two-way content").
TwoWayField = Literal["name", "description"]


class Mapping(StrictModel):
    feature_issue_type: Name
    requirement_issue_type: Name
    link_type: Name = "Relates"
    statuses: dict[Name, Name] = Field(default_factory=dict, max_length=MAX_STATUSES)
    fields: dict[Name, FieldMapping] = Field(default_factory=dict, max_length=MAX_FIELD_MAPPINGS)
    send_tags: bool = True
    send_release: bool = True
    # Values for fields a workflow transition's screen requires (a status change moving the issue), by id.
    transition_fields: dict[Name, ConstantField] = Field(default_factory=dict, max_length=MAX_FIELD_MAPPINGS)
    epics: EpicMapping | None = None
    # Attachments (the record's and its description's) are uploaded to the issue.
    send_attachments: bool = True
    # Jira edits that rename or re-describe the roadmap record: "name" (the summary), "description".
    two_way: list[TwoWayField] = Field(default_factory=list, max_length=2)

    @field_validator("two_way")
    @classmethod
    def _two_way_once_each(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("lists a field twice")
        return value

    @field_validator("statuses")
    @classmethod
    def _statuses_unique_case_insensitively(cls, value: dict[str, str]) -> dict[str, str]:
        lowered = [name.casefold() for name in value]
        if len(set(lowered)) != len(lowered):
            raise ValueError("Jira status names are matched case-insensitively; a name appears twice")
        return value

    @model_validator(mode="after")
    def _fits_in_one_item(self) -> Mapping:
        # Each part has its own limit; together they must still fit the integration's DynamoDB item.
        if len(self.model_dump_json(by_alias=True).encode("utf-8")) > MAX_MAPPING_BYTES:
            raise ValueError(f"must be at most {MAX_MAPPING_BYTES // 1024} KiB as JSON")
        return self


class ImportSettings(StrictModel):
    enabled: bool = False
    issue_types: list[Name] = Field(default_factory=list, max_length=MAX_ISSUE_TYPES)
    # The Aha! release that takes features imported from Jira (roadmap.type "aha"): they are created there.
    release: Reference | None = None


class WebhookSettings(StrictModel):
    # None (or absent) keeps the site's current secret; "" removes it.
    secret: Secret | None = None


class IntegrationConfigBody(StrictModel):
    """Body of `PUT /integrations/{integration_id}`."""

    name: Name
    product: ProductPrefix
    enabled: bool = True
    jira: JiraSite
    mapping: Mapping
    import_: ImportSettings = Field(default_factory=ImportSettings, alias="import")
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    roadmap: RoadmapSettings = Field(default_factory=lambda: NoRoadmap(type="none"))

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    @model_validator(mode="after")
    def _register_secrets_for_redaction(self) -> IntegrationConfigBody:
        # From the moment a request carries a secret, no log line may show it.
        for secret in (self.jira.auth.secret, self.webhook.secret, self.roadmap.secret):
            if secret is not None:
                register_secret(secret.get_secret_value())
        return self


def normalise_base_url(
    raw: str,
    *,
    allow_http_loopback: bool,
    key: str = "base_url",
    example: str = "https://acme.atlassian.net",
    credentials_in: str = "jira.auth",
    endpoint: bool = False,
) -> str:
    """The canonical form of a site URL: scheme and host lower-cased, no trailing slash.

    A Data Center context path (`https://jira.example.com/jira`) is kept. An `endpoint` (a webhook
    receiver) keeps its path as it is and may have a query string. Raises ValueError with a sentence the
    user can act on, naming `key`.
    """
    parts = urlsplit(raw.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if not host:
        raise ValueError(f"{key} must be an absolute URL such as {example}")
    _check_host(host, key)
    if parts.username or parts.password:
        raise ValueError(f"{key} must not carry credentials; put them in {credentials_in}")
    if parts.fragment or (parts.query and not endpoint):
        raise ValueError(f"{key} must not have a {'fragment' if endpoint else 'query string or fragment'}")
    if scheme != "https" and not (scheme == "http" and allow_http_loopback and _is_loopback(host)):
        raise ValueError(f"{key} must use https")
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if ":" in host:  # IPv6 literal
        netloc = f"[{host}]" if parts.port is None else f"[{host}]:{parts.port}"
    if endpoint:
        return f"{scheme}://{netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}"


def _check_host(host: str, key: str = "base_url") -> None:
    """A name DNS can resolve (or an IP address): what no resolver takes is refused here, not at the
    first call to Jira."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return
    try:
        ascii_host = host.encode("idna").decode("ascii")  # an internationalised name as DNS sees it
    except UnicodeError:  # a label over 63 characters, an empty label
        ascii_host = ""
    labels = ascii_host.removesuffix(".").split(".")
    if not (
        0 < len(ascii_host) <= MAX_HOST_LENGTH
        and all(len(label) <= MAX_HOST_LABEL_LENGTH and _HOST_LABEL.fullmatch(label) for label in labels)
    ):
        raise ValueError(
            f"{key}'s host is not a DNS name (at most {MAX_HOST_LENGTH} characters; labels of at most "
            f"{MAX_HOST_LABEL_LENGTH} letters, digits or '-', joined by '.')"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


CredentialKind = Literal["api_token", "password", "token"]


class StoredAuth(BaseModel):
    """What is kept of `jira.auth` outside Secrets Manager: the kind and the identity, no secret."""

    type: Literal["basic", "bearer", "connect"]
    email: str | None = None
    username: str | None = None
    client_key: str | None = None
    credential: CredentialKind | None = None


class StoredJiraSite(BaseModel):
    base_url: str
    auth: StoredAuth
    project: str
    rate_limit: RateLimitSettings | None = None


class StoredIntegration(BaseModel):
    """An integration as stored in the integrations table (serialised as one JSON document)."""

    integration_id: str
    name: str
    product: str
    enabled: bool
    jira: StoredJiraSite
    mapping: Mapping
    import_settings: ImportSettings
    credentials_secret: str | None
    created_at: str
    updated_at: str
    version: int
    last_test: dict[str, Any] | None = None
    roadmap: StoredRoadmap = Field(default_factory=StoredRoadmap)
    # The secret part of `roadmap.webhook_url` (/webhooks/aha/<token>): made when the integration first
    # becomes an Aha! one, kept for the integration's life (a `ROADMAP_TOKEN#` item points at it).
    roadmap_token: str | None = None


class AuthView(BaseModel):
    type: str
    email: str | None = None
    username: str | None = None
    client_key: str | None = None
    credentials_stored: bool


class JiraSiteView(BaseModel):
    base_url: str
    auth: AuthView
    project: str
    rate_limit: RateLimitSettings | None = None


class WebhookView(BaseModel):
    secret_set: bool
    # Always in the API's answers; None only where a caller did not read it (tools).
    health: WebhookHealth | None = None


class IntegrationView(BaseModel):
    """Answer of `GET /integrations/{id}`: the configuration without any secret."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    id: str
    name: str
    product: str
    enabled: bool
    jira: JiraSiteView
    mapping: dict[str, Any]
    import_: ImportSettings = Field(alias="import")
    webhook: WebhookView
    webhook_url: str
    roadmap: RoadmapView
    last_test: dict[str, Any] | None
    created_at: str
    updated_at: str
    version: int


class IntegrationList(BaseModel):
    integrations: list[IntegrationView]
    next: str | None
