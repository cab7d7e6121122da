"""Aha!'s request limit: 300 requests a minute per source, 429 beyond it.

The simulator counts per API key (per client address for requests without a valid-looking key) in fixed
windows that open with a source's first request. Every API answer carries ``X-Ratelimit-Limit``,
``X-Ratelimit-Remaining`` and ``X-Ratelimit-Reset`` (Unix seconds when the window closes); a refused
request gets 429 ``{"error": "Rate limit exceeded"}`` with ``Retry-After`` (whole seconds until the window
closes, at least 1, or the configured ``retry_after``). Refused requests do not count. Tests shrink
``limit`` and ``window`` instead of sleeping a minute.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

DEFAULT_LIMIT = 300
DEFAULT_WINDOW = 60.0


@dataclass
class _Window:
    opened: float
    count: int = 0


@dataclass
class Verdict:
    allowed: bool
    headers: dict[str, str]


class RateLimiter:
    def __init__(self, limit: int | None = DEFAULT_LIMIT, window: float = DEFAULT_WINDOW) -> None:
        self._lock = threading.Lock()
        self._initial = (limit, window)
        self.limit = limit
        self.window = window
        self.retry_after: int | None = None
        self._windows: dict[str, _Window] = {}

    def configure(
        self, *, limit: int | None, window: float | None = None, retry_after: int | None = None
    ) -> None:
        """``limit`` None switches limiting off; ``retry_after`` fixes the 429's ``Retry-After``."""
        if limit is not None and limit < 1:
            raise ValueError("limit must be at least 1 (or null: no limit)")
        if window is not None and window <= 0:
            raise ValueError("window must be positive")
        with self._lock:
            self.limit = limit
            if window is not None:
                self.window = float(window)
            self.retry_after = retry_after
            self._windows.clear()

    def settings(self) -> dict[str, float | int | None]:
        return {"limit": self.limit, "window": self.window, "retry_after": self.retry_after}

    def reset(self) -> None:
        """Back to the settings the simulator was started with, every window closed."""
        with self._lock:
            (self.limit, self.window), self.retry_after = self._initial, None
            self._windows.clear()

    def check(self, source: str) -> Verdict:
        now = time.monotonic()
        with self._lock:
            if self.limit is None:
                return Verdict(True, {})
            current = self._windows.get(source)
            if current is None or now - current.opened >= self.window:
                current = self._windows[source] = _Window(now)
            closes_in = current.opened + self.window - now
            headers = {
                "X-Ratelimit-Limit": str(self.limit),
                "X-Ratelimit-Reset": str(math.ceil(time.time() + closes_in)),
            }
            if current.count >= self.limit:
                headers["X-Ratelimit-Remaining"] = "0"
                wait = self.retry_after if self.retry_after is not None else max(1, math.ceil(closes_in))
                headers["Retry-After"] = str(wait)
                return Verdict(False, headers)
            current.count += 1
            headers["X-Ratelimit-Remaining"] = str(self.limit - current.count)
            return Verdict(True, headers)
