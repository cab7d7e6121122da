"""Route tables: Aha!'s REST API under ``/api/v1`` (``register_api``) and the control API (``register_control``)."""

from __future__ import annotations

from ..routing import Router
from . import account, control, pm, records


def register_api(router: Router) -> None:
    account.register(router)
    records.register(router)


def register_control(router: Router) -> None:
    control.register(router)
    pm.register(router)
