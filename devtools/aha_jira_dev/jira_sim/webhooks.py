"""Admin webhooks: JSON POSTs to one configured URL, delivered in event order by a background worker.

Headers: ``Content-Type: application/json``, ``X-Atlassian-Webhook-Identifier`` (unique per event, the same on
every retry and redelivery), ``X-Atlassian-Webhook-Retry`` (0 on the first attempt), ``X-Atlassian-Webhook-Flow``
and, when a secret is set, ``X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>``.
Like Jira, a delivery is retried on 408, 409, 425, 429, 5xx, connection errors and timeouts; unlike Jira the
simulator retries after a fraction of a second (``retry_delays``) so tests stay fast.

Lost webhooks (``configure_loss``): a seeded share of deliveries is never sent, as when Jira drops an admin
webhook; each is recorded (``dropped()``) with its payload so a self-healing test can check every change
still arrived. Deliveries that finished without success (out of retries, or refused) are ``failures()``, the
source of ``GET /rest/api/3/webhook/failed``.

Connect apps: when a registered installation has an app base URL, every event is also POSTed to
``<app base URL><webhook path>`` (default ``/connect/webhooks/{event}``) with ``Authorization: JWT <token>``:
HS256 with the installation's shared secret, ``iss`` = its clientKey, ``qsh`` of ``POST&<path>&<query>``
relative to the app's base URL, as Jira does for Connect webhooks. These deliveries have their own records
(``target`` = ``"connect"``) and do not need an admin webhook to be configured.
"""

from __future__ import annotations

import json
import random
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt

from aha_jira_dev.simulation.webhook_dispatch import DEFAULT_RETRY_DELAYS, RETRYABLE, Attempt, DeliveryWorker

from .auth import hub_signature, query_string_hash

__all__ = [
    "DEFAULT_RETRY_DELAYS",
    "RETRYABLE",
    "ConnectTarget",
    "Delivery",
    "WebhookConfig",
    "WebhookDispatcher",
    "WebhookLoss",
]


@dataclass
class WebhookConfig:
    url: str
    secret: str | None = None
    events: frozenset[str] | None = None  # None = every event
    retry_delays: tuple[float, ...] = DEFAULT_RETRY_DELAYS
    timeout: float = 5.0


@dataclass(frozen=True)
class ConnectTarget:
    client_key: str
    shared_secret: str
    app_base_url: str
    path: str  # path (and query) relative to the app base URL

    @property
    def url(self) -> str:
        return self.app_base_url.rstrip("/") + self.path

    def token(self) -> str:
        path, _, query = self.path.partition("?")
        base_path = urllib.parse.urlsplit(self.app_base_url).path.rstrip("/")
        now = int(time.time())
        claims = {
            "iss": self.client_key,
            "iat": now,
            "exp": now + 180,
            "qsh": query_string_hash("POST", base_path + path, query, base_path),
        }
        return jwt.encode(claims, self.shared_secret, algorithm="HS256")


@dataclass
class WebhookLoss:
    """Drop ``share`` (0..1) of deliveries, chosen by a ``seed``-ed random generator; ``events`` limits it."""

    share: float
    seed: int = 0
    events: frozenset[str] | None = None
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if not 0 <= self.share <= 1:
            raise ValueError("share must be between 0 and 1")
        self.rng = random.Random(self.seed)

    def as_json(self) -> dict[str, Any]:
        return {
            "share": self.share,
            "seed": self.seed,
            "events": sorted(self.events) if self.events else None,
        }


@dataclass
class Delivery:
    identifier: str
    event: str
    body: bytes
    issue_key: str | None
    user: str | None
    retry: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    delivered: bool = False
    redelivery: bool = False
    connect: ConnectTarget | None = None

    def as_json(self, include_payload: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "identifier": self.identifier,
            "event": self.event,
            "issue_key": self.issue_key,
            "user": self.user,
            "retry": self.retry,
            "attempts": list(self.attempts),
            "status": self.attempts[-1]["status"] if self.attempts else None,
            "done": self.done,
            "delivered": self.delivered,
            "redelivery": self.redelivery,
            "target": "connect" if self.connect else "admin",
            "url": self.connect.url if self.connect else None,
        }
        if include_payload:
            out["payload"] = json.loads(self.body)
        return out


class WebhookDispatcher(DeliveryWorker[Delivery]):
    thread_name = "jira-sim-webhooks"

    def __init__(self) -> None:
        super().__init__()
        self._config: WebhookConfig | None = None
        self._loss: WebhookLoss | None = None
        self._dropped: list[dict[str, Any]] = []

    def reset(self) -> None:
        with self._lock:
            self._forget()
            self._config = None
            self._loss = None
            self._dropped.clear()

    # configuration ------------------------------------------------------------------------------------------
    def configure(self, config: WebhookConfig | None) -> None:
        with self._lock:
            self._config = config

    @property
    def config(self) -> WebhookConfig | None:
        with self._lock:
            return self._config

    # events -------------------------------------------------------------------------------------------------
    def emit(
        self,
        payload: dict[str, Any],
        issue_key: str | None,
        user: str | None,
        connect_targets: list[ConnectTarget] | None = None,
    ) -> None:
        event = str(payload.get("webhookEvent"))
        body = json.dumps(payload).encode()
        queued: list[Delivery] = []
        with self._lock:
            config = self._config
            if config is not None and (config.events is None or event in config.events):
                queued.append(Delivery(str(uuid.uuid4()), event, body, issue_key, user))
            for target in connect_targets or []:
                queued.append(Delivery(str(uuid.uuid4()), event, body, issue_key, user, connect=target))
            queued = [d for d in queued if not self._lost(d, payload)]
            self._deliveries.extend(queued)
            generation = self._generation
        self._enqueue(generation, queued)

    def redeliver(self, identifier: str) -> Delivery | None:
        with self._lock:
            previous = [d for d in self._deliveries if d.identifier == identifier]
            if not previous:
                return None
            last = previous[-1]
            delivery = Delivery(
                identifier,
                last.event,
                last.body,
                last.issue_key,
                last.user,
                retry=max([a["retry"] for d in previous for a in d.attempts] + [d.retry for d in previous])
                + 1,
                redelivery=True,
                connect=last.connect,
            )
            self._deliveries.append(delivery)
            generation = self._generation
        self._enqueue(generation, [delivery])
        return delivery

    # lost webhooks ------------------------------------------------------------------------------------------
    def configure_loss(self, loss: WebhookLoss | None) -> None:
        with self._lock:
            self._loss = loss

    @property
    def loss(self) -> WebhookLoss | None:
        with self._lock:
            return self._loss

    def _lost(self, delivery: Delivery, payload: dict[str, Any]) -> bool:
        """Whether this delivery is dropped (caller holds the lock); records it when it is."""
        loss = self._loss
        if loss is None or (loss.events is not None and delivery.event not in loss.events):
            return False
        if loss.rng.random() >= loss.share:
            return False
        self._dropped.append(
            {
                "identifier": delivery.identifier,
                "event": delivery.event,
                "issue_key": delivery.issue_key,
                "user": delivery.user,
                "target": "connect" if delivery.connect else "admin",
                "dropped_at": time.time(),
                "payload": payload,
            }
        )
        return True

    def dropped(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(d) for d in self._dropped]

    def clear_dropped(self) -> None:
        with self._lock:
            self._dropped.clear()

    def failures(self, client_key: str | None) -> list[dict[str, Any]]:
        """Deliveries that finished without a 2xx, oldest failure first, as ``webhook/failed`` shows them:
        ``client_key`` None = the admin webhook's, else that Connect installation's."""
        with self._lock:
            failed = [
                d
                for d in self._deliveries
                if d.done
                and not d.delivered
                and d.attempts
                and (d.connect.client_key if d.connect else None) == client_key
            ]
            config_url = self._config.url if self._config else ""
            out = [
                {
                    "id": d.identifier,
                    "body": d.body.decode(),
                    "url": d.connect.url if d.connect else config_url,
                    "failureTime": int(d.attempts[-1]["at"] * 1000),
                }
                for d in failed
            ]
        return sorted(out, key=lambda f: f["failureTime"])

    # worker (``DeliveryWorker``) ---------------------------------------------------------------------------
    def next_attempt(self, delivery: Delivery) -> Attempt | None:
        config = self._config
        if config is None and delivery.connect is None:
            return None
        retry = delivery.retry + len(delivery.attempts)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": delivery.identifier,
            "X-Atlassian-Webhook-Retry": str(retry),
            "X-Atlassian-Webhook-Flow": "Primary" if retry == 0 else "Secondary",
        }
        delays = config.retry_delays if config is not None else DEFAULT_RETRY_DELAYS
        if delivery.connect is not None:
            headers["Authorization"] = f"JWT {delivery.connect.token()}"
            return Attempt(delivery.connect.url, headers, WebhookConfig.timeout, delays, {"retry": retry})
        assert config is not None
        if config.secret:
            headers["X-Hub-Signature"] = hub_signature(config.secret, delivery.body)
        return Attempt(config.url, headers, config.timeout, delays, {"retry": retry})
