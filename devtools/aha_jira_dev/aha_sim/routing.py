"""Request values, Aha!-shaped errors and the route table.

Aha! answers errors with a JSON body ``{"error": "<message>"}`` (the shape of the only error example in its
OpenAPI description); the simulator uses it for every 4xx and 5xx it makes itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TYPE_CHECKING, Any

from aha_jira_dev.simulation.routing import Response, RouteTable

if TYPE_CHECKING:
    from .core import Core
    from .state import ApiKey, User

__all__ = ["AhaError", "Request", "Response", "Route", "Router", "error_response"]

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def error_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"error": message}, headers=dict(headers or {}), content_type=JSON_CONTENT_TYPE)


class AhaError(Exception):
    """An error answered as ``{"error": message}`` with ``status``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        super().__init__(f"{status}: {message}")

    def response(self) -> Response:
        return error_response(self.status, self.message, self.headers)


def not_found(what: str, ref: str) -> AhaError:
    return AhaError(404, f"{what} '{ref}' not found")


def unprocessable(message: str) -> AhaError:
    return AhaError(422, message)


@dataclass
class Request:
    method: str
    path: str  # the full path, without the query
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    client: str = ""
    params: dict[str, str] = field(default_factory=dict)
    spec_path: str | None = None  # the OpenAPI path template of the matched route
    user: User | None = None
    api_key: ApiKey | None = None
    ignored: list[str] = field(default_factory=list)  # attributes of the body that were not applied
    _json: Any = None
    _parsed: bool = False

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").lower()

    def json(self) -> Any:
        if not self._parsed:
            try:
                self._json = json.loads(self.body) if self.body else None
            except (ValueError, UnicodeDecodeError) as exc:
                raise AhaError(400, "The request body is not valid JSON.") from exc
            self._parsed = True
        return self._json

    def json_object(self) -> dict[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise AhaError(400, "The request body must be a JSON object.")
        return data

    def wrapped(self, key: str) -> dict[str, Any]:
        """The object under ``key`` (``{"feature": {...}}``), as Rails' ``params.require(key)`` insists."""
        value = self.json_object().get(key)
        if not isinstance(value, dict) or not value:
            raise AhaError(400, f"param is missing or the value is empty: {key}")
        return value

    def q(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def q_int(self, name: str, default: int) -> int:
        raw = self.q(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise AhaError(400, f"The value '{raw}' is not valid for the parameter '{name}'.") from exc


Handler = Callable[["Core", Request], Response]


@dataclass
class Route:
    method: str
    pattern: re.Pattern[str]
    template: str  # relative to the API root, as in the OpenAPI description
    handler: Handler
    locked: bool = True  # run under the store's lock (not for routes that wait on something else)


class Router(RouteTable[Route]):
    """Routes paths under one prefix (``/api/v1`` or ``/_sim``); templates use ``{name}`` segments."""

    def add(self, method: str, template: str, handler: Handler, *, locked: bool = True) -> None:
        regex = "^"
        for part in re.split(r"(\{[^}]+\})", template):
            regex += f"(?P<{part[1:-1]}>[^/]+)" if part.startswith("{") else re.escape(part)
        self.routes.append(Route(method, re.compile(regex + "/?$"), template, handler, locked))
