"""Answers of the API that are built without a model of their own: the error shape every error takes
(`errors.AhaJiraError.to_body`, API Gateway's `GatewayResponses`), the integration log page
(`integration_log.reader.LogPage.to_body`) and a Connect lifecycle answer. The OpenAPI description
(`GET /openapi.json`) is generated from these models; tests check real answers against it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(description="Stable and machine-readable, e.g. invalid_body, integration_not_found.")
    message: str = Field(description="What went wrong, in the user's words.")
    hint: str = Field(description="What to change before trying again.")
    details: list[dict[str, Any]] = Field(
        default_factory=list,
        description=(
            "Present when there is more than one thing to say: every refused key of a body (`path`, `message`), "
            "or the Jira field a send was refused for (`field_id`, `field_name`, `issue_type`)."
        ),
    )


class ErrorAnswer(BaseModel):
    """Every error answer, the function's and API Gateway's own alike."""

    model_config = ConfigDict(extra="forbid")

    error: ErrorInfo


class LogEntry(BaseModel):
    """One integration action (docs/integration-log.md lists every field): the contract's keys, always
    present (null when the action has none), then the action's own fields."""

    model_config = ConfigDict(extra="allow")

    timestamp: str
    integration_id: str | None
    action: str | None
    outcome: str | None
    reference: str | None
    jira_key: str | None
    message: str | None
    hint: str | None


class IntegrationLogPage(BaseModel):
    """Answer of `GET /integrations/{id}/log`: newest first; `next` asks for the page after this one."""

    entries: list[LogEntry]
    next: str | None


class ConnectLifecycleAnswer(BaseModel):
    """Our answer to a Connect `installed` or `uninstalled` callback."""

    client_key: str
    state: Literal["installed", "uninstalled"]
