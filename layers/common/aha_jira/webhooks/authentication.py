"""Who is calling: the webhook URL's token names a Jira site; when the site has a webhook secret, the
delivery must carry its signature.

- An unknown token is a 404 (the same answer whatever the reason), and nothing is recorded. A token that
  cannot be one of ours (not 16 to 128 URL-safe characters: emoji, NUL, 10 KB) is refused before any read.
- With a secret set, a missing or wrong `X-Hub-Signature` is a 401.

Per container (Lambda keeps a warm container's memory), three things are cached, none of them in a way that
could let a request in that a fresh read would refuse:
- token → site URL, forever: a token is created with its site and never points anywhere else (the site's
  record is read on every delivery and must still carry the token);
- the site's integration ids, as a hint of which integrations to read in the same round trip as the site;
- the site's webhook secret, for `SECRET_CACHE_SECONDS`: a signature that matches the cached secret is
  accepted; any other is checked against a fresh read before it is refused. After a secret is replaced,
  the old one keeps working for at most that long in a warm container.
Whether the site has a secret at all is read fresh on every delivery, so setting one takes effect at once.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable

from aha_jira.errors import AhaJiraError, NotFound, Unauthorized
from aha_jira.integration_log import register_secret
from aha_jira.integrations.secret_names import site_webhook_secret
from aha_jira.ports import SecretStore, SiteDirectory
from aha_jira.webhooks.routing import SiteRouting, routing_for
from aha_jira.webhooks.signature import signature_matches

SECRET_CACHE_SECONDS = 60.0
# What `secrets.token_urlsafe` makes (configure.py: 24 bytes, 32 characters), with room for other lengths.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,128}")


class SignatureCheckFailed(AhaJiraError):
    """The site has a webhook secret but it could not be read: we failed, Jira should redeliver."""

    status = 503
    code = "webhook_secret_unavailable"


def unknown_token() -> NotFound:
    return NotFound(
        "No Jira site is registered for this webhook URL.",
        hint="Copy webhook_url from GET /integrations/{id} into the Jira webhook's URL.",
        code="unknown_webhook",
    )


def bad_signature() -> Unauthorized:
    return Unauthorized(
        "The delivery's X-Hub-Signature does not match the webhook secret.",
        hint="Set the same secret in the Jira webhook and in the integration's webhook.secret.",
        code="bad_signature",
    )


class WebhookAuthenticator:
    def __init__(
        self,
        directory: SiteDirectory,
        secret_store: SecretStore,
        *,
        secret_cache_seconds: float = SECRET_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._directory = directory
        self._secret_store = secret_store
        self._secret_cache_seconds = secret_cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._token_sites: dict[str, str] = {}
        self._site_integrations: dict[str, list[str]] = {}
        self._secrets: dict[str, tuple[str, float]] = {}

    def authenticate(self, token: str, body: bytes, signature: str | None) -> SiteRouting:
        """The site (and its integrations) a delivery is for; NotFound or Unauthorized otherwise."""
        if not _TOKEN_SHAPE.fullmatch(token):
            raise unknown_token()
        with self._lock:
            site_url = self._token_sites.get(token)
            hint = list(self._site_integrations.get(site_url or "", []))
        if site_url is None:
            site_url = self._directory.site_for_token(token)
            if site_url is None:
                raise unknown_token()
        site, integrations = self._directory.get_site_with_integrations(site_url, hint)
        if site is None or site.webhook_token != token:
            raise unknown_token()
        # A site's token is the secret part of its webhook URL: never in a log line. Registered only once
        # known, so that random tokens cannot grow the redaction list.
        register_secret(token)
        with self._lock:
            self._token_sites[token] = site_url
            self._site_integrations[site_url] = list(site.integration_ids)
        if site.webhook_secret_set:
            self._check_signature(site_url, body, signature)
        return routing_for(site, integrations)

    def _check_signature(self, site_url: str, body: bytes, signature: str | None) -> None:
        if not signature:
            raise bad_signature()
        with self._lock:
            cached = self._secrets.get(site_url)
        fresh = cached is not None and self._clock() - cached[1] < self._secret_cache_seconds
        if cached is not None and fresh and signature_matches(cached[0], body, signature):
            return
        stored = self._secret_store.get(site_webhook_secret(site_url))
        secret = (stored or {}).get("secret")
        if not secret:
            raise SignatureCheckFailed(
                "The Jira site has a webhook secret, but it could not be read.",
                hint="Set webhook.secret on one of the site's integrations again.",
            )
        with self._lock:
            self._secrets[site_url] = (secret, self._clock())
        if not signature_matches(secret, body, signature):
            raise bad_signature()
