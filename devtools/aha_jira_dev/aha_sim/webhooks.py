"""Aha!'s outgoing webhooks: JSON POSTs to configured URLs, delivered in order by one background worker.

Two formats, chosen per webhook:

* ``integration``: the integration event ``{"event": "create_feature"|"update_feature"|"create_release"|
  "update_release", "feature"|"release": {...}}`` with the whole record (the shape of
  ``../shared/reference/aha-events/``); ``events`` limits the event names sent.
* ``activity``: the activity webhook ``{"event": "audit", "audit": {...}}`` with one audit record (what
  changed, by whom); ``record_types`` limits the ``auditable_type`` values sent (Feature, Requirement, Note,
  Comment, Release, IntegrationField, TimeTrackingEvent).

``api_changes`` (default true, as in Aha!) decides whether changes made through the REST API fire the
webhook at all; product-manager actions always do. Aha! signs nothing (the URL carries the secret), so the
only headers are ``Content-Type: application/json`` and a ``User-Agent``. A delivery is retried on
connection errors, timeouts, 408, 429 and 5xx after ``retry_delays`` (fractions of a second here, so tests
stay fast); each attempt is recorded with the status our side answered.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.simulation.webhook_dispatch import DEFAULT_RETRY_DELAYS, Attempt, DeliveryWorker

__all__ = ["DEFAULT_RETRY_DELAYS", "FORMATS", "USER_AGENT", "Delivery", "WebhookDispatcher", "WebhookTarget"]

FORMATS = ("integration", "activity")
USER_AGENT = "Aha! webhooks (simulator)"


@dataclass
class WebhookTarget:
    id: str
    url: str
    format: str
    events: frozenset[str] | None = None  # integration format: event names; None = all
    record_types: frozenset[str] | None = None  # activity format: auditable types; None = all
    api_changes: bool = True
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    timeout: float = 5.0

    def wants(self, fmt: str, event: str, record_type: str, via: str) -> bool:
        if fmt != self.format or (via == "api" and not self.api_changes):
            return False
        if fmt == "integration":
            return self.events is None or event in self.events
        return self.record_types is None or record_type in self.record_types

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "format": self.format,
            "events": sorted(self.events) if self.events is not None else None,
            "record_types": sorted(self.record_types) if self.record_types is not None else None,
            "api_changes": self.api_changes,
            "retry_delays": list(self.retry_delays),
            "timeout": self.timeout,
        }


@dataclass
class Delivery:
    id: str
    webhook_id: str
    format: str
    url: str
    event: str  # integration event name, or "audit"
    record_type: str
    reference: str | None
    user_id: str | None
    via: str
    body: bytes
    retry_delays: tuple[float, ...]
    timeout: float
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    delivered: bool = False

    def as_json(self, include_payload: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "format": self.format,
            "url": self.url,
            "event": self.event,
            "record_type": self.record_type,
            "reference": self.reference,
            "user_id": self.user_id,
            "via": self.via,
            "attempts": list(self.attempts),
            "status": self.attempts[-1]["status"] if self.attempts else None,
            "done": self.done,
            "delivered": self.delivered,
        }
        if include_payload:
            out["payload"] = json.loads(self.body)
        return out


class WebhookDispatcher(DeliveryWorker[Delivery]):
    thread_name = "aha-sim-webhooks"

    def __init__(self) -> None:
        super().__init__()
        self._targets: list[WebhookTarget] = []
        self._ids = itertools.count(1)

    def reset(self) -> None:
        """Forget targets and deliveries; deliveries still queued are dropped."""
        with self._lock:
            self._forget()
            self._targets.clear()

    # targets -------------------------------------------------------------------------------------------
    def add(self, target: WebhookTarget) -> WebhookTarget:
        if target.format not in FORMATS:
            raise ValueError(f"format must be one of {FORMATS}, not {target.format!r}")
        if not target.url.startswith(("http://", "https://")):
            raise ValueError("url must be an http(s) URL")
        with self._lock:
            self._targets.append(target)
        return target

    def new_id(self) -> str:
        return f"webhook-{next(self._ids)}"

    def remove_all(self) -> None:
        with self._lock:
            self._targets.clear()

    def targets(self) -> list[WebhookTarget]:
        with self._lock:
            return list(self._targets)

    # events --------------------------------------------------------------------------------------------
    def emit(
        self,
        fmt: str,
        event: str,
        payload: dict[str, Any],
        *,
        record_type: str,
        reference: str | None,
        user_id: str | None,
        via: str,
    ) -> int:
        """Queue ``payload`` for every webhook that wants it; the number queued."""
        body = json.dumps(payload).encode()
        queued: list[Delivery] = []
        with self._lock:
            for target in self._targets:
                if not target.wants(fmt, event, record_type, via):
                    continue
                queued.append(
                    Delivery(
                        f"delivery-{next(self._ids)}",
                        target.id,
                        fmt,
                        target.url,
                        event,
                        record_type,
                        reference,
                        user_id,
                        via,
                        body,
                        target.retry_delays,
                        target.timeout,
                    )
                )
            self._deliveries.extend(queued)
            generation = self._generation
        self._enqueue(generation, queued)
        return len(queued)

    # worker (``DeliveryWorker``): Aha! signs nothing ---------------------------------------------------
    def next_attempt(self, delivery: Delivery) -> Attempt | None:
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
        return Attempt(delivery.url, headers, delivery.timeout, delivery.retry_delays)
