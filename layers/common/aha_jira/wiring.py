"""The production adapters, each created once per container and only when first used.

Handlers take their adapters from here, so the composition lives in one place and a cold start pays
only for what its function uses: every adapter's module is imported inside the function that creates
it (the webhook function never imports the send engine or the Jira client, the API functions never
import the webhook code), and boto3 is imported with the first AWS client (`storage/aws_clients.py`).
`bench/cold_start.py` measures the result per function.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from aha_jira.settings import integration_log_source

# ruff: noqa: PLC0415 - the imports inside the functions below are the point of this module.

if TYPE_CHECKING:
    from aha_jira.connect.configure import ConfigureServices
    from aha_jira.connect.lifecycle import LifecycleServices
    from aha_jira.connect.verification import SharedSecrets
    from aha_jira.connect.webhook_auth import ConnectWebhookServices
    from aha_jira.jira.rate_budget import SiteBudgets
    from aha_jira.ports import IntegrationLogReader
    from aha_jira.reconcile.sweep import ReconcileServices
    from aha_jira.releases.services import ReleaseServices
    from aha_jira.roadmap.outcomes import DeliveryServices
    from aha_jira.roadmap_inbound.receive import AhaWebhookServices
    from aha_jira.storage.connect_installations import DynamoConnectInstallations
    from aha_jira.storage.features import DynamoFeatureRepository
    from aha_jira.storage.integrations import DynamoIntegrationRepository
    from aha_jira.storage.issue_links import DynamoIssueLinkRepository
    from aha_jira.storage.retry_queue import SqsRetryQueue
    from aha_jira.storage.roadmap_events import DynamoRoadmapEvents
    from aha_jira.storage.secrets import SecretsManagerStore
    from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries
    from aha_jira.storage.webhook_health import DynamoWebhookHealth
    from aha_jira.sync.comments import CommentServices
    from aha_jira.sync.send import SendServices
    from aha_jira.webhooks.import_writeback import WriteBackServices
    from aha_jira.webhooks.receive import WebhookServices


@cache
def integrations() -> DynamoIntegrationRepository:
    from aha_jira.storage.integrations import DynamoIntegrationRepository

    return DynamoIntegrationRepository()


@cache
def secrets() -> SecretsManagerStore:
    from aha_jira.storage.secrets import SecretsManagerStore

    return SecretsManagerStore()


@cache
def features() -> DynamoFeatureRepository:
    from aha_jira.storage.features import DynamoFeatureRepository

    return DynamoFeatureRepository()


@cache
def issue_links() -> DynamoIssueLinkRepository:
    from aha_jira.storage.issue_links import DynamoIssueLinkRepository

    return DynamoIssueLinkRepository()


@cache
def retry_queue() -> SqsRetryQueue:
    from aha_jira.storage.retry_queue import SqsRetryQueue

    return SqsRetryQueue()


@cache
def send_services() -> SendServices:
    from aha_jira.storage.lookup_cache import DynamoLookupCache
    from aha_jira.sync.send import SendServices

    return SendServices(
        integrations=integrations(),
        secret_store=secrets(),
        retry_queue=retry_queue(),
        lookup_cache=DynamoLookupCache(),
        features=features(),
        links=issue_links(),
        installations=connect_installations(),
        rate_budgets=rate_budgets(),
    )


@cache
def comment_services() -> CommentServices:
    """Roadmap comments carried to Jira (the send function's comment routes, the retry worker's jobs)."""
    from aha_jira.storage.comment_links import DynamoCommentLinks
    from aha_jira.sync.comments import CommentServices

    return CommentServices(send=send_services(), comments=DynamoCommentLinks())


@cache
def writeback_services() -> WriteBackServices:
    """An import's write-back (the retry worker): built with the first one, which imports its code."""
    from aha_jira.webhooks.import_writeback import WriteBackServices

    return WriteBackServices(
        integrations=integrations(),
        secret_store=secrets(),
        installations=connect_installations(),
        links=issue_links(),
        rate_budgets=rate_budgets(),
    )


@cache
def webhook_deliveries() -> DynamoWebhookDeliveries:
    from aha_jira.storage.webhook_deliveries import DynamoWebhookDeliveries

    return DynamoWebhookDeliveries()


@cache
def webhook_services() -> WebhookServices:
    from aha_jira.webhooks.authentication import WebhookAuthenticator
    from aha_jira.webhooks.receive import WebhookServices

    return WebhookServices(
        authenticator=WebhookAuthenticator(integrations(), secrets()),
        links=issue_links(),
        deliveries=webhook_deliveries(),
        features=features(),
        writebacks=retry_queue(),
        health=webhook_health(),
    )


# Jira via Connect ---------------------------------------------------------------------------------------
# Imported inside the functions: only the Jira webhook function serves Connect routes (the Jira client of a
# Connect integration reads its installation too).


@cache
def connect_installations() -> DynamoConnectInstallations:
    from aha_jira.storage.connect_installations import DynamoConnectInstallations

    return DynamoConnectInstallations()


@cache
def connect_shared_secrets() -> SharedSecrets:
    from aha_jira.connect.verification import SharedSecrets

    return SharedSecrets(secrets())


@cache
def connect_lifecycle_services() -> LifecycleServices:
    from aha_jira.connect.install_keys import InstallKeys
    from aha_jira.connect.lifecycle import LifecycleServices

    return LifecycleServices(
        installations=connect_installations(), secret_store=secrets(), install_keys=InstallKeys()
    )


@cache
def connect_configure_services() -> ConfigureServices:
    from aha_jira.connect.configure import ConfigureServices

    return ConfigureServices(installations=connect_installations(), shared_secrets=connect_shared_secrets())


@cache
def connect_webhook_services() -> ConnectWebhookServices:
    from aha_jira.connect.webhook_auth import ConnectWebhookServices

    return ConnectWebhookServices(
        installations=connect_installations(),
        shared_secrets=connect_shared_secrets(),
        sites=integrations(),
        webhooks=webhook_services(),
    )


# The integration log ------------------------------------------------------------------------------------

# Where development packages register integration log readers (pyproject.toml: the local stack's `file`).
LOG_READER_ENTRY_POINTS = "aha_jira.integration_log_readers"


def integration_log_reader() -> IntegrationLogReader:
    """Logs Insights (`INTEGRATION_LOG_SOURCE=cloudwatch`, the deployed functions), or the reader a
    development package registers under that name: the local stack's `file` reads its captured log. The
    layer never imports development code, and no such reader ships, so only `cloudwatch` works in AWS."""
    return _integration_log_reader(integration_log_source())


@cache
def _integration_log_reader(source: str) -> IntegrationLogReader:
    if source == "cloudwatch":
        from aha_jira.integration_log.reader import InsightsLogReader, log_groups_from_environment
        from aha_jira.storage.aws_clients import logs  # boto3 only when the log is read

        return InsightsLogReader(log_groups_from_environment(), logs)
    from importlib.metadata import entry_points

    registered = entry_points(group=LOG_READER_ENTRY_POINTS, name=source)
    if not registered:
        raise RuntimeError(
            f"INTEGRATION_LOG_SOURCE must be cloudwatch or a registered reader (file, locally), not {source!r}"
        )
    reader: IntegrationLogReader = next(iter(registered)).load()()
    return reader


# The request budget of each Jira site ------------------------------------------------------------------


@cache
def rate_budgets() -> SiteBudgets:
    """This container's view of every Jira site's request budget, shared by every Jira client the
    container's use cases make (they take it from their services and hand it to `jira_client_for`)."""
    from aha_jira.jira.rate_budget import SiteBudgets
    from aha_jira.storage.rate_budget import DynamoRateBudgetStore

    return SiteBudgets(DynamoRateBudgetStore())


# Roadmap events: the change feed and their delivery (issue 14) -------------------------------------------
# The outbox itself is written by the adapters of the changes (issue links, webhook deliveries), each with the
# container's one `storage.roadmap_outbox.default_outbox()`.


@cache
def roadmap_events() -> DynamoRoadmapEvents:
    from aha_jira.storage.roadmap_events import DynamoRoadmapEvents

    return DynamoRoadmapEvents()


@cache
def roadmap_delivery_services() -> DeliveryServices:
    from aha_jira.roadmap.outcomes import DeliveryServices
    from aha_jira.storage.comment_links import DynamoCommentLinks
    from aha_jira.storage.record_rename import DynamoRecordRenamer
    from aha_jira.storage.roadmap_queue import SqsRoadmapDeliveryQueue

    return DeliveryServices(
        events=roadmap_events(),
        queue=SqsRoadmapDeliveryQueue(),
        integrations=integrations(),
        secret_store=secrets(),
        renamer=DynamoRecordRenamer(),
        writebacks=retry_queue(),
        rate_budgets=rate_budgets(),
        comments=DynamoCommentLinks(),
    )


# Aha!'s webhooks (the Aha! webhook function) ------------------------------------------------------------


@cache
def aha_webhook_services() -> AhaWebhookServices:
    """Aha!'s deliveries: the roadmap token's integration, the records' links and feature records (what was
    last sent), the deliveries recorded, the retry queue the sends wait in. No secret, no Aha! client: the
    webhook asks nothing of Aha!."""
    from aha_jira.roadmap_inbound.receive import AhaWebhookServices

    return AhaWebhookServices(
        directory=integrations(),
        integrations=integrations(),
        links=issue_links(),
        features=features(),
        deliveries=webhook_deliveries(),
        queue=retry_queue(),
    )


# Webhook health and the scheduled reconcile -------------------------------------------------------------


@cache
def webhook_health() -> DynamoWebhookHealth:
    """Each site's last webhook delivery (the receiver notes it), the reconcile's marks and repair counts."""
    from aha_jira.storage.webhook_health import DynamoWebhookHealth

    return DynamoWebhookHealth()


@cache
def reconcile_services() -> ReconcileServices:
    from aha_jira.reconcile.sweep import ReconcileServices

    return ReconcileServices(
        integrations=integrations(),
        secret_store=secrets(),
        installations=connect_installations(),
        links=issue_links(),
        webhooks=webhook_services(),
        marks=webhook_health(),
        rate_budgets=rate_budgets(),
    )


# Release sends ------------------------------------------------------------------------------------------


@cache
def release_services() -> ReleaseServices:
    """The release use cases (`releases/`): the send's services, the release sends table and the release
    queue."""
    from aha_jira.releases.services import ReleaseServices
    from aha_jira.storage.release_queue import SqsReleaseQueue
    from aha_jira.storage.release_sends import DynamoReleaseSends

    return ReleaseServices(send=send_services(), sends=DynamoReleaseSends(), queue=SqsReleaseQueue())
