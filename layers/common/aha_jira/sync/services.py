"""The production adapters of a send, built once per container (the handlers share this wiring)."""

from __future__ import annotations

from functools import cache

from aha_jira.retry.queue import SqsRetryQueue
from aha_jira.storage.features import DynamoFeatureRepository
from aha_jira.storage.integrations import DynamoIntegrationRepository
from aha_jira.storage.issue_links import DynamoIssueLinkRepository
from aha_jira.storage.lookup_cache import DynamoLookupCache
from aha_jira.storage.secrets import SecretsManagerStore
from aha_jira.sync.send import SendServices


@cache
def send_services() -> SendServices:
    return SendServices(
        integrations=DynamoIntegrationRepository(),
        secret_store=SecretsManagerStore(),
        retry_queue=SqsRetryQueue(),
        lookup_cache=DynamoLookupCache(),
        features=DynamoFeatureRepository(),
        links=DynamoIssueLinkRepository(),
    )


@cache
def retry_queue() -> SqsRetryQueue:
    return SqsRetryQueue()
