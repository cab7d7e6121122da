"""Request/response values, Jira-shaped errors and the route table."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any

from aha_jira_dev.simulation.routing import Response, RouteTable

__all__ = [
    "INVALID_PAYLOAD",
    "ISSUE_NOT_FOUND",
    "JiraError",
    "Request",
    "Response",
    "Route",
    "Router",
    "not_found",
]

if TYPE_CHECKING:
    from .core import Core
    from .state import User
    from .uploads import Upload


class JiraError(Exception):
    """An error answered with Jira's body ``{"errorMessages": [...], "errors": {...}}``."""

    def __init__(
        self,
        status: int,
        messages: list[str] | tuple[str, ...] | str = (),
        errors: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        self.errors = dict(errors or {})
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {self.messages} {self.errors}")

    def body(self) -> dict[str, Any]:
        return {"errorMessages": self.messages, "errors": self.errors}

    def response(self) -> Response:
        return Response(self.status, self.body(), headers=self.headers)


def not_found(message: str) -> JiraError:
    return JiraError(404, message)


ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."


@dataclass
class Request:
    method: str
    path: str  # the path without query, as received (percent-encoding kept)
    raw_query: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    api_version: int = 3
    user: User | None = None
    auth_kind: str = "none"
    spec_path: str | None = None  # the OpenAPI path template of the matched route
    upload: Upload | None = None  # an attachment upload, streamed to disk before the request is handled
    _json: Any = None
    _json_parsed: bool = False

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").lower()

    def json(self) -> Any:
        if not self._json_parsed:
            if not self.body:
                self._json = None
            else:
                try:
                    self._json = json.loads(self.body)
                except (ValueError, UnicodeDecodeError) as exc:
                    raise JiraError(400, INVALID_PAYLOAD) from exc
            self._json_parsed = True
        return self._json

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise JiraError(400, INVALID_PAYLOAD)
        return data

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def q_int(self, name: str, default: int) -> int:
        raw = self.q(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise JiraError(400, f"The value '{raw}' is not valid for the parameter '{name}'.") from exc

    def q_bool(self, name: str, default: bool = False) -> bool:
        raw = self.q(name)
        if raw is None:
            return default
        return raw.lower() == "true"

    def q_list(self, name: str) -> list[str] | None:
        """A list parameter given as repeated values and/or comma-separated values; None when absent."""
        values = self.query.get(name)
        if values is None:
            return None
        out: list[str] = []
        for v in values:
            out.extend(x.strip() for x in v.split(",") if x.strip())
        return out


Handler = Callable[["Core", Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str
    handler: Handler
    auth: bool = True
    anonymous_ok: bool = False
    spec_path: str | None = None


class Router(RouteTable[Route]):
    """Routes Jira REST paths. ``{v}`` in a template matches the API version segment (2, 3 or latest)."""

    def add(
        self, method: str, template: str, handler: Handler, *, auth: bool = True, anonymous_ok: bool = False
    ) -> None:
        regex = "^"
        for part in re.split(r"(\{[^}]+\})", template):
            if part == "{v}":
                regex += r"(?P<v>2|3|latest)"
            elif part.startswith("{"):
                regex += f"(?P<{part[1:-1]}>[^/]+)"
            else:
                regex += re.escape(part)
        regex += "/?$"
        spec_path = template.replace("{v}", "3") if template.startswith("/rest/api/{v}/") else None
        self.routes.append(Route(method, re.compile(regex), template, handler, auth, anonymous_ok, spec_path))
