"""Feature records and pending sends (`storage/features.py`), one port per consumer: the read-back, the send,
the import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aha_jira.ports.transactions import TransactionItem

if TYPE_CHECKING:
    from aha_jira.models.feature import AhaFeature
    from aha_jira.models.feature_record import FeatureRecord


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
