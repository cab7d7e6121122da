"""A feature and its requirements read from Aha! as the send's own model (`models.feature.AhaFeature`).

One `GET /features/{reference}`: Aha! embeds the requirements in a feature's answer; only when an answer
has none embedded (no `requirements` key, or null) are they read apart, one paged `GET
/features/{reference}/requirements`. The whole answer is kept by the client (`document`) and validated as
the body a send takes, so a feature from Aha! and one posted to the send route are read alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import ValidationError

from aha_jira.aha.errors import AhaError
from aha_jira.models.feature import AhaFeature
from aha_jira.roadmap_inbound.errors import feature_unusable, read_failure

if TYPE_CHECKING:
    from aha_jira.aha.client import AhaClient


def fetch_feature(client: AhaClient, reference: str) -> AhaFeature:
    """The feature `reference` as Aha! has it now; `RoadmapReadFailed` when it cannot be read or sent."""
    try:
        found = client.feature(reference)
        document = dict(found.document)
        if document.get("requirements") is None:
            document["requirements"] = [item.document for item in client.feature_requirements(reference)]
    except AhaError as error:
        raise read_failure(error, reference) from None
    try:
        return AhaFeature.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        at = (first.get("ctx") or {}).get("at")
        where = ".".join(str(part) for part in (*first.get("loc", ()), *([at] if at else [])))
        message = str(first.get("msg", "invalid")).removeprefix("Value error, ")
        raise feature_unusable(reference, f"{where}: {message}" if where else message) from None
