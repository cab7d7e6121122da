"""A comment that crossed between Jira and the roadmap, as the integration remembers it: one item per comment
per side (`storage/comment_links.py`), never inside the issue-link item (DynamoDB caps an item at 400 KB, and
an issue can carry thousands of comments).

A pair is two items, one keyed by the Jira comment's id and one by the roadmap comment's, so that either side's
webhook finds the other side's copy with one read. `origin` is the side the comment was written on: only that
side's edits and deletions are carried (the copy is the integration's own comment on the other side, and a
change to it there is an echo or not ours to carry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Side = Literal["jira", "roadmap"]


def other(side: Side) -> Side:
    return "roadmap" if side == "jira" else "jira"


@dataclass(frozen=True)
class CommentLink:
    integration_id: str
    reference: str  # the roadmap record the comment is on
    side: Side  # whose id `comment_id` is
    comment_id: str
    origin: Side  # where the comment was written
    peer_id: str | None = None  # its copy on the other side, once written there
    # The newest version of the comment carried across (its origin's clock, epoch ms): an older delivery
    # never overwrites a newer body.
    version: int = 0
    deleted: bool = False  # deleted on its origin side (a tombstone: a late create or edit is not replayed)
    # A write to the other side whose answer may have been lost: the marker to look for before writing again.
    intent: str | None = None
    claim_until: float = 0.0  # one writer at a time per comment (a roadmap comment from two deliveries)
    digest: str | None = None  # what the copy was last written from (a repeated body changes nothing)

    def changed(self, **values: object) -> CommentLink:
        return replace(self, **values)  # type: ignore[arg-type]

    def mirror(self) -> CommentLink | None:
        """The item keyed by the peer's id, pointing back here (None before the copy exists)."""
        if self.peer_id is None:
            return None
        return CommentLink(
            integration_id=self.integration_id,
            reference=self.reference,
            side=other(self.side),
            comment_id=self.peer_id,
            origin=self.origin,
            peer_id=self.comment_id,
            version=self.version,
            deleted=self.deleted,
        )
