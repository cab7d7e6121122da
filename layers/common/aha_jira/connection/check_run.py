"""How test connection runs its checks: each Jira read is a step, and a step that fails becomes a problem
with the contract's code, message and hint (never an exception the user cannot act on)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aha_jira.jira.errors import (
    JiraAuthFailed,
    JiraError,
    JiraForbidden,
    JiraNotFound,
    JiraRateLimited,
    JiraUnavailable,
    JiraUnreachable,
    NotJira,
    SiteNotAllowed,
)
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.jira_payloads import IssueLinkTypeRef, ProjectRef
from aha_jira.models.test_report import Problem, ProblemCode

T = TypeVar("T")


class StopChecks(Exception):
    """A step failed in a way that makes the remaining steps meaningless."""


@dataclass
class CheckRun:
    integration: StoredIntegration
    problems: list[Problem] = field(default_factory=list)
    # Loaded for the report's lists even when the test stops or the mapping does not need them.
    projects: list[ProjectRef] = field(default_factory=list)
    link_types: list[IssueLinkTypeRef] = field(default_factory=list)

    def problem(
        self, code: ProblemCode, message: str, hint: str, *, severity: str = "error", **context: Any
    ) -> None:
        self.problems.append(
            Problem(
                code=code,
                severity="warning" if severity == "warning" else "error",
                message=message,
                hint=hint,
                context=context,
            )
        )

    def jira_failure(self, error: JiraError, doing: str) -> None:
        """A Jira error as a problem, in the contract's codes."""
        if isinstance(error, JiraAuthFailed):
            self.problem("auth_failed", error.message, error.hint or "Check the credentials.")
        elif isinstance(error, JiraUnreachable | SiteNotAllowed):
            code = error.code if error.code in {"dns_failed", "tls_failed", "timeout"} else "site_unreachable"
            hint = error.hint or "Check jira.base_url."
            if code == "timeout":  # the transport's hint speaks of sends ("the work is retried")
                hint = (
                    "Check that jira.base_url is the address of the Jira site and that the site is up and "
                    "reachable from AWS, then test the connection again."
                )
            self.problem(code, error.message, hint)  # type: ignore[arg-type]
        elif isinstance(error, NotJira):
            self.problem("not_jira", error.message, error.hint or "Check that jira.base_url is a Jira site.")
        elif isinstance(error, JiraForbidden):
            self.problem(
                "permission_missing",
                f"Jira refused to let the integration's account {doing}.",
                "Give the account the Browse projects permission in the project, or use an account that has it.",
            )
        elif isinstance(error, JiraRateLimited | JiraUnavailable):
            self.problem(
                "site_unreachable",
                f"Jira could not {doing} just now ({error.message}).",
                "This is on Jira's side; test the connection again in a minute.",
            )
        else:
            self.problem(
                "not_jira",
                f"Jira answered unexpectedly while trying to {doing}: {error.message}",
                "Check jira.base_url.",
            )

    def step(
        self, doing: str, call: Callable[[], T], *, stop: bool = False, optional: bool = False
    ) -> T | None:
        """Run one Jira read; a failure becomes a problem. `optional` reads (endpoints older Data
        Center versions lack) answer None on 404 without a problem."""
        try:
            return call()
        except JiraError as error:
            if optional and isinstance(error, JiraNotFound):
                return None
            self.jira_failure(error, doing)
            if stop:
                raise StopChecks from None
            return None
