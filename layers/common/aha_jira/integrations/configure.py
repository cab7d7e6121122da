"""Create or replace an integration (`PUT /integrations/{integration_id}`).

Order matters for "bad input writes nothing": everything is validated first (the body's limits are
the model's, `models.limits`), then the integration and its site membership are written in one
DynamoDB transaction, and only then the secrets: a PUT refused at any step (a 409 included) leaves no
secret behind and changes none.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from aha_jira.errors import InvalidRequest, NotFound
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.health import webhook_health
from aha_jira.integrations.roadmap_settings import plan_roadmap
from aha_jira.integrations.secret_names import jira_credentials_secret, site_webhook_secret
from aha_jira.integrations.views import integration_view
from aha_jira.models.integration import (
    BasicAuth,
    BearerAuth,
    CredentialKind,
    IntegrationConfigBody,
    IntegrationView,
    StoredAuth,
    StoredIntegration,
    StoredJiraSite,
    normalise_base_url,
)
from aha_jira.models.limits import is_integration_id
from aha_jira.ports import IntegrationRepository, SecretStore, WebhookHealthReader
from aha_jira.settings import get_settings


@dataclass(frozen=True)
class ConfigureResult:
    view: IntegrationView
    created: bool


def check_integration_id(integration_id: str) -> None:
    # DESIGN.md: an id that cannot be one is 404, as for every other route; the message says why.
    if not is_integration_id(integration_id):
        raise NotFound(
            "integration_id: must be 1-64 letters, digits, '-' or '_', starting with a letter or digit",
            hint="Use a short stable name such as 'mobile-app'.",
            code="invalid_integration_id",
            details=[{"path": "integration_id", "message": "invalid integration id"}],
        )


def _invalid(path: str, message: str, hint: str) -> InvalidRequest:
    return InvalidRequest(
        f"{path}: {message}", hint=hint, code="invalid_body", details=[{"path": path, "message": message}]
    )


def configure_integration(
    integration_id: str,
    body: IntegrationConfigBody,
    *,
    repository: IntegrationRepository,
    secret_store: SecretStore,
    public_base_url: str,
    health: WebhookHealthReader | None = None,
) -> ConfigureResult:
    check_integration_id(integration_id)
    try:
        site_url = normalise_base_url(
            body.jira.base_url, allow_http_loopback=get_settings().allow_http_loopback
        )
    except ValueError as error:
        raise _invalid(
            "jira.base_url", str(error), "Use the address of the Jira site, e.g. https://acme.atlassian.net."
        ) from None

    existing = repository.get(integration_id)
    roadmap = plan_roadmap(
        integration_id, body.roadmap, existing, allow_http_loopback=get_settings().allow_http_loopback
    )
    auth = body.jira.auth
    stored_auth = StoredAuth(
        type=auth.type,
        email=getattr(auth, "email", None),
        username=getattr(auth, "username", None),
        client_key=getattr(auth, "client_key", None),
        credential=_credential_kind(auth) if isinstance(auth, BasicAuth | BearerAuth) else None,
    )

    # Credentials are write-only: a replace that leaves them out keeps the stored ones, as long as
    # the kind of credential is the same (a token is not a password).
    credentials: dict[str, str] | None = None
    credentials_secret: str | None = None
    if isinstance(auth, BasicAuth | BearerAuth):
        credentials_secret = jira_credentials_secret(integration_id)
        kind = _credential_kind(auth)
        secret = auth.secret
        if secret is not None and secret.get_secret_value():
            credentials = {"kind": kind, "secret": secret.get_secret_value()}
        elif not (
            existing is not None
            and existing.credentials_secret is not None
            and existing.jira.auth.type == auth.type
            and existing.jira.auth.credential == kind
        ):
            raise _invalid(
                f"jira.auth.{kind}",
                "Field required",
                "Give the credential when creating the integration or changing how it authenticates.",
            )

    webhook_secret = body.webhook.secret
    webhook_secret_set: bool | None = None
    if webhook_secret is not None:
        webhook_secret_set = bool(webhook_secret.get_secret_value())

    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    integration = StoredIntegration(
        integration_id=integration_id,
        name=body.name,
        product=body.product,
        enabled=body.enabled,
        jira=StoredJiraSite(
            base_url=site_url, auth=stored_auth, project=body.jira.project, rate_limit=body.jira.rate_limit
        ),
        mapping=body.mapping,
        import_settings=body.import_,
        credentials_secret=credentials_secret,
        created_at=existing.created_at if existing else now,
        updated_at=now,
        version=(existing.version + 1) if existing else 1,
        last_test=_kept_test_report(existing, site_url, stored_auth, body, credentials)
        if roadmap.unchanged
        else None,
        roadmap=roadmap.stored,
        roadmap_token=roadmap.token,
    )

    # Validation is over; from here on, writes: the configuration first (a 409 stops here, before any
    # secret is touched), then the secrets it names.
    repository.save(
        integration,
        expected_version=existing.version if existing else None,
        previous_site_url=existing.jira.base_url if existing else None,
        new_site_token=secrets.token_urlsafe(24),
        webhook_secret_set=webhook_secret_set,
    )
    if credentials is not None and credentials_secret is not None:
        secret_store.put(credentials_secret, credentials)
    if webhook_secret is not None:
        if webhook_secret_set:
            secret_store.put(site_webhook_secret(site_url), {"secret": webhook_secret.get_secret_value()})
        else:
            secret_store.delete(site_webhook_secret(site_url))
    if existing is not None and existing.credentials_secret and credentials_secret is None:
        secret_store.delete(existing.credentials_secret)
    roadmap.write_secret(secret_store)

    site = repository.get_site(site_url)
    if site is None:  # written in the same transaction a moment ago
        raise RuntimeError("the Jira site record is missing after saving the integration")
    record_action(
        "integration.configured",
        Outcome.SUCCEEDED,
        integration_id=integration_id,
        message=f"Integration {'created' if existing is None else 'updated'} for Jira site {site_url}",
        product=integration.product,
        jira_site=site_url,
        version=integration.version,
    )
    webhook = webhook_health([integration], health).get(integration_id) if health else None
    return ConfigureResult(
        view=integration_view(integration, site, public_base_url, webhook), created=existing is None
    )


def _credential_kind(auth: BasicAuth | BearerAuth) -> CredentialKind:
    if isinstance(auth, BearerAuth):
        return "token"
    if auth.password is not None:
        return "password"
    if auth.api_token is not None:
        return "api_token"
    # Nothing given (a replace keeping the stored one): Cloud identities use API tokens.
    return "password" if auth.username is not None else "api_token"


def _kept_test_report(
    existing: StoredIntegration | None,
    site_url: str,
    auth: StoredAuth,
    body: IntegrationConfigBody,
    credentials: dict[str, str] | None,
) -> dict[str, object] | None:
    """A test-connection report stays valid only while nothing it checked has changed."""
    if existing is None or credentials is not None:
        return None
    unchanged = (
        existing.jira.base_url == site_url
        and existing.jira.auth == auth
        and existing.jira.project == body.jira.project
        and existing.mapping == body.mapping
        and existing.import_settings == body.import_
    )
    return existing.last_test if unchanged else None
