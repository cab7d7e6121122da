"""The roadmap connectors: what delivering one event means for an integration's roadmap.

`AhaConnector` (`roadmap.type: aha`) makes the event's Aha! calls (`event_types.py`); `WebhookConnector`
(`webhook`) POSTs the event as JSON, signed (`outbound/roadmap_webhook.py`). `connector_for` picks one per
integration. Failures are sorted for the delivery: what a later attempt may fix is transient (Aha! down or
slow, a 429, and also a key Aha! refuses or an address the guard refuses: an operator fixes the
configuration, then replays the dead letters, so no event is lost to it); what Aha! refuses about the
content (a workflow status it does not have, a record it does not know) fails for good, logged with its hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from aha_jira.aha.errors import AhaError, AhaNotFound, AhaRefused
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.roadmap_event import IMPORTED, RoadmapEvent
from aha_jira.outbound.roadmap_webhook import WebhookDeliveryFailed
from aha_jira.roadmap.event_types import EVENT_TYPES
from aha_jira.roadmap.outcomes import Delivered, DeliveryServices, Failed, Outcome, RecordDelivery, Skipped

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient
    from aha_jira.outbound.roadmap_webhook import RoadmapWebhook


class RoadmapConnector(Protocol):
    def deliver(self, record: RecordDelivery, event: RoadmapEvent) -> Outcome: ...

    @property
    def calls(self) -> int:
        """Requests made to the roadmap so far (the log's `roadmap_calls`)."""
        ...


def aha_failure(error: AhaError) -> Failed:
    permanent = isinstance(error, AhaRefused | AhaNotFound)
    return Failed(
        code=error.code,
        message=error.message,
        hint=error.hint or ("Aha! refused the change; fix what it names." if permanent else "Retried."),
        transient=not permanent,
        retry_after=getattr(error, "retry_after", None),
        status=error.status,
    )


class AhaConnector:
    def __init__(self, client: AhaClient) -> None:
        self.client = client

    @property
    def calls(self) -> int:
        return len(self.client.transport.calls)

    def deliver(self, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
        spec = EVENT_TYPES.get(event.type)
        if spec is None or spec.aha is None:
            return Skipped(f"no Aha! mapping for {event.type} events")
        if event.type != IMPORTED and not record.in_roadmap:
            return Skipped(
                f"{record.reference} was imported from Jira and is not in Aha!",
                hint="Imported records reach Aha! when the integration is an Aha! one with import.release set "
                "at their import; send the record from Aha! to link it.",
            )
        try:
            return spec.aha(self.client, record, event)
        except AhaError as error:
            return aha_failure(error)


class WebhookConnector:
    def __init__(self, webhook: RoadmapWebhook) -> None:
        self.webhook = webhook
        self._calls = 0

    @property
    def calls(self) -> int:
        return self._calls

    def deliver(self, record: RecordDelivery, event: RoadmapEvent) -> Outcome:
        self._calls += 1
        try:
            delivered = self.webhook.deliver(str(event.id), event.model_dump(mode="json"))
        except WebhookDeliveryFailed as error:
            # Anything but a 2xx is retried (DESIGN.md), until the event dead-letters.
            return Failed(
                code=error.code,
                message=error.message,
                hint=error.hint,
                transient=True,
                retry_after=error.retry_after,
                status=error.status,
            )
        return Delivered(f"POSTed to the roadmap webhook ({delivered.status})")


def connector_for(
    integration: StoredIntegration, services: DeliveryServices
) -> RoadmapConnector | Failed | Skipped:
    """The integration's connector; Skipped without one, Failed when it cannot be built (no secret)."""
    # Imported here: the clients (requests) load with the first delivery.
    from aha_jira.connection.roadmap_access import aha_client_for, roadmap_webhook_for  # noqa: PLC0415

    roadmap = integration.roadmap
    try:
        if roadmap.type == "aha":
            return AhaConnector(
                aha_client_for(integration, services.secret_store, budgets=services.rate_budgets)
            )
        if roadmap.type == "webhook":
            return WebhookConnector(roadmap_webhook_for(integration, services.secret_store))
    except AhaError as error:
        return aha_failure(error)
    except WebhookDeliveryFailed as error:
        return Failed(code=error.code, message=error.message, hint=error.hint, transient=True)
    return Skipped("the integration has no roadmap connector (roadmap.type none)")
