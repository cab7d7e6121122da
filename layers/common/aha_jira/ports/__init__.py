"""Every interface a use case depends on, in one place. `aha_jira.wiring` builds the one production
implementation of each (the adapters in `aha_jira.storage`, `aha_jira.integration_log`); no use case imports
an adapter module (`lint-imports`, pyproject.toml). Use cases import the ports from this package
(`from aha_jira.ports import SendLinkStore`); each module holds the ports of one store or one side:

- `integrations.py`: integrations, their Jira sites, the webhook tokens; `secrets.py`;
- `issue_links.py`: the issue links, per consumer; `features.py`: feature records and pending sends;
- `webhooks.py`: the Jira webhook's deliveries and each site's webhook health;
- `retry_queue.py`, `lookup_cache.py`: the send's retry queue and its Jira look-up cache;
- `connect.py`: Connect installations and install keys; `integration_log.py`: the log reader;
- `roadmap.py`: the roadmap events' feed and delivery, comments, renames; `reconcile.py`: the reconcile's;
- `releases.py`: release sends; `transactions.py`: the items adapters prepare for one transaction.

A store several use cases reach for different reasons has one port per consumer, the slice that consumer
uses (the send, the webhook, the import write-back and the read-back each see the issue links through their
own): one adapter implements them all. Tests run the real adapters against moto; the ports keep the use
cases readable and their dependencies explicit.

The models the ports mention are imported for annotations only (never evaluated): importing the ports costs
a use case, and a handler's cold start, none of the models it does not use itself.
"""

from aha_jira.ports.connect import (
    InstallationReader,
    InstallationStore,
    InstallKeySource,
    LifecycleInstallations,
)
from aha_jira.ports.features import FeatureReader, ImportFeatureStore, SendFeatureStore
from aha_jira.ports.integration_log import IntegrationLogReader
from aha_jira.ports.integrations import (
    IntegrationRepository,
    RoadmapTokenDirectory,
    SiteDirectory,
    SiteReader,
)
from aha_jira.ports.issue_links import (
    ImportLinkStore,
    LinkDetacher,
    LinkReader,
    RecordLinks,
    SendLinkStore,
    WebhookLinkStore,
    WriteBackLinkStore,
)
from aha_jira.ports.lookup_cache import LOOKUP_MISS, LookupCache
from aha_jira.ports.reconcile import ReconcileLinkStore, ReconcileSiteStore, SweepStore
from aha_jira.ports.releases import ReleaseQueue, ReleaseSendStore
from aha_jira.ports.retry_queue import RetryQueue
from aha_jira.ports.roadmap import (
    CommentLinks,
    RecordRenamer,
    RoadmapDeliveryQueue,
    RoadmapEventStore,
    RoadmapFeed,
)
from aha_jira.ports.secrets import SecretStore
from aha_jira.ports.transactions import TransactionItem
from aha_jira.ports.webhooks import DeliveryNotes, DeliveryStore, WebhookHealthReader

__all__ = [
    "LOOKUP_MISS",
    "CommentLinks",
    "DeliveryNotes",
    "DeliveryStore",
    "FeatureReader",
    "ImportFeatureStore",
    "ImportLinkStore",
    "InstallKeySource",
    "InstallationReader",
    "InstallationStore",
    "IntegrationLogReader",
    "IntegrationRepository",
    "LifecycleInstallations",
    "LinkDetacher",
    "LinkReader",
    "LookupCache",
    "ReconcileLinkStore",
    "ReconcileSiteStore",
    "RecordLinks",
    "RecordRenamer",
    "ReleaseQueue",
    "ReleaseSendStore",
    "RetryQueue",
    "RoadmapDeliveryQueue",
    "RoadmapEventStore",
    "RoadmapFeed",
    "RoadmapTokenDirectory",
    "SecretStore",
    "SendFeatureStore",
    "SendLinkStore",
    "SiteDirectory",
    "SiteReader",
    "SweepStore",
    "TransactionItem",
    "WebhookHealthReader",
    "WebhookLinkStore",
    "WriteBackLinkStore",
]
