"""Verifying the HS256 JWTs a Jira site signs with its installation's shared secret (webhooks, the
configure page): `iss` names a known, installed clientKey; signature, lifetime and `qsh` must hold.

The installation item is read on every request (a re-install or uninstall takes effect at once); its
shared secret is cached per container under the installation's version, which every lifecycle callback
bumps, so a cached secret is never one the installation no longer has.
"""

from __future__ import annotations

import threading
from collections.abc import Collection

from aha_jira.connect import jwt
from aha_jira.connect.errors import connect_unauthorized
from aha_jira.connect.request import ConnectRequest
from aha_jira.errors import AhaJiraError
from aha_jira.models.connect import ConnectInstallation
from aha_jira.ports import InstallationStore, SecretStore


class SharedSecretUnavailable(AhaJiraError):
    status = 503
    code = "connect_secret_unavailable"


class SharedSecrets:
    """clientKey → shared secret, cached per (clientKey, installation version)."""

    def __init__(self, secret_store: SecretStore) -> None:
        self._secret_store = secret_store
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[int, str]] = {}

    def get(self, installation: ConnectInstallation) -> str | None:
        with self._lock:
            cached = self._cache.get(installation.client_key)
        if cached is not None and cached[0] == installation.version:
            return cached[1]
        stored = self._secret_store.get(installation.shared_secret_name)
        secret = (stored or {}).get("secret")
        if secret:
            with self._lock:
                self._cache[installation.client_key] = (installation.version, secret)
        return secret or None


def verify_site_jwt(
    request: ConnectRequest,
    installations: InstallationStore,
    secrets: SharedSecrets,
    *,
    accepted_qsh: Collection[str],
    token: str | None = None,
) -> ConnectInstallation:
    """The installation whose shared secret signed the request's JWT (or `token`, when the caller found it
    elsewhere, e.g. in a form); 401 for anything else."""
    token = token or request.jwt()
    if token is None:
        raise connect_unauthorized("no JWT")
    try:
        parsed = jwt.parse(token)
    except jwt.InvalidToken as error:
        raise connect_unauthorized(str(error)) from None
    client_key = parsed.claims.get("iss")
    if not isinstance(client_key, str) or not client_key or len(client_key) > 256:
        raise connect_unauthorized("the token has no issuer")
    installation = installations.get(client_key)
    if installation is None or not installation.installed:
        raise connect_unauthorized("the issuer is not an installed Jira site")
    secret = secrets.get(installation)
    if secret is None:
        raise SharedSecretUnavailable(
            "The Jira site's shared secret could not be read.",
            hint="Jira retries; if it persists, reinstall the app in Jira.",
        )
    try:
        jwt.verify_hs256(parsed, secret)
        jwt.check_lifetime(parsed.claims)
    except jwt.InvalidToken as error:
        raise connect_unauthorized(str(error)) from None
    if parsed.claims.get("qsh") not in accepted_qsh:
        raise connect_unauthorized("the token's query string hash does not match the request")
    return installation
