"""Build the roadmap connector's client for an integration: the Aha! client with its API key, or the signed
webhook with its secret, both read from Secrets Manager."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from aha_jira.aha.errors import AhaAuthFailed, AhaRateLimited
from aha_jira.models.integration import StoredIntegration
from aha_jira.outbound.roadmap_webhook import WebhookDeliveryFailed
from aha_jira.ports import SecretStore
from aha_jira.settings import get_settings, roadmap_timeouts

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient
    from aha_jira.jira.rate_budget import SiteBudget, SiteBudgets
    from aha_jira.outbound.roadmap_webhook import RoadmapWebhook

# Aha! allows 300 requests a minute per account; every container shares one budget keyed by the account's
# address, held a little below the limit (its fixed window, and test connections or sends from Aha! on the
# same key, must never tip it over). `AHA_REQUESTS_PER_SECOND` changes it (an account with a higher limit).
AHA_REQUESTS_PER_SECOND = 4.5


def aha_requests_per_second() -> float:
    """Read on every use, like the timeouts."""
    return float(os.environ.get("AHA_REQUESTS_PER_SECOND") or AHA_REQUESTS_PER_SECOND)


# How long one Aha! request may wait for its slot in the budget before the caller gives up and backs off.
AHA_BUDGET_WAIT_SECONDS = 10.0


def aha_site_key(base_url: str) -> str:
    """The request budget's key of an Aha! account (`storage/rate_budget.py` keeps one item per key)."""
    return f"aha:{base_url}"


class AhaRequestBudget:
    """The Aha! transport's `RequestBudget` over the shared site budget (`jira/rate_budget.py`, generic over
    its site key): every request books a slot at `AHA_REQUESTS_PER_SECOND`; a 429 slows the account down."""

    def __init__(self, budget: SiteBudget, *, max_wait: float = AHA_BUDGET_WAIT_SECONDS) -> None:
        self._budget = budget
        self._max_wait = max_wait

    def admit(self, method: str) -> None:
        from aha_jira.jira.rate_budget import BudgetExhausted, RequestKind  # noqa: PLC0415

        try:
            wait = self._budget.admit(RequestKind(write=method != "GET"), can_wait=self._max_wait)
        except BudgetExhausted as held:
            raise AhaRateLimited(
                f"Aha!'s request budget admits no request for {held.wait:.0f} s ({held.reason}).",
                retry_after=held.wait,
                hint="The work is retried once the account's 300 requests a minute allow it.",
            ) from None
        if wait > 0:
            self._budget.sleep(wait)

    def observe(self, method: str, status: int, headers: Mapping[str, str]) -> None:
        if status != 429:
            return  # Aha!'s X-Ratelimit-* headers count a minute, not the burst the budget paces
        from aha_jira.jira.rate_budget import RequestKind  # noqa: PLC0415
        from aha_jira.jira.rate_limits import RateLimitHeaders, retry_after_seconds  # noqa: PLC0415

        limits = RateLimitHeaders(retry_after=retry_after_seconds(headers))
        self._budget.observe(RequestKind(write=method != "GET"), status, limits)


def _stored_secret(integration: StoredIntegration, secret_store: SecretStore, kind: str) -> str | None:
    name = integration.roadmap.credentials_secret
    stored = secret_store.get(name) if name else None
    if not stored or stored.get("kind") != kind or not stored.get("secret"):
        return None
    return stored["secret"]


def aha_client_for(
    integration: StoredIntegration,
    secret_store: SecretStore,
    *,
    budgets: SiteBudgets | None,
    read_retries: int = 2,
) -> AhaClient:
    """The Aha! client of an integration whose `roadmap.type` is `aha`; AhaAuthFailed without a usable key.
    `budgets` (the container's, `wiring.rate_budgets`; required, so that no caller forgets it): its requests
    share the account's 300 a minute with every other caller of the account (None: unmetered, in tests).
    `read_retries`: how often a read is repeated at once after a brief transient failure (a caller that
    answers an API request within its 29 s takes none)."""
    # Imported here: requests and the client load with the first Aha! call, not with the use case.
    from aha_jira.aha.client import AhaClient  # noqa: PLC0415
    from aha_jira.aha.transport import AhaTransport  # noqa: PLC0415

    roadmap = integration.roadmap
    if roadmap.type != "aha" or not roadmap.base_url:
        raise ValueError("the integration's roadmap is not Aha!")
    api_key = _stored_secret(integration, secret_store, "api_key")
    if api_key is None or not _header_safe(api_key):
        raise AhaAuthFailed(
            "No usable Aha! API key is stored for this integration.",
            hint="Send the integration again with roadmap.api_key.",
        )
    budget = None
    if budgets is not None:
        site = budgets.for_caller(
            aha_site_key(roadmap.base_url), integration.integration_id, cap=aha_requests_per_second()
        )
        budget = AhaRequestBudget(site)
    transport = AhaTransport(
        roadmap.base_url,
        api_key,
        allow_loopback=get_settings().allow_http_loopback,
        timeout=roadmap_timeouts(),
        budget=budget,
        sleep=time.sleep,
        max_read_retries=read_retries,
    )
    return AhaClient(transport)


def roadmap_webhook_for(integration: StoredIntegration, secret_store: SecretStore) -> RoadmapWebhook:
    """The signed webhook of an integration whose `roadmap.type` is `webhook`."""
    from aha_jira.outbound.roadmap_webhook import RoadmapWebhook  # noqa: PLC0415

    roadmap = integration.roadmap
    if roadmap.type != "webhook" or not roadmap.url:
        raise ValueError("the integration's roadmap is not a webhook")
    secret = _stored_secret(integration, secret_store, "webhook_secret")
    if secret is None:
        raise WebhookDeliveryFailed(
            "No signing secret is stored for this integration's roadmap webhook.",
            code="roadmap_auth_failed",
            hint="Send the integration again with roadmap.secret.",
            transient=False,
        )
    return RoadmapWebhook(
        roadmap.url, secret, allow_loopback=get_settings().allow_http_loopback, timeout=roadmap_timeouts()
    )


def _header_safe(value: str) -> bool:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True
