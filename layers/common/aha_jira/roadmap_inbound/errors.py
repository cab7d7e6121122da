"""Reading a feature from Aha! for a send failed: the Aha! client's error types as answers of our own, with
an honest status (DESIGN.md "Errors"): the configuration (422: the key refused, the address not allowed),
the feature (404: not in Aha!; 422: not one a send can carry), or Aha! itself (502 refused or garbled, 503
rate limited, 504 too slow). Never a 500: none of these is our failure."""

from __future__ import annotations

from aha_jira.aha.errors import (
    AhaAuthFailed,
    AhaError,
    AhaForbidden,
    AhaNotFound,
    AhaRateLimited,
    AhaSiteNotAllowed,
    AhaUnreachable,
)
from aha_jira.errors import AhaJiraError


class RoadmapReadFailed(AhaJiraError):
    """The feature could not be read from Aha!; `status` says whose side the cause is on."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        hint: str,
        transient: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint, code=code)
        self.status = status
        # Trying again later may succeed (Aha! down, slow or rate limiting): a queued send retries it, not
        # sooner than Aha!'s Retry-After.
        self.transient = transient
        self.retry_after = retry_after


def read_failure(error: AhaError, reference: str) -> RoadmapReadFailed:
    """`error`, met reading the feature `reference` from Aha!, as the answer to give."""
    doing = f"Reading {reference} from Aha! failed"
    if isinstance(error, AhaNotFound):
        return RoadmapReadFailed(
            f"Aha! has no feature '{reference}'.",
            status=404,
            code="roadmap_feature_not_found",
            hint="Check the reference: a feature's (such as PROD-12), not a requirement's, that the API key's "
            "user can see in Aha!.",
        )
    if isinstance(error, AhaAuthFailed | AhaForbidden):
        return RoadmapReadFailed(
            f"{doing}: {error.message}", status=422, code="roadmap_auth_failed", hint=error.hint
        )
    if isinstance(error, AhaSiteNotAllowed):
        return RoadmapReadFailed(
            f"{doing}: {error.message}", status=422, code="roadmap_site_not_allowed", hint=error.hint
        )
    if isinstance(error, AhaRateLimited):
        wait = f" Try again in {error.retry_after:.0f} s." if error.retry_after else " Try again shortly."
        return RoadmapReadFailed(
            f"{doing}: Aha! is rate limiting this API key (300 requests a minute).",
            status=503,
            code="roadmap_rate_limited",
            hint=f"Aha!'s limit is shared by everything using the key.{wait}",
            transient=True,
            retry_after=error.retry_after,
        )
    if isinstance(error, AhaUnreachable) and error.reason == "timeout":
        return RoadmapReadFailed(
            f"{doing}: {error.message}",
            status=504,
            code="roadmap_timeout",
            hint="Aha! is slow or unreachable just now; try again, or send the feature with a body.",
            transient=True,
        )
    hint = (
        error.hint
        if not error.transient
        else (
            "Check that roadmap.base_url is the Aha! account's address and that Aha! is up, then try again "
            "(or send the feature with a body)."
        )
    )
    return RoadmapReadFailed(
        f"{doing}: {error.message}",
        status=502,
        code=error.code if error.code.startswith("roadmap_") else "roadmap_unreachable",
        hint=hint,
        transient=error.transient,
        retry_after=getattr(error, "retry_after", None),
    )


def feature_unusable(reference: str, problem: str) -> RoadmapReadFailed:
    """The feature Aha! answered is not one a send can carry (a name over Jira's limit, a repeated
    requirement reference...): the fix is in Aha!."""
    return RoadmapReadFailed(
        f"The feature {reference} in Aha! cannot be sent: {problem}.",
        status=422,
        code="roadmap_feature_invalid",
        hint="Change it in Aha! (or send the feature with a body of your own), then send again.",
    )
