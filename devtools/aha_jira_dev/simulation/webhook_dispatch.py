"""The simulators' outgoing webhooks: deliveries queued in event order and POSTed by one background worker,
each attempt recorded, retried after ``retry_delays`` (fractions of a second, so tests stay fast) on
connection errors, timeouts, 408, 409, 425, 429 and 5xx. ``reset`` forgets every delivery, including the
ones still queued. A simulator says where and how each attempt goes (``next_attempt``)."""

from __future__ import annotations

import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

RETRYABLE = frozenset({408, 409, 425, 429})
DEFAULT_RETRY_DELAYS = (0.05, 0.2, 0.5)


class Delivered(Protocol):
    """A delivery: its body, its attempts so far, and whether it is finished (``done``) and succeeded."""

    body: bytes
    attempts: list[dict[str, Any]]
    done: bool
    delivered: bool

    def as_json(self, include_payload: bool = True) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Attempt:
    """Where and how the next attempt of a delivery goes; ``record`` is put first in the attempt's record."""

    url: str
    headers: dict[str, str]
    timeout: float
    retry_delays: tuple[float, ...]
    record: dict[str, Any] = field(default_factory=dict)


class DeliveryWorker[D: Delivered]:
    thread_name: ClassVar[str] = "sim-webhooks"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._queue: queue.Queue[tuple[int, D] | None] = queue.Queue()
        self._deliveries: list[D] = []
        self._generation = 0
        self._thread: threading.Thread | None = None

    # to be given by the simulator ---------------------------------------------------------------------
    def next_attempt(self, delivery: D) -> Attempt | None:
        """The delivery's next attempt (the caller holds the lock); None: it is no longer wanted (done)."""
        raise NotImplementedError

    # lifecycle ----------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _forget(self) -> None:
        """Forget every delivery; the ones still queued are dropped (the caller holds the lock)."""
        self._generation += 1
        self._deliveries.clear()
        self._changed.notify_all()

    def _enqueue(self, generation: int, deliveries: list[D]) -> None:
        """Hand deliveries recorded under ``generation`` to the worker (without the lock)."""
        for delivery in deliveries:
            self._queue.put((generation, delivery))

    # what was delivered --------------------------------------------------------------------------------
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

    def _deliver(self, generation: int, delivery: D) -> None:
        while True:
            with self._lock:
                attempt = self.next_attempt(delivery) if generation == self._generation else None
                if attempt is None:
                    delivery.done = True
                    self._changed.notify_all()
                    return
            status, error = post_json(attempt.url, delivery.body, attempt.headers, attempt.timeout)
            retryable = status is None or status in RETRYABLE or status >= 500
            with self._lock:
                if generation != self._generation:
                    return
                number = len(delivery.attempts)
                delivery.attempts.append(
                    {**attempt.record, "status": status, "error": error, "at": time.time()}
                )
                finished = not retryable or number >= len(attempt.retry_delays)
                if finished:
                    delivery.done = True
                    delivery.delivered = status is not None and 200 <= status < 300
                self._changed.notify_all()
            if finished:
                return
            time.sleep(attempt.retry_delays[number])


def post_json(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int | None, str | None]:
    """POST ``body``: (the status answered, None) or (None, the name of the error when none was)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (a URL a test configured)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:  # noqa: S310
            resp.read()
            return int(resp.status), None
    except urllib.error.HTTPError as exc:
        exc.read()
        return int(exc.code), None
    except (OSError, urllib.error.URLError) as exc:
        return None, type(exc).__name__
