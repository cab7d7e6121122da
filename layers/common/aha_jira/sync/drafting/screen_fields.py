"""Fields the integration fills itself, found on an issue type's create screen by their schema: the story
points, the link back to the roadmap and Epic Name (older Jira)."""

from __future__ import annotations

from aha_jira.models.jira_payloads import CreateMetaField
from aha_jira.models.jira_snapshot import JiraSnapshot

__all__ = ["EPIC_NAME_TYPE", "roadmap_link_field", "story_points_field"]

_GREENHOPPER = "com.pyxis.greenhopper.jira:"
_CUSTOM = "com.atlassian.jira.plugin.system.customfieldtypes:"
STORY_POINTS_TYPES = (_GREENHOPPER + "jsw-story-points",)
STORY_POINTS_FLOAT = _CUSTOM + "float"
STORY_POINTS_NAMES = frozenset({"story points", "story point estimate"})
URL_TYPE = _CUSTOM + "url"
EPIC_NAME_TYPE = _GREENHOPPER + "gh-epic-label"


def story_points_field(snapshot: JiraSnapshot, screen: dict[str, CreateMetaField]) -> str | None:
    """The story-points field on this create screen: Jira Software's own type first, then a number field
    named like it (team-managed and older company-managed projects)."""
    candidates: dict[str, tuple[str, str | None]] = {
        item.id: (item.name, item.schema_.custom if item.schema_ else None) for item in snapshot.fields
    }
    for field_id, meta in screen.items():
        candidates.setdefault(field_id, (meta.name, meta.schema_.custom))
    ranked: list[tuple[int, str]] = []
    for field_id, (name, custom) in candidates.items():
        if field_id not in screen:
            continue
        if custom in STORY_POINTS_TYPES:
            ranked.append((0, field_id))
        elif custom == STORY_POINTS_FLOAT and name.strip().casefold() in STORY_POINTS_NAMES:
            ranked.append((1, field_id))
    return min(ranked)[1] if ranked else None


def roadmap_link_field(snapshot: JiraSnapshot, screen: dict[str, CreateMetaField]) -> str | None:
    """A URL custom field named like "Aha! Reference" on this create screen, for the link back."""
    candidates: dict[str, tuple[str, str | None]] = {
        item.id: (item.name, item.schema_.custom if item.schema_ else None) for item in snapshot.fields
    }
    for field_id, meta in screen.items():
        candidates.setdefault(field_id, (meta.name, meta.schema_.custom))
    found = sorted(
        field_id
        for field_id, (name, custom) in candidates.items()
        if field_id in screen and custom == URL_TYPE and "aha" in name.casefold()
    )
    return found[0] if found else None
