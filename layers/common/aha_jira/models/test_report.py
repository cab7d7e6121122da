"""The answer of test connection: `ok`, the problems found (each with what to change), and a summary."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

ProblemCode = Literal[
    "auth_failed",
    "site_unreachable",
    "dns_failed",
    "tls_failed",
    "timeout",
    "not_jira",
    "project_not_found",
    "issue_type_not_found",
    "subtasks_disabled",
    "link_type_missing",
    "linking_disabled",
    "required_field_unmapped",
    "permission_missing",
    "status_unmapped",
    # The roadmap connector (`roadmap` block; connection/roadmap_check.py).
    "roadmap_auth_failed",
    "roadmap_unreachable",
    "roadmap_product_not_found",
    "roadmap_status_unknown",
    "roadmap_integration_not_found",
]


class Problem(BaseModel):
    code: ProblemCode
    severity: Literal["error", "warning"] = "error"
    message: str
    hint: str
    # Machine-readable detail for clients (field id, issue type, permission key...).
    context: dict[str, Any] = Field(default_factory=dict)


class TestReport(BaseModel):
    __test__ = False  # not a pytest test class, despite the name

    ok: bool
    problems: list[Problem]
    jira: dict[str, Any]
    tested_at: str
    jira_calls: int
    # What was checked of the roadmap (`{"type": "none"}` when there is none) and the calls it took.
    roadmap: dict[str, Any] = Field(default_factory=lambda: {"type": "none"})
    roadmap_calls: int = 0
