"""The `roadmap` block of `PUT /integrations/{id}`: checked, turned into what is stored, and the secret to
write or delete once the configuration is saved (DESIGN.md "Integration configuration").

- `aha`: `base_url` https (http on loopback when `ALLOW_HTTP_LOOPBACK`), normalised, a trailing `/api/v1`
  dropped (the client adds it); `api_key` write-only. A replace that leaves the key out keeps the stored
  one only while the integration stays an Aha! one *on the same base_url*: the key is a bearer credential,
  never sent to an address it was not given for.
- `webhook`: `url` https (loopback locally), path and query kept; `secret` write-only, kept on a replace
  that leaves it out while the integration stays a webhook one (it signs, so a new URL learns nothing of it).
- `none`: a stored secret is deleted.

An Aha! integration gets its webhook token (the secret part of `roadmap.webhook_url`) the first time it
becomes one, and keeps it for its life.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aha_jira.errors import InvalidRequest
from aha_jira.integration_log import register_secret
from aha_jira.integrations.secret_names import roadmap_credentials_secret
from aha_jira.models.integration import StoredIntegration, normalise_base_url
from aha_jira.models.roadmap import AhaRoadmap, RoadmapSettings, StoredRoadmap, WebhookRoadmap
from aha_jira.ports import SecretStore

# What `secrets.token_urlsafe(24)` makes: 192 random bits in 32 URL-safe characters.
ROADMAP_TOKEN_BYTES = 24
_API_SUFFIX = "/api/v1"


@dataclass(frozen=True)
class RoadmapPlan:
    stored: StoredRoadmap
    token: str | None
    # Written once the configuration is saved (a refused PUT writes no secret) ...
    secret_value: dict[str, str] | None
    # ... or this stored secret deleted (the roadmap no longer needs one).
    secret_to_delete: str | None
    # Nothing the last test connection checked of the roadmap has changed.
    unchanged: bool

    def write_secret(self, secret_store: SecretStore) -> None:
        """Once the configuration is saved: store the new secret, or delete the one no longer needed."""
        if self.secret_value is not None and self.stored.credentials_secret is not None:
            secret_store.put(self.stored.credentials_secret, self.secret_value)
        elif self.secret_to_delete is not None:
            secret_store.delete(self.secret_to_delete)
        if self.token is not None:
            register_secret(self.token)  # the secret part of roadmap.webhook_url: never in a log line


def _invalid(path: str, message: str, hint: str) -> InvalidRequest:
    return InvalidRequest(
        f"{path}: {message}", hint=hint, code="invalid_body", details=[{"path": path, "message": message}]
    )


def plan_roadmap(
    integration_id: str,
    settings: RoadmapSettings,
    existing: StoredIntegration | None,
    *,
    allow_http_loopback: bool,
) -> RoadmapPlan:
    previous = existing.roadmap if existing is not None else StoredRoadmap()
    token = existing.roadmap_token if existing is not None else None
    secret_name = roadmap_credentials_secret(integration_id)
    value: dict[str, str] | None = None
    if isinstance(settings, AhaRoadmap):
        base_url = _aha_base_url(settings.base_url, allow_http_loopback)
        given = settings.api_key.get_secret_value() if settings.api_key is not None else None
        keeps = previous.type == "aha" and previous.base_url == base_url and previous.credentials_secret
        value = _secret_value(
            given,
            "api_key",
            keeps=bool(keeps),
            path="roadmap.api_key",
            hint="Give the Aha! API key when the integration first uses Aha! or when roadmap.base_url changes "
            "(a stored key is only ever sent to the account it was given for).",
        )
        stored = StoredRoadmap(
            type="aha",
            base_url=base_url,
            integration_ref=settings.integration_ref,
            auto_update=settings.auto_update,
            credentials_secret=secret_name,
        )
        token = token or secrets.token_urlsafe(ROADMAP_TOKEN_BYTES)
    elif isinstance(settings, WebhookRoadmap):
        url = _checked(
            settings.url,
            "roadmap.url",
            allow_http_loopback,
            example="https://roadmap.example.com/hooks/aha-jira",
            credentials_in="roadmap.secret",
            endpoint=True,
        )
        given = settings.secret.get_secret_value() if settings.secret is not None else None
        keeps = previous.type == "webhook" and previous.credentials_secret
        value = _secret_value(
            given,
            "webhook_secret",
            keeps=bool(keeps),
            path="roadmap.secret",
            hint="Give the signing secret when the integration first uses a roadmap webhook.",
        )
        stored = StoredRoadmap(type="webhook", url=url, credentials_secret=secret_name)
    else:
        stored = StoredRoadmap()
    unchanged = value is None and _checked_parts(stored) == _checked_parts(previous)
    return RoadmapPlan(
        stored=stored,
        token=token,
        secret_value=value,
        secret_to_delete=previous.credentials_secret if stored.credentials_secret is None else None,
        unchanged=unchanged,
    )


def _checked_parts(roadmap: StoredRoadmap) -> StoredRoadmap:
    # auto_update changes what happens on an Aha! edit, not anything test connection checked.
    return roadmap.model_copy(update={"auto_update": False})


def _secret_value(
    given: str | None, kind: str, *, keeps: bool, path: str, hint: str
) -> dict[str, str] | None:
    if given is not None and not given:
        raise _invalid(path, "must not be empty", f"Leave {path} out to keep the stored one. {hint}")
    if given:
        return {"kind": kind, "secret": given}
    if not keeps:
        raise _invalid(path, "Field required", hint)
    return None


def _aha_base_url(raw: str, allow_http_loopback: bool) -> str:
    url = _checked(
        raw,
        "roadmap.base_url",
        allow_http_loopback,
        example="https://acme.aha.io",
        credentials_in="roadmap.api_key",
    )
    # The address people copy from Aha!'s API documentation; the client adds /api/v1 itself.
    return url[: -len(_API_SUFFIX)] if url.lower().endswith(_API_SUFFIX) else url


def _checked(
    raw: str,
    path: str,
    allow_http_loopback: bool,
    *,
    example: str,
    credentials_in: str,
    endpoint: bool = False,
) -> str:
    key = path.rsplit(".", 1)[-1]
    try:
        return normalise_base_url(
            raw,
            allow_http_loopback=allow_http_loopback,
            key=key,
            example=example,
            credentials_in=credentials_in,
            endpoint=endpoint,
        )
    except ValueError as error:
        raise _invalid(path, str(error), f"Use an address such as {example}.") from None
