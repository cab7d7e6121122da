"""The `installed` and `uninstalled` lifecycle callbacks (signed-install).

Jira signs them with RS256; the public key is fetched by the token's `kid`. Accepted only when the
signature holds, `aud` is our base URL, `iss` is the body's clientKey, `qsh` is this request's, the token
is current, and it was issued after the last lifecycle token accepted for that clientKey (a replayed
callback changes nothing). Nothing is parsed from the body, and nothing is
written, before the signature is verified.

`installed` stores clientKey → shared secret (Secrets Manager) and the site's base URL (DynamoDB); a
re-install rotates the secret. A site is held by one clientKey: an `installed` naming a site another
installed clientKey holds is 409 `connect_site_taken` (the token does not cover the body). `uninstalled`
deletes the secret and marks the installation uninstalled (the item stays: its replay marks keep an old
`installed` from bringing it back).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aha_jira.connect import jwt
from aha_jira.connect.errors import InstallKeysUnavailable, connect_unauthorized
from aha_jira.connect.install_keys import KeyUnavailable
from aha_jira.connect.request import ConnectRequest
from aha_jira.errors import AhaJiraError, InvalidRequest
from aha_jira.integration_log import Outcome, record_action, register_secret
from aha_jira.integrations.secret_names import connect_shared_secret_name
from aha_jira.models.connect import ConnectInstallation, SiteClaim, SiteTaken
from aha_jira.models.integration import normalise_base_url
from aha_jira.models.json_input import JsonRefused, parse_json
from aha_jira.ports import InstallKeySource, LifecycleInstallations, SecretStore
from aha_jira.settings import connect_app_key, get_settings

LifecycleEvent = Literal["installed", "uninstalled"]
_PRINTABLE = r"^[\x21-\x7e]+$"


class LifecyclePayload(BaseModel):
    """The body Jira posts (only what we use; Jira adds fields over time). Bounded: the clientKey and the
    site URL become storage keys, the shared secret a secret (DESIGN.md: secrets 4 KiB)."""

    model_config = ConfigDict(extra="ignore")

    key: str = Field(max_length=64)
    clientKey: str = Field(max_length=256, pattern=_PRINTABLE)  # noqa: N815 (Jira's name)
    baseUrl: str = Field(max_length=255)  # noqa: N815
    eventType: str = Field(max_length=64)  # noqa: N815
    sharedSecret: str | None = Field(default=None, max_length=4096, pattern=_PRINTABLE)  # noqa: N815


@dataclass(frozen=True)
class LifecycleServices:
    installations: LifecycleInstallations
    secret_store: SecretStore
    install_keys: InstallKeySource


def handle_lifecycle(
    event: LifecycleEvent, request: ConnectRequest, services: LifecycleServices
) -> dict[str, Any]:
    action = f"connect.{event}"
    try:
        return _handle(event, request, services, action)
    except AhaJiraError as error:
        record_action(
            action,
            Outcome.FAILED,
            integration_id=None,
            message=f"Connect {event} callback refused: {error.message}",
            error_code=error.code,
        )
        raise


def _handle(
    event: LifecycleEvent, request: ConnectRequest, services: LifecycleServices, action: str
) -> dict[str, Any]:
    parsed = _verified_token(request, services.install_keys)
    payload = _payload(request.body, event)
    site_url = _site_url(payload, parsed)
    existing = services.installations.get(payload.clientKey)
    iat = int(parsed.claims["iat"])
    # The token does not cover the body, so a token accepted once must never be good again (not even with
    # another body): Jira signs each callback afresh. Nor may an older callback undo a newer one.
    if existing is not None and (
        iat < existing.lifecycle_iat or iat <= existing.lifecycle_event_iats.get(event, 0)
    ):
        raise connect_unauthorized("the callback is a replay of an earlier one")
    event_iats = {**(existing.lifecycle_event_iats if existing else {}), event: iat}
    claim = _site_claim(services.installations, site_url, payload.clientKey) if event == "installed" else None

    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    version = (existing.version + 1) if existing else 1
    # The secret is written under a name of this callback's own, *before* the conditional save that points
    # the installation at it: a callback whose save loses a race (409) leaves only an orphan (deleted
    # below), never a secret that replaced the one the winner stored. (Not the version: two racing
    # callbacks read the same one.)
    secret_name = f"{connect_shared_secret_name(payload.clientKey)}/{uuid.uuid4().hex}"
    previous_secret = existing.shared_secret_name if existing else None
    if event == "installed":
        shared_secret = payload.sharedSecret or ""
        if len(shared_secret) < 16:
            raise InvalidRequest(
                "The installed callback carries no usable sharedSecret.", code="invalid_body"
            )
        register_secret(shared_secret)
        services.secret_store.put(secret_name, {"kind": "connect_shared_secret", "secret": shared_secret})
        state: Literal["installed", "uninstalled"] = "installed"
    else:
        if existing is None:
            record_action(
                action,
                Outcome.SKIPPED,
                integration_id=None,
                message="Connect app uninstalled from a site that was never installed here",
                client_key=payload.clientKey,
                jira_site=site_url,
            )
            return {"client_key": payload.clientKey, "state": "uninstalled"}
        secret_name = previous_secret or secret_name
        state = "uninstalled"

    installation = ConnectInstallation(
        client_key=payload.clientKey,
        base_url=site_url,
        state=state,
        shared_secret_name=secret_name,
        installed_at=existing.installed_at if existing and event == "uninstalled" else now,
        updated_at=now,
        roadmap_subdomain=existing.roadmap_subdomain if existing else None,
        lifecycle_iat=iat,
        lifecycle_event_iats=event_iats,
        version=version,
    )
    expected_version = existing.version if existing else None
    try:
        if event == "installed":
            services.installations.save_installed(
                installation, expected_version=expected_version, claim=claim
            )
        else:
            services.installations.save(installation, expected_version=expected_version)
    except AhaJiraError:
        if event == "installed":
            services.secret_store.delete(secret_name)  # ours alone: nothing points at it
        raise
    # Only once the installation no longer points at it: the secret it replaced (re-install), or its own
    # (uninstall). Best effort: a leftover secret is unreachable.
    if event == "uninstalled":
        services.secret_store.delete(secret_name)
    elif previous_secret and previous_secret != secret_name:
        services.secret_store.delete(previous_secret)
    rotated = event == "installed" and existing is not None and existing.installed
    record_action(
        action,
        Outcome.OK,
        integration_id=None,
        message=(
            f"Connect app {event} in {site_url}"
            + (" (re-install: the shared secret was rotated)" if rotated else "")
        ),
        client_key=payload.clientKey,
        jira_site=site_url,
    )
    return {"client_key": payload.clientKey, "state": state}


def _verified_token(request: ConnectRequest, install_keys: InstallKeySource) -> jwt.ParsedToken:
    token = request.jwt()
    if token is None:
        raise connect_unauthorized("the callback is not signed")
    try:
        parsed = jwt.parse(token)
    except jwt.InvalidToken as error:
        raise connect_unauthorized(str(error)) from None
    if parsed.header.get("alg") != "RS256":
        raise connect_unauthorized("lifecycle callbacks must be signed with RS256")
    kid = parsed.header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise connect_unauthorized("the token names no key (kid)")
    try:
        key = install_keys.get(kid)
    except KeyUnavailable as error:
        if error.transient:
            raise InstallKeysUnavailable(
                "The key that signed the callback could not be fetched.",
                hint="Atlassian's install-keys service did not answer; Jira retries the callback.",
            ) from None
        raise connect_unauthorized(str(error)) from None
    try:
        jwt.verify_rs256(parsed, key)
        jwt.check_lifetime(parsed.claims)
    except jwt.InvalidToken as error:
        raise connect_unauthorized(str(error)) from None
    audience = parsed.claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    ours = request.base_url.rstrip("/")
    if not any(isinstance(item, str) and item.rstrip("/") == ours for item in audiences):
        raise connect_unauthorized("the token's audience is not this app")
    if parsed.claims.get("qsh") != request.qsh:
        raise connect_unauthorized("the token's query string hash does not match the request")
    return parsed


def _site_url(payload: LifecyclePayload, parsed: jwt.ParsedToken) -> str:
    """The Jira site the callback is from, once the body agrees with the token and names our app."""
    if parsed.claims.get("iss") != payload.clientKey:
        raise connect_unauthorized("the token's issuer is not the body's clientKey")
    if payload.key != connect_app_key():
        raise InvalidRequest(
            "The callback is for another app.",
            hint="Install the descriptor served at /atlassian-connect.json.",
            code="wrong_app",
        )
    try:
        return normalise_base_url(payload.baseUrl, allow_http_loopback=get_settings().allow_http_loopback)
    except ValueError as error:
        raise InvalidRequest(f"baseUrl: {error}", code="invalid_body") from None


def _site_claim(installations: LifecycleInstallations, site_url: str, client_key: str) -> SiteClaim | None:
    """The site's claim as read, for the conditional write; SiteTaken (409) when another clientKey holds
    the site: its installation is installed there. The body is not covered by the token, and Connect webhooks
    of an installation reach its site's records, so a second clientKey naming a site must not get in. A
    claim whose holder was uninstalled, or moved to another site URL, is free to take."""
    claim = installations.site_claim(site_url)
    if claim is None or claim.client_key == client_key:
        return claim
    holder = installations.get(claim.client_key)
    if holder is not None and holder.installed and holder.base_url == site_url:
        raise SiteTaken(
            "This Jira site is installed under another clientKey.",
            hint="A Jira site is installed under one clientKey; uninstall the app from the site first.",
        )
    return claim


def _payload(body: bytes, event: LifecycleEvent) -> LifecyclePayload:
    try:
        payload = LifecyclePayload.model_validate(parse_json(body))
    except (JsonRefused, ValidationError):
        raise InvalidRequest(
            "The body is not a Connect lifecycle payload.",
            hint="Only Jira posts to this URL.",
            code="invalid_body",
        ) from None
    if payload.eventType != event:
        raise InvalidRequest(f"The body is not an {event} event.", code="invalid_body")
    return payload
