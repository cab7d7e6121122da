"""What Jira issue a roadmap feature or requirement becomes: the create body, the edit body, and a hash.

Drafting is deterministic and makes no HTTP call itself: everything comes from the record, the
integration's mapping and the Jira snapshot test connection stored. The two answers it cannot know
(a release's version id, a user's Jira identity) come through `DraftLookups`.

Rules (the create screen of the issue type decides, as in Aha!'s original createmeta-driven integration):
- a field is sent only when it is on the type's create screen, except project, issue type and summary;
  the edit body holds the same managed fields (the create screen stands in for the edit screen);
- labels and fix versions are only ever added on edit, so what someone added in Jira stays;
- `mapping.fields` wins over what the integration fills itself for the same field id;
- a mapping that cannot produce a value Jira takes is refused here (`DraftRefused`), before any write.

Callers use this package's names. Inside: `drafter.py` (the draft and the fields the integration fills
itself), `mapped_fields.py` (the mapping's fields), `screen_fields.py` (fields found by their schema),
`identity.py` (the stamp on a created issue, the content hash), `refusal.py` (`DraftRefused`).
"""

from __future__ import annotations

from .drafter import (
    DraftLookups,
    IssueDraft,
    RecordContext,
    RecordKind,
    draft_epic,
    draft_feature,
    draft_requirement,
)
from .identity import STAMP_PROPERTY, content_hash, stamp_property
from .refusal import DraftRefused

__all__ = [
    "STAMP_PROPERTY",
    "DraftLookups",
    "DraftRefused",
    "IssueDraft",
    "RecordContext",
    "RecordKind",
    "content_hash",
    "draft_epic",
    "draft_feature",
    "draft_requirement",
    "stamp_property",
]
