"""The `roadmap` block of the integration configuration (DESIGN.md): where the changes the integration makes
to roadmap records go. `none` (the default: clients read the change feed), `aha` (an Aha! account through
its REST API) or `webhook` (signed JSON events to any other roadmap application).

Secrets (`api_key`, `secret`) are write-only, as the Jira credentials are: moved to Secrets Manager by the
configure use case, never part of an answer or a stored item.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, SecretStr, StringConstraints, Tag

from aha_jira.models.limits import MAX_ID_LENGTH, NO_CONTROL_CHARACTERS, BearerToken, Secret, Url

RoadmapType = Literal["none", "aha", "webhook"]

AhaIntegrationRef = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=rf"^[A-Za-z0-9_-]{{1,{MAX_ID_LENGTH}}}$"),
    NO_CONTROL_CHARACTERS,
]
"""The id of an Aha! integration (`6012345678`), or its service name (`jira`): a path segment of Aha!'s API."""


class _StrictBody(BaseModel):
    # No model-wide whitespace stripping: it would drop control characters instead of refusing them.
    model_config = ConfigDict(extra="forbid", strict=True, defer_build=True)


class NoRoadmap(_StrictBody):
    """Changes stay in this API (`GET /integrations/{id}/events`); nothing is sent anywhere."""

    type: Literal["none"]

    @property
    def secret(self) -> SecretStr | None:
        return None


class AhaRoadmap(_StrictBody):
    type: Literal["aha"]
    base_url: Url
    # Write-only; left out on a replace, the stored key is kept while base_url stays the same.
    api_key: BearerToken | None = None
    integration_ref: AhaIntegrationRef | None = None
    auto_update: bool = False

    @property
    def secret(self) -> SecretStr | None:
        return self.api_key


class WebhookRoadmap(_StrictBody):
    type: Literal["webhook"]
    url: Url
    # The HMAC key of X-Aha-Jira-Signature; write-only, kept on a replace that leaves it out.
    secret: Secret | None = None


# Tags are namespaced: pydantic puts a union member's tag in an error's location, and the error answer
# drops it from the key path; a bare "webhook" would be taken for the configuration's own `webhook` key.
ROADMAP_TAGS = {"none": "roadmap:none", "aha": "roadmap:aha", "webhook": "roadmap:webhook"}


def _roadmap_tag(raw: Any) -> str | None:
    kind = raw.get("type") if isinstance(raw, dict) else getattr(raw, "type", None)
    return ROADMAP_TAGS.get(kind) if isinstance(kind, str) else None


RoadmapSettings = Annotated[
    Annotated[NoRoadmap, Tag("roadmap:none")]
    | Annotated[AhaRoadmap, Tag("roadmap:aha")]
    | Annotated[WebhookRoadmap, Tag("roadmap:webhook")],
    Discriminator(
        _roadmap_tag,
        custom_error_type="roadmap_type",
        custom_error_message="must be an object whose type is 'none', 'aha' or 'webhook'",
    ),
]


class StoredRoadmap(BaseModel):
    """What is kept of `roadmap` in the integration's item: everything but the secret, which is in Secrets
    Manager under `credentials_secret` (`{"kind": "api_key"|"webhook_secret", "secret"}`)."""

    type: RoadmapType = "none"
    base_url: str | None = None  # aha, normalised
    integration_ref: str | None = None  # aha
    auto_update: bool = False  # aha
    url: str | None = None  # webhook
    credentials_secret: str | None = None


class NoRoadmapView(BaseModel):
    type: Literal["none"] = "none"


class AhaRoadmapView(BaseModel):
    type: Literal["aha"] = "aha"
    base_url: str
    integration_ref: str | None
    auto_update: bool
    api_key_stored: bool
    # Where Aha!'s webhooks (integration events, activity webhooks) reach this integration.
    webhook_url: str


class WebhookRoadmapView(BaseModel):
    type: Literal["webhook"] = "webhook"
    url: str
    secret_stored: bool


RoadmapView = NoRoadmapView | AhaRoadmapView | WebhookRoadmapView
