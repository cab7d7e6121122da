"""Runtime settings, read from the environment the template (or the local stack) sets.

Read lazily and cached per container: tests and the local stack set the environment before the
first request, and a Lambda container's environment never changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from aha_jira.errors import AhaJiraError


@dataclass(frozen=True)
class Settings:
    integrations_table: str
    features_table: str
    issue_links_table: str
    webhook_deliveries_table: str
    retry_queue_url: str
    secrets_prefix: str
    allow_http_loopback: bool
    rate_budget_table: str = "RateBudgetTable"
    roadmap_events_table: str = "RoadmapEventsTable"
    roadmap_delivery_queue_url: str = ""


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes"}


@cache
def get_settings() -> Settings:
    env = os.environ
    return Settings(
        integrations_table=env.get("INTEGRATIONS_TABLE", "IntegrationsTable"),
        features_table=env.get("FEATURES_TABLE", "FeaturesTable"),
        issue_links_table=env.get("ISSUE_LINKS_TABLE", "IssueLinksTable"),
        webhook_deliveries_table=env.get("WEBHOOK_DELIVERIES_TABLE", "WebhookDeliveriesTable"),
        retry_queue_url=env.get("RETRY_QUEUE_URL", ""),
        secrets_prefix=env.get("SECRETS_PREFIX", "aha-jira/local").rstrip("/"),
        allow_http_loopback=_flag("ALLOW_HTTP_LOOPBACK"),
        rate_budget_table=env.get("RATE_BUDGET_TABLE", "RateBudgetTable"),
        roadmap_events_table=env.get("ROADMAP_EVENTS_TABLE", "RoadmapEventsTable"),
        roadmap_delivery_queue_url=env.get("ROADMAP_DELIVERY_QUEUE_URL", ""),
    )


class ConfigurationError(AhaJiraError):
    """The deployment is missing a setting it needs: our failure, never the caller's."""

    status = 500
    code = "configuration_error"


# Who we are (DESIGN.md "Who we are"): the base URL Jira and API clients reach this API at. The template sets
# it on the API stage as this stage variable (API Gateway puts it in every event; no caller can set it);
# PUBLIC_BASE_URL in a function's environment wins over it (the local stack, a tunnel, an operator).
PUBLIC_BASE_URL_STAGE_VARIABLE = "publicBaseUrl"


def configured_public_base_url() -> str | None:
    """`PUBLIC_BASE_URL` from the environment, normalised; None when unset. Read on every use, like the
    timeouts: the local stack learns its port only once its gateway listens, and tests run several."""
    value = (os.environ.get("PUBLIC_BASE_URL") or "").strip()
    return checked_public_base_url(value, "PUBLIC_BASE_URL") if value else None


def checked_public_base_url(value: str, source: str) -> str:
    """`value` without a trailing slash, or ConfigurationError when it is not an absolute http(s) URL with a
    host and no query, fragment or user info."""
    try:
        parts = urlsplit(value.strip())
    except ValueError:  # an unbalanced IPv6 bracket
        parts = urlsplit("")
    if (
        parts.scheme not in {"http", "https"}
        or not parts.hostname
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
        or any(ord(char) < 0x21 or ord(char) == 0x7F for char in value.strip())
    ):
        raise ConfigurationError(
            f"{source} is not an absolute http(s) URL.",
            hint="Set the PublicBaseUrl parameter of the stack (or PUBLIC_BASE_URL) to the API's base URL.",
        )
    return value.strip().rstrip("/")


def jira_timeouts() -> tuple[float, float]:
    """(connect, read) timeouts for calls to Jira, in seconds. Read on every use (not cached) so an
    operator can lower them per function and tests can stage a slow Jira."""
    connect = float(os.environ.get("JIRA_CONNECT_TIMEOUT_SECONDS") or 3.05)
    read = float(os.environ.get("JIRA_READ_TIMEOUT_SECONDS") or 15.0)
    return connect, read


@dataclass(frozen=True)
class RetryTiming:
    # Seconds Jira's search may lag behind a create; reconciling sooner could miss an issue.
    search_consistency_seconds: float
    # First retry delay; later ones double (with jitter), never below Jira's Retry-After.
    retry_base_seconds: float
    # How long a send holds a record's reservation; past it another send may take it over (and reconcile).
    lease_seconds: float


def retry_timing() -> RetryTiming:
    """Read on every use, like `jira_timeouts`: operators tune them per function, tests shorten them."""
    return RetryTiming(
        search_consistency_seconds=float(os.environ.get("SEARCH_CONSISTENCY_SECONDS") or 15.0),
        retry_base_seconds=float(os.environ.get("RETRY_BASE_DELAY_SECONDS") or 5.0),
        lease_seconds=float(os.environ.get("RESERVATION_LEASE_SECONDS") or 90.0),
    )


def integration_log_source() -> str:
    """Where `GET /integrations/{id}/log` reads (`wiring.integration_log_reader`): `cloudwatch`, or a reader a
    development package registers (the local stack's `file`). Read on every use: tests switch it."""
    return (os.environ.get("INTEGRATION_LOG_SOURCE") or "cloudwatch").strip().lower()


DEFAULT_CONNECT_APP_KEY = "aha-jira-connect"
DEFAULT_CONNECT_INSTALL_KEYS_URL = "https://connect-install-keys.atlassian.com"


def connect_app_key() -> str:
    """Our Connect app's key (the descriptor's `key`, the `iss` of every JWT we sign). Read on every use,
    like the timeouts: tests and the local stack point it elsewhere."""
    return (os.environ.get("CONNECT_APP_KEY") or "").strip() or DEFAULT_CONNECT_APP_KEY


def connect_install_keys_url() -> str:
    """Where the public keys that sign Connect lifecycle callbacks are fetched by `kid`."""
    configured = (os.environ.get("CONNECT_INSTALL_KEYS_URL") or "").strip()
    return (configured or DEFAULT_CONNECT_INSTALL_KEYS_URL).rstrip("/")


def roadmap_timeouts() -> tuple[float, float]:
    """(connect, read) timeouts for calls to the roadmap (Aha!'s API, a roadmap webhook), in seconds. Read
    on every use, like `jira_timeouts`."""
    connect = float(os.environ.get("ROADMAP_CONNECT_TIMEOUT_SECONDS") or 3.05)
    read = float(os.environ.get("ROADMAP_READ_TIMEOUT_SECONDS") or 10.0)
    return connect, read


@dataclass(frozen=True)
class RoadmapDeliveryTiming:
    # First retry delay of a failed delivery; later ones double (with jitter), never below Retry-After.
    retry_base_seconds: float
    # How long one worker holds a record's delivery lease (longer than the worker's timeout).
    lease_seconds: float
    # A pending event older than this, with no retry scheduled, lost its trigger: the sweep enqueues it.
    sweep_after_seconds: float
    # A time tracking post whose answer was lost is judged (its record's work done read) only this long after
    # the answer was given up on: Aha!'s own request timeout bounds how late it may still apply it.
    time_settle_seconds: float


def roadmap_delivery_timing() -> RoadmapDeliveryTiming:
    """Read on every use, like `retry_timing`: tests and the local stack shorten them."""
    return RoadmapDeliveryTiming(
        retry_base_seconds=float(os.environ.get("ROADMAP_RETRY_BASE_SECONDS") or 5.0),
        lease_seconds=float(os.environ.get("ROADMAP_LEASE_SECONDS") or 120.0),
        sweep_after_seconds=float(os.environ.get("ROADMAP_SWEEP_AFTER_SECONDS") or 30.0),
        time_settle_seconds=float(os.environ.get("ROADMAP_TIME_SETTLE_SECONDS") or 60.0),
    )


@dataclass(frozen=True)
class WebhookHealthSettings:
    # Test connection warns `webhook_silent` when linked issues changed and no delivery came for this long.
    silent_minutes: float
    # Linked issues the reconcile looks at again per site and sweep (deletions the webhook never delivered).
    audit_issues: int


def webhook_health_settings() -> WebhookHealthSettings:
    """Read on every use, like the timeouts: operators tune them per function, tests change them."""
    return WebhookHealthSettings(
        silent_minutes=float(os.environ.get("WEBHOOK_SILENT_MINUTES") or 15.0),
        audit_issues=int(os.environ.get("RECONCILE_AUDIT_ISSUES") or 500),
    )


@dataclass(frozen=True)
class ReleaseSettings:
    """Release sends (DESIGN.md "Release sends and Jira's rate limits"): where their state and queue live,
    and how often a feature is tried again after a transient failure before it is reported failed."""

    table: str
    queue_url: str
    max_attempts: int


@cache
def release_settings() -> ReleaseSettings:
    env = os.environ
    return ReleaseSettings(
        table=env.get("RELEASE_SENDS_TABLE", "ReleaseSendsTable"),
        queue_url=env.get("RELEASE_QUEUE_URL", ""),
        max_attempts=int(env.get("RELEASE_MAX_ATTEMPTS") or 5),
    )


def release_lease_seconds() -> float | None:
    """How long a release worker holds a feature it sends (`RELEASE_LEASE_SECONDS`); None: until its
    function's deadline and a margin. Read on every use: tests and benchmarks shorten it so that a killed
    worker's feature is taken over within seconds."""
    value = (os.environ.get("RELEASE_LEASE_SECONDS") or "").strip()
    return float(value) if value else None
