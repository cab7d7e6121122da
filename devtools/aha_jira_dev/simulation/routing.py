"""The response value every route answers, and the matching of a request against a route table."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json;charset=UTF-8"
    file: Path | None = None  # a body streamed from disk (attachment content)

    def payload(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":")).encode()


class Routed(Protocol):
    @property
    def method(self) -> str: ...

    @property
    def pattern(self) -> re.Pattern[str]: ...


class RouteTable[R: Routed]:
    """Routes in the order added; the first whose pattern and method match wins."""

    def __init__(self) -> None:
        self.routes: list[R] = []

    def match(self, method: str, path: str) -> tuple[R | None, dict[str, str], bool]:
        """(route, params, path_exists): path_exists tells a wrong method (405) from an unknown path (404)."""
        path_exists = False
        for route in self.routes:
            m = route.pattern.match(path)
            if not m:
                continue
            path_exists = True
            if route.method == method:
                return route, {k: unquote(v) for k, v in m.groupdict().items() if v is not None}, True
        return None, {}, path_exists
