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
import queue
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt

from .auth import hub_signature, query_string_hash

RETRYABLE = frozenset({408, 409, 425, 429})


@dataclass
class WebhookConfig:
    url: str
    secret: str | None = None
    events: frozenset[str] | None = None  # None = every event
    retry_delays: tuple[float, ...] = (0.05, 0.2, 0.5)
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


DEFAULT_RETRY_DELAYS = (0.05, 0.2, 0.5)


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


class WebhookDispatcher:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: queue.Queue[tuple[int, Delivery] | None] = queue.Queue()
        self._config: WebhookConfig | None = None
        self._deliveries: list[Delivery] = []
        self._generation = 0
        self._loss: WebhookLoss | None = None
        self._dropped: list[dict[str, Any]] = []
        self._thread: threading.Thread | None = None

    # lifecycle ---------------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="jira-sim-webhooks", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def reset(self) -> None:
        with self._lock:
            self._generation += 1
            self._config = None
            self._deliveries.clear()
            self._loss = None
            self._dropped.clear()
            self._changed.notify_all()

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
        for delivery in queued:
            self._queue.put((generation, delivery))

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
        self._queue.put((generation, delivery))
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

    # worker -------------------------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            generation, delivery = item
            self._deliver(generation, delivery)

    def _deliver(self, generation: int, delivery: Delivery) -> None:
        retry = delivery.retry
        while True:
            with self._lock:
                config = self._config
                if generation != self._generation or (config is None and delivery.connect is None):
                    delivery.done = True
                    self._changed.notify_all()
                    return
            delays = config.retry_delays if config is not None else DEFAULT_RETRY_DELAYS
            status, error = self._post(config, delivery, retry)
            retryable = status is None or status in RETRYABLE or status >= 500
            attempt_number = len(delivery.attempts)
            with self._lock:
                if generation != self._generation:
                    return
                delivery.attempts.append(
                    {"retry": retry, "status": status, "error": error, "at": time.time()}
                )
                finished = not retryable or attempt_number >= len(delays)
                if finished:
                    delivery.done = True
                    delivery.delivered = status is not None and 200 <= status < 300
                self._changed.notify_all()
            if finished:
                return
            time.sleep(delays[attempt_number])
            retry += 1

    @staticmethod
    def _post(config: WebhookConfig | None, delivery: Delivery, retry: int) -> tuple[int | None, str | None]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Atlassian Webhook HTTP Client",
            "X-Atlassian-Webhook-Identifier": delivery.identifier,
            "X-Atlassian-Webhook-Retry": str(retry),
            "X-Atlassian-Webhook-Flow": "Primary" if retry == 0 else "Secondary",
        }
        if delivery.connect is not None:
            url = delivery.connect.url
            headers["Authorization"] = f"JWT {delivery.connect.token()}"
            timeout = WebhookConfig.timeout
        else:
            assert config is not None
            url = config.url
            timeout = config.timeout
            if config.secret:
                headers["X-Hub-Signature"] = hub_signature(config.secret, delivery.body)
        request = urllib.request.Request(url, data=delivery.body, headers=headers, method="POST")  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
                resp.read()
                return int(resp.status), None
        except urllib.error.HTTPError as exc:
            exc.read()
            return int(exc.code), None
        except (OSError, urllib.error.URLError) as exc:
            return None, type(exc).__name__
