"""A roadmap comment on a linked record, on its way to Jira (DESIGN.md "Two-way content"): the body of
`POST /integrations/{id}/features/{reference}/comments` (the roadmap application's own comment, or one Aha!'s
webhook named and the retry worker read from Aha!), and the answer.

Posting the same `id` again carries an edit (the newer `updated_at` wins when both are given); `DELETE
.../comments/{comment_id}` carries its deletion.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from aha_jira.models.limits import (
    MAX_ID_LENGTH,
    Description,
    RecordName,
    ShortText,
)

# Aha!'s comment ids are numbers; another roadmap's ids are keys of the same kind as references.
COMMENT_ID_PATTERN = rf"^[A-Za-z0-9][A-Za-z0-9_.:-]{{0,{MAX_ID_LENGTH - 1}}}$"

CommentId = Annotated[str, StringConstraints(pattern=COMMENT_ID_PATTERN)]
"""A roadmap comment's id: a storage key part and a path segment."""


class RoadmapCommentBody(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    id: CommentId
    body: Annotated[Description, StringConstraints(min_length=1)]  # HTML
    author: RecordName | None = None  # who wrote it in the roadmap: named in Jira
    created_at: ShortText | None = None
    updated_at: ShortText | None = None  # ISO 8601: an older edit than the one carried is not applied


CommentOutcome = Literal["created", "updated", "unchanged", "deleted", "stale", "echo"]


class JiraCommentRef(BaseModel):
    key: str | None
    comment_id: str | None


class CommentSynced(BaseModel):
    """What became of a roadmap comment: `created` / `updated` / `deleted` in Jira, `unchanged` (Jira has this
    body), `stale` (an older edit than the one carried, or a comment deleted before), `echo` (the comment is
    the integration's own copy of a Jira comment: nothing goes back)."""

    outcome: CommentOutcome
    reference: str
    comment_id: str
    jira: JiraCommentRef
    reason: str
