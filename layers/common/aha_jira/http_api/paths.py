"""Path parameters: an id that cannot be one is a 404 (DESIGN.md), checked before the body is read."""

from __future__ import annotations

from aha_jira.errors import NotFound
from aha_jira.integrations.query import check_possible_id
from aha_jira.models.references import is_reference


def check_path_ids(integration_id: str, reference: str) -> None:
    """404 for an integration id or a roadmap reference outside its grammar, neither echoed."""
    check_possible_id(integration_id)
    if not is_reference(reference):
        raise NotFound(
            "No roadmap record has this reference: references are 1-64 letters, digits, '_', '.' or '-'.",
            hint="Use the record's reference_num, e.g. MOB-12.",
            code="feature_not_found",
        )
