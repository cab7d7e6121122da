"""Route tables: the Jira REST API (``register_api``) and the simulator's control API (``register_control``)."""

from __future__ import annotations

from ..routing import Router
from . import bulk, comments, control, control_content, issues, meta, search, worklogs


def register_api(router: Router) -> None:
    # Order matters: literal paths (createmeta, bulk, search) before the {issueIdOrKey} catch-alls.
    meta.register(router)
    search.register(router)
    bulk.register(router)
    worklogs.register(router)
    comments.register(router)
    issues.register(router)


def register_control(router: Router) -> None:
    control.register(router)
    control_content.register(router)
