"""The account around the records: the caller, products, workflows, integrations, epics and initiatives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import ok
from ..routing import Request, Response, Router, not_found
from ..state import Product
from .records import paged

if TYPE_CHECKING:
    from ..core import Core


def _product(core: Core, ref: str) -> Product:
    product = core.store.product(ref)
    if product is None:
        raise not_found("Product", ref)
    found: Product = product
    return found


def me(core: Core, req: Request) -> Response:
    assert req.user is not None
    return ok(core.renderer().me(req.user))


def product_get(core: Core, req: Request) -> Response:
    return ok({"product": core.renderer().product(_product(core, req.params["id"]))})


def product_workflows(core: Core, req: Request) -> Response:
    _product(core, req.params["product_id"])  # every product of the account shares the seeded workflows
    renderer = core.renderer()
    workflows = [renderer.workflow(w) for w in core.store.workflows.values()]
    return ok({"workflows": workflows})


def workflow_get(core: Core, req: Request) -> Response:
    raw = req.params["id"]
    workflow = core.store.workflows.get(int(raw)) if raw.isdigit() else None
    if workflow is None:
        raise not_found("Workflow", raw)
    return ok({"workflow": core.renderer().workflow(workflow)})


def product_integrations(core: Core, req: Request) -> Response:
    product = _product(core, req.params["product_id"])
    renderer = core.renderer()
    found = [i for i in core.store.integrations.values() if i.product_id == product.id]
    return paged(core, req, "integrations", found, renderer.integration_summary)


def product_integration(core: Core, req: Request) -> Response:
    product = _product(core, req.params["product_id"])
    integration = core.store.integration(product.id, req.params["integration_id"])
    if integration is None:
        raise not_found("Integration", req.params["integration_id"])
    return ok({"integration": core.renderer().integration(integration)})


def epic_get(core: Core, req: Request) -> Response:
    epic = core.store.epic(req.params["id"])
    if epic is None:
        raise not_found("Epic", req.params["id"])
    return ok({"epic": core.renderer().epic(epic)})


def epic_features(core: Core, req: Request) -> Response:
    epic = core.store.epic(req.params["epic_id"])
    if epic is None:
        raise not_found("Epic", req.params["epic_id"])
    renderer = core.renderer()
    features = core.store.features_in(epic_id=epic.id)
    return paged(core, req, "features", features, renderer.feature_link, full=renderer.feature)


def initiative_get(core: Core, req: Request) -> Response:
    initiative = core.store.initiative(req.params["id"])
    if initiative is None:
        raise not_found("Initiative", req.params["id"])
    return ok({"initiative": core.renderer().initiative(initiative)})


def audits(core: Core, req: Request) -> Response:
    """``GET /audits`` (``auditable_type``, ``auditable_id``, ``associated_type``, ``associated_id``)."""
    found = list(core.store.audits)
    for name in ("auditable_type", "auditable_id", "associated_type", "associated_id", "audit_action"):
        wanted = req.q(name)
        if wanted is not None:
            found = [a for a in found if str(getattr(a, name) or "").lower() == wanted.lower()]
    return paged(core, req, "audits", found, core.payloads().audit)


def register(router: Router) -> None:
    router.add("GET", "/me", me)
    router.add("GET", "/audits", audits)
    router.add("GET", "/products/{id}", product_get)
    router.add("GET", "/products/{product_id}/workflows", product_workflows)
    router.add("GET", "/products/{product_id}/integrations", product_integrations)
    router.add("GET", "/products/{product_id}/integrations/{integration_id}", product_integration)
    router.add("GET", "/workflows/{id}", workflow_get)
    router.add("GET", "/epics/{id}", epic_get)
    router.add("GET", "/epics/{epic_id}/features", epic_features)
    router.add("GET", "/initiatives/{id}", initiative_get)
