"""Error types of the product. Each carries a code, a message in the user's words, a hint saying what
to change, and the HTTP status it becomes. Raised where the cause is known; turned into an HTTP
answer in one place (`aha_jira.http_api.errors`)."""

from __future__ import annotations

from typing import Any


class AhaJiraError(Exception):
    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        code: str | None = None,
        details: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        if code is not None:
            self.code = code
        self.details = details or []

    def to_body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "hint": self.hint}
        if self.details:
            error["details"] = self.details
        return {"error": error}


class InvalidRequest(AhaJiraError):
    status = 400
    code = "invalid_request"


class Unauthorized(AhaJiraError):
    status = 401
    code = "unauthorized"


class NotFound(AhaJiraError):
    status = 404
    code = "not_found"


class Conflict(AhaJiraError):
    status = 409
    code = "conflict"


class PayloadTooLarge(AhaJiraError):
    status = 413
    code = "payload_too_large"


class UnsupportedMediaType(AhaJiraError):
    status = 415
    code = "unsupported_media_type"
