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
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any

from aha_jira_dev.jira_sim.webhooks import RETRYABLE

FORMATS = ("integration", "activity")
DEFAULT_RETRY_DELAYS = (0.05, 0.2, 0.5)
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


class WebhookDispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: queue.Queue[tuple[int, Delivery] | None] = queue.Queue()
        self._targets: list[WebhookTarget] = []
        self._deliveries: list[Delivery] = []
        self._ids = itertools.count(1)
        self._generation = 0
        self._thread: threading.Thread | None = None

    # lifecycle -----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="aha-sim-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        """Forget targets and deliveries; deliveries still queued are dropped."""
        with self._lock:
            self._generation += 1
            self._targets.clear()
            self._deliveries.clear()
            self._changed.notify_all()

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
        for delivery in queued:
            self._queue.put((generation, delivery))
        return len(queued)

    def deliveries(self, include_payload: bool = True) -> list[dict[str, Any]]:
        with self._lock:
            return [d.as_json(include_payload) for d in self._deliveries]

    def clear_deliveries(self) -> None:
        with self._lock:
            self._deliveries.clear()

    def wait_done(self, count: int, timeout: float) -> bool:
        """Wait until at least ``count`` deliveries are finished (delivered or given up)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while sum(1 for d in self._deliveries if d.done) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
            return True

    # worker --------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            self._deliver(*item)

    def _deliver(self, generation: int, delivery: Delivery) -> None:
        while True:
            with self._lock:
                if generation != self._generation:
                    return
            status, error = _post(delivery)
            retryable = status is None or status in RETRYABLE or status >= 500
            with self._lock:
                if generation != self._generation:
                    return
                attempt = len(delivery.attempts)
                delivery.attempts.append({"status": status, "error": error, "at": time.time()})
                finished = not retryable or attempt >= len(delivery.retry_delays)
                if finished:
                    delivery.done = True
                    delivery.delivered = status is not None and 200 <= status < 300
                self._changed.notify_all()
            if finished:
                return
            time.sleep(delivery.retry_delays[attempt])


def _post(delivery: Delivery) -> tuple[int | None, str | None]:
    request = urllib.request.Request(  # noqa: S310 (the URL is the one a test configured)
        delivery.url,
        data=delivery.body,
        headers={"Content-Type": "application/json", "User-Agent": USER_AGENT},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=delivery.timeout) as resp:  # noqa: S310
            resp.read()
            return int(resp.status), None
    except urllib.error.HTTPError as exc:
        exc.read()
        return int(exc.code), None
    except (OSError, urllib.error.URLError) as exc:
        return None, type(exc).__name__
