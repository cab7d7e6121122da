"""Every interface a use case depends on, in one place. `aha_jira.wiring` builds the one production
implementation of each (the adapters in `aha_jira.storage`, `aha_jira.integration_log`); no use case imports
an adapter module (`lint-imports`, pyproject.toml).

A store several use cases reach for different reasons has one port per consumer, the slice that consumer
uses (the send, the webhook, the import write-back and the read-back each see the issue links through their
own): one adapter implements them all. Tests run the real adapters against moto; the ports keep the use
cases readable and their dependencies explicit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Literal, Protocol

# Annotations only (the module's annotations are never evaluated): importing the ports costs a use case, and
# a handler's cold start, none of the models it does not use itself.
if TYPE_CHECKING:
    from aha_jira.models.comment_link import CommentLink, Side
    from aha_jira.models.connect import ConnectInstallation, RsaPublicKey, SiteClaim
    from aha_jira.models.feature import AhaFeature
    from aha_jira.models.feature_record import FeatureRecord
    from aha_jira.models.integration import StoredIntegration
    from aha_jira.models.issue_link import IssueLink, Reservation, UploadedAttachment
    from aha_jira.models.jira_snapshot import JiraSnapshot
    from aha_jira.models.log_query import LogPage, LogQuery
    from aha_jira.models.release import (
        FeatureState,
        ReleaseFailure,
        ReleaseFanOut,
        ReleaseFeatureItem,
        ReleaseFeatureJob,
        ReleaseSendRecord,
    )
    from aha_jira.models.roadmap_event import (
        DeliveryRecord,
        DeliveryState,
        EventRef,
        NewEvent,
        RenamedRecord,
        RenameRequest,
        RoadmapEvent,
        StoredEvent,
    )
    from aha_jira.models.send import QueueMessage
    from aha_jira.models.site import JiraSiteRecord
    from aha_jira.models.webhook_delivery import CommitResult, Delivery
    from aha_jira.models.webhook_health import SiteHealth, SweepMark

# Transaction items (DynamoDB `TransactWriteItems` entries) an adapter prepares for a use case to commit
# together with others: the webhook's delivery and its record changes, an import's link, claim and record.
TransactionItem = dict[str, Any]


# --- integrations and Jira sites (storage/integrations.py) -------------------------------------------


class IntegrationRepository(Protocol):
    def get(self, integration_id: str) -> StoredIntegration | None: ...

    def list_page(self, limit: int, after: str | None) -> tuple[list[StoredIntegration], str | None]: ...

    def save(
        self,
        integration: StoredIntegration,
        *,
        expected_version: int | None,
        previous_site_url: str | None,
        new_site_token: str,
        webhook_secret_set: bool | None,
    ) -> None:
        """Write the integration and its site membership atomically; Conflict on a concurrent change."""
        ...

    def delete(self, integration: StoredIntegration) -> None: ...

    def save_test_result(
        self, integration: StoredIntegration, *, report: dict[str, Any], snapshot: JiraSnapshot | None
    ) -> None:
        """Store a test-connection report on the integration (and the snapshot beside it), unless the
        integration changed since it was read (Conflict)."""
        ...

    def get_snapshot(self, integration_id: str) -> JiraSnapshot | None: ...

    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...

    def get_sites(self, site_urls: list[str]) -> dict[str, JiraSiteRecord]: ...


class SiteReader(Protocol):
    """A Jira site with its integrations, read together (a webhook delivery's routing)."""

    def get_site_with_integrations(
        self, site_url: str, integration_ids: list[str]
    ) -> tuple[JiraSiteRecord | None, dict[str, StoredIntegration]]:
        """The site and those of `integration_ids` (a hint, read in the same round trip) that exist, plus
        the site's other integrations."""
        ...


class SiteDirectory(SiteReader, Protocol):
    """An admin webhook's token → its site."""

    def site_for_token(self, token: str) -> str | None: ...


# --- secrets (storage/secrets.py) ---------------------------------------------------------------------


class SecretStore(Protocol):
    def put(self, name: str, value: dict[str, str]) -> None: ...

    def get(self, name: str) -> dict[str, str] | None: ...

    def delete(self, name: str) -> None: ...


# --- issue links (storage/issue_links.py) -------------------------------------------------------------


class LinkReader(Protocol):
    """Reading records' links back (the features API)."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a record renamed since (an import created in Aha!) has now, or None."""
        ...

    def find_by_key(self, integration_id: str, issue_key: str) -> IssueLink | None: ...


class SendLinkStore(Protocol):
    """The send's side of a link: the reservation that makes a create exactly-once, then what it sent."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def reserve(self, link: IssueLink, *, now: float) -> Reservation:
        """Take the record's reservation (new, past its lease, or of an issue deleted in Jira)."""
        ...

    def update_reservation(self, link: IssueLink) -> bool: ...

    def mark_uncertain(self, link: IssueLink, *, lease_until: float) -> None: ...

    def release(self, link: IssueLink) -> None:
        """Give up a reservation that certainly created nothing."""
        ...

    def mark_linked(self, link: IssueLink, events: Sequence[NewEvent] = ()) -> bool:
        """Record the reserved record's issue, with its roadmap events (one transaction); False when the
        reservation is no longer this holder's."""
        ...

    def save_synced(self, link: IssueLink) -> None:
        """Store what a re-send changed on a linked record (the send's own attributes only)."""
        ...

    def save_record_url(self, link: IssueLink, record_url: str) -> None:
        """The roadmap URL the issue links back to now."""
        ...

    def note_status_push(self, link: IssueLink, pushed_statuses: list[str]) -> None:
        """A transition about to be made: its webhook (and those of the latest pushes) are our echo."""
        ...

    def save_status_sent(
        self,
        link: IssueLink,
        *,
        sent_status: str,
        jira_status: str | None = None,
        jira_status_id: str | None = None,
        roadmap_status: str | None = None,
    ) -> None:
        """The roadmap status the send carried, and the Jira status it moved the issue to, if it did."""
        ...

    def take_upload_lease(self, link: IssueLink, *, token: str, until: float, now: float) -> bool:
        """Hold the record's attachment uploads; False while another send holds them."""
        ...

    def record_upload(self, link: IssueLink, key: str, uploaded: UploadedAttachment) -> None: ...

    def release_upload_lease(self, link: IssueLink, *, token: str) -> None: ...


class ImportLinkStore(Protocol):
    """What importing an issue created in Jira reads and writes of the links."""

    def find_by_issue(self, site_url: str, issue_id: str) -> list[IssueLink]: ...

    def import_writes(self, link: IssueLink) -> list[TransactionItem]:
        """Items creating an imported record's link and claiming its issue (in this order)."""
        ...

    def imported_reference(self, integration_id: str, site_url: str, issue_id: str) -> str | None: ...


class WebhookLinkStore(ImportLinkStore, Protocol):
    """The webhook's side of a link: the Jira-side state (`IssueLink.jira`), under optimistic concurrency."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def webhook_write(self, link: IssueLink, *, expected_rev: int) -> TransactionItem:
        """An item writing the link's Jira-side state, on condition of `expected_rev`."""
        ...

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a record renamed since (an import created in Aha!) has now, or None."""
        ...


class WriteBackLinkStore(Protocol):
    """The import write-back's side of a link: marking it written back, then catching its Jira-side state up."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def mark_written_back(self, link: IssueLink, at: str) -> None: ...

    def write_webhook_change(
        self, link: IssueLink, *, expected_rev: int, events: Sequence[NewEvent] = ()
    ) -> bool:
        """`WebhookLinkStore.webhook_write` on its own, with the change's roadmap events; False when the
        record changed since it was read."""
        ...


class RecordLinks(Protocol):
    """Sends from Aha! (the webhook, the job): whether a record is linked, and the status Jira gave it."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...


class LinkDetacher(Protocol):
    """Removing an integration keeps its links, detached."""

    def detach_all(
        self, integration_id: str, event_for: Callable[[IssueLink], NewEvent | None] | None = None
    ) -> int:
        """Mark every issue link of an integration detached, each with the roadmap event `event_for`
        gives it (same transaction); returns how many were changed."""
        ...


# --- feature records and pending sends (storage/features.py) ------------------------------------------


class FeatureReader(Protocol):
    """Reading feature records back (the features API)."""

    def get(self, integration_id: str, reference: str) -> FeatureRecord | None: ...

    def list_page(
        self, integration_id: str, limit: int, after: str | None
    ) -> tuple[list[FeatureRecord], str | None]: ...


class SendFeatureStore(Protocol):
    """The send's feature record, and the payload a queued send waits with."""

    def get(self, integration_id: str, reference: str) -> FeatureRecord | None: ...

    def save(self, record: FeatureRecord) -> None: ...

    def note_feature_reference(self, product: str, reference: str) -> None:
        """Raise the product's feature counter past a reference a send brought."""
        ...

    def put_pending(
        self, integration_id: str, feature: AhaFeature, job_id: str, *, queued_at: float
    ) -> None: ...

    def pending_job(self, integration_id: str, reference: str) -> str | None: ...

    def get_pending(self, integration_id: str, reference: str) -> tuple[AhaFeature, str] | None: ...

    def delete_pending(
        self, integration_id: str, reference: str, *, job_id: str, sent_since: float | None = None
    ) -> bool: ...


class ImportFeatureStore(Protocol):
    """What importing an issue created in Jira needs of the feature records: references and the record."""

    def get(self, integration_id: str, reference: str) -> FeatureRecord | None: ...

    def next_feature_number(self, product: str) -> int: ...

    def next_requirement_number(
        self, integration_id: str, feature_reference: str, *, at_least: int
    ) -> int: ...

    def import_feature_write(self, record: FeatureRecord) -> TransactionItem: ...

    def import_requirement_write(
        self, integration_id: str, feature_reference: str, reference: str
    ) -> TransactionItem: ...


# --- webhook deliveries (storage/webhook_deliveries.py) -----------------------------------------------


class DeliveryStore(Protocol):
    def record(self, delivery: Delivery) -> bool:
        """Record a delivery that changes nothing; False when it was recorded before (a duplicate)."""
        ...

    def commit(
        self, delivery: Delivery, changes: list[TransactionItem], events: Sequence[NewEvent] = ()
    ) -> CommitResult:
        """Record the delivery, make `changes` and write their roadmap `events`, atomically."""
        ...

    def forget(self, delivery: Delivery) -> None:
        """Take back this very recording of a delivery (its `attempt`), so that a redelivery is no
        duplicate: what it was recorded for could not be done."""
        ...


# --- the retry queue (storage/retry_queue.py) ---------------------------------------------------------


class RetryQueue(Protocol):
    """Where a send's retry and an import's write-back wait for the retry worker."""

    def enqueue(self, job: QueueMessage, delay_seconds: float) -> None: ...


# --- the Jira look-up cache (storage/lookup_cache.py) -------------------------------------------------

# What a `LookupCache` holds for a look-up that found nothing (no Jira user has the e-mail): no version
# id, account id or user name is empty, so the empty string cannot be mistaken for an answer.
LOOKUP_MISS = ""


class LookupCache(Protocol):
    """Answers of the Jira look-ups a send makes (version ids by release name, user identities by e-mail),
    per integration, so a send repeats none of them while they hold. `kind` is "version" or "user"; keys
    are matched case-insensitively. A cached miss is stored and answered as `LOOKUP_MISS`."""

    def get(self, integration_id: str, kind: str, key: str) -> str | None:
        """The cached answer, `LOOKUP_MISS` for a cached miss, None when nothing (unexpired) is cached."""
        ...

    def put(self, integration_id: str, kind: str, key: str, value: str, ttl_seconds: int) -> None: ...


# --- Connect installations (storage/connect_installations.py) -----------------------------------------


class InstallationReader(Protocol):
    def get(self, client_key: str) -> ConnectInstallation | None: ...


class InstallationStore(InstallationReader, Protocol):
    def save(self, installation: ConnectInstallation, *, expected_version: int | None) -> None:
        """Write the installation; Conflict when it changed since `expected_version` was read."""
        ...


class LifecycleInstallations(InstallationStore, Protocol):
    """The lifecycle callbacks' side: an installation and its claim on its Jira site, written together."""

    def site_claim(self, site_url: str) -> SiteClaim | None: ...

    def save_installed(
        self, installation: ConnectInstallation, *, expected_version: int | None, claim: SiteClaim | None
    ) -> None:
        """Write the installation and its claim; SiteTaken when the claim changed since it was read."""
        ...


class InstallKeySource(Protocol):
    """The public keys Atlassian signs lifecycle callbacks with, by key id (`connect/install_keys.py`, an
    HTTP client of Atlassian's install-keys service: Connect's own, built by wiring)."""

    def get(self, kid: str) -> RsaPublicKey:
        """The key; `connect.install_keys.KeyUnavailable` (`transient` when the service failed) otherwise."""
        ...


# --- the integration log (integration_log/reader.py) --------------------------------------------------


class IntegrationLogReader(Protocol):
    """`GET /integrations/{id}/log`: Logs Insights in AWS; the local stack registers its file reader."""

    def read(self, query: LogQuery) -> LogPage: ...


# --- roadmap webhook tokens (storage/integrations.py) --------------------------------------------------


class RoadmapTokenDirectory(Protocol):
    """Which integration an Aha! webhook URL's token belongs to (`POST /webhooks/aha/{token}`)."""

    def integration_for_roadmap_token(self, token: str) -> str | None: ...


# --- roadmap events: the outbox, its change feed and delivery (storage/roadmap_events.py, roadmap_queue.py) --


class RoadmapFeed(Protocol):
    """`GET /integrations/{id}/events`: the change feed."""

    def page(self, integration_id: str, after: int, limit: int) -> tuple[list[RoadmapEvent], int | None]:
        """Events after `after`, oldest first, at most `limit`; the last id when more follow."""
        ...


class RoadmapEventStore(Protocol):
    """The delivery worker's view of the outbox: the events, and each record's delivery state under a lease."""

    def get_event(self, integration_id: str, event_id: int) -> StoredEvent | None: ...

    def get_events(self, integration_id: str, event_ids: list[int]) -> dict[int, StoredEvent]: ...

    def read_state(self, integration_id: str, reference: str) -> DeliveryRecord: ...

    def lease(
        self, integration_id: str, reference: str, *, token: str, until: float, now: float
    ) -> tuple[DeliveryRecord | None, float]:
        """Take the record's lease: (its state, 0), or (None, when the holder's lease ends)."""
        ...

    def release(self, integration_id: str, reference: str, *, token: str) -> None: ...

    def save_memo(self, integration_id: str, reference: str, *, token: str, memo: dict[str, Any]) -> None:
        """Keep the connector's memo (an intent) before a call; raises when the lease passed on."""
        ...

    def settle(
        self,
        integration_id: str,
        reference: str,
        event_id: int,
        *,
        token: str,
        delivery: DeliveryState,
        cursor: int,
        memo: dict[str, Any],
        now: float,
        error_code: str | None = None,
        error_hint: str | None = None,
    ) -> None: ...

    def retry_later(
        self,
        integration_id: str,
        event_id: int,
        *,
        attempts: int,
        due: float,
        error_code: str,
        error_hint: str,
    ) -> None: ...

    def mark_dead(
        self, integration_id: str, event_id: int, *, attempts: int, error_code: str, error_hint: str
    ) -> None: ...

    def due(self, before: float, limit: int) -> list[EventRef]:
        """Pending events due before `before` (the sweep)."""
        ...


class CommentLinks(Protocol):
    """Comments that crossed between Jira and the roadmap, one item per comment and side
    (`storage/comment_links.py`)."""

    def get(self, integration_id: str, reference: str, side: Side, comment_id: str) -> CommentLink | None: ...

    def save(self, link: CommentLink) -> None:
        """The comment's item and, once it has a copy, the copy's, together."""
        ...

    def claim(self, link: CommentLink, *, until: float, now: float) -> CommentLink | None:
        """Hold the comment for one writer: its item now (created when new), or None while another holds it."""
        ...

    def release(self, link: CommentLink) -> None:
        """Give the claim back, leaving the item as its holder last saved it."""
        ...


class RoadmapDeliveryQueue(Protocol):
    """The queue of roadmap deliveries: one message per event."""

    def notify(self, events: Sequence[EventRef], delay_seconds: float = 0) -> int:
        """Enqueue a message per event; how many were taken (never raises)."""
        ...

    def postpone(self, receipt_handle: str, delay_seconds: float) -> None: ...


class RecordRenamer(Protocol):
    """An imported record takes the reference the roadmap allocated (storage/record_rename.py)."""

    def renamed(self, integration_id: str, reference: str) -> str | None:
        """The reference a renamed record has now, or None."""
        ...

    def rename_imported(self, request: RenameRequest, *, now: float) -> RenamedRecord | None:
        """None when the record is gone; `RenameRefused` when the new reference is taken or the lease passed."""
        ...


# --- webhook health and the reconcile's sweep marks (storage/webhook_health.py) ------------------------


class DeliveryNotes(Protocol):
    """The webhook receiver's side: that a Jira site's webhook reached us."""

    def note_delivery(self, site_url: str, at: float) -> None:
        """Remember `at` (epoch seconds) as the site's last delivery: written at most once a minute per
        container, never backwards; a failure to write is logged, never raised (the delivery goes on)."""
        ...


class WebhookHealthReader(Protocol):
    """`webhook.health` and test connection's `webhook_silent`."""

    def read(
        self, site_urls: list[str], integration_ids: list[str], *, now: float
    ) -> tuple[dict[str, SiteHealth], dict[str, int]]:
        """Each site's health (a site with nothing stored is left out) and each integration's repairs in
        the 24 hours before `now` (0 when none)."""
        ...


class SweepStore(Protocol):
    """The reconcile's state: its mark per Jira site (with a lease, so two sweeps never work one site at
    once), the newest linked change it saw, and the repairs it made per integration."""

    def claim(self, site_url: str, *, now: float, lease_seconds: float) -> SweepMark | None:
        """The site's mark, leased to this sweep until `now + lease_seconds`; None while another holds it."""
        ...

    def finish(self, mark: SweepMark, *, swept_to: int | None, audit_after: str | None) -> None:
        """Store the new mark (`swept_to` None keeps the old one) and give the lease back."""
        ...

    def note_linked_change(self, site_url: str, at: float) -> None:
        """A linked issue of the site changed in Jira at `at` (epoch seconds); kept when newer."""
        ...

    def add_missed(self, integration_id: str, count: int, *, now: float) -> None:
        """Count `count` repairs of the integration in the hour of `now`."""
        ...


class ReconcileSiteStore(Protocol):
    """The reconcile's view of the integrations: every one (to find the sites), a site with its integrations,
    and a site alone (its request cap, for the Jira client)."""

    def list_page(self, limit: int, after: str | None) -> tuple[list[StoredIntegration], str | None]: ...

    def get_site(self, site_url: str) -> JiraSiteRecord | None: ...

    def get_site_with_integrations(
        self, site_url: str, integration_ids: list[str]
    ) -> tuple[JiraSiteRecord | None, dict[str, StoredIntegration]]: ...


class ReconcileLinkStore(Protocol):
    """The reconcile's view of the issue links: records by reference, and each integration's links page by
    page for the rotating existence check."""

    def get_many(self, integration_id: str, references: list[str]) -> dict[str, IssueLink]: ...

    def linked_page(
        self, integration_id: str, after: str | None, limit: int
    ) -> tuple[list[IssueLink], str | None]:
        """Up to `limit` of the integration's records (in reference order) after the cursor `after`, and
        the cursor of the next page (None after the last)."""
        ...


# --- release sends (storage/release_sends.py, storage/release_queue.py) --------------------------------


class ReleaseSendStore(Protocol):
    """A release send's summary, each feature's state and payload, the failures. A feature's state changes by
    a conditional write on its own item (the state it leaves, the worker's token); the summary then moves its
    reference into the set of that state, idempotently, which whoever meets the feature next repeats: a
    feature is counted once whatever its messages do."""

    def create(
        self, record: ReleaseSendRecord, features: Sequence[tuple[str, bytes | None]], *, expires_at: int
    ) -> None: ...

    def get(self, integration_id: str, send_id: str) -> ReleaseSendRecord | None: ...

    def failures(self, integration_id: str, send_id: str) -> list[ReleaseFailure]: ...

    def feature(self, integration_id: str, send_id: str, reference: str) -> ReleaseFeatureItem | None: ...

    def keep_payload(
        self, integration_id: str, send_id: str, reference: str, feature: AhaFeature
    ) -> None: ...

    def begin(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        from_state: Literal["pending", "waiting"],
        token: str,
        lease_until: float,
    ) -> bool: ...

    def take_over(
        self, integration_id: str, send_id: str, reference: str, *, token: str, lease_until: float, now: float
    ) -> bool: ...

    def leave(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        *,
        token: str,
        to: Literal["done", "failed", "waiting", "cancelled"],
        failure: ReleaseFailure | None = None,
    ) -> bool: ...

    def drop(self, integration_id: str, send_id: str, reference: str) -> bool: ...

    def count(
        self,
        integration_id: str,
        send_id: str,
        reference: str,
        state: FeatureState,
        *,
        jira_calls: int = 0,
        throttled_ms: int = 0,
        failure: ReleaseFailure | None = None,
        while_running: bool = False,
    ) -> bool: ...

    def cancel(self, integration_id: str, send_id: str, *, at: str) -> ReleaseSendRecord | None: ...

    def finish(self, record: ReleaseSendRecord, *, at: str) -> bool: ...


class ReleaseQueue(Protocol):
    """Where a release send's features wait for the release worker, one message each."""

    def fan_out(self, message: ReleaseFanOut) -> None: ...

    def enqueue(self, jobs: list[ReleaseFeatureJob]) -> None: ...

    def requeue(self, job: ReleaseFeatureJob, delay_seconds: float) -> None: ...
