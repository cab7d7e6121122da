"""Features, requirements, releases, integration fields, time tracking events and comments
(``/api/v1/...``; the templates are the OpenAPI description's paths)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core import ok
from ..operations import Actor
from ..render import page_of
from ..routing import AhaError, Request, Response, Router, not_found
from ..state import Feature, Requirement

if TYPE_CHECKING:
    from ..core import Core


def actor(req: Request) -> Actor:
    assert req.user is not None and req.api_key is not None
    return Actor(req.user.id, "api", req.api_key.masked)


def feature_or_404(core: Core, ref: str) -> Feature:
    found = core.store.feature(ref)
    if found is None:
        raise not_found("Feature", ref)
    result: Feature = found
    return result


def requirement_or_404(core: Core, ref: str) -> Requirement:
    found = core.store.requirement(ref)
    if found is None:
        raise not_found("Requirement", ref)
    result: Requirement = found
    return result


def select_fields(full: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Aha!'s ``fields`` parameter: ``*`` for everything, or the named attributes (and ``id``)."""
    if fields is None or fields.strip() == "*":
        return full
    wanted = {f.strip() for f in fields.split(",") if f.strip()} | {"id"}
    return {k: v for k, v in full.items() if k in wanted}


def updated_since(req: Request) -> datetime | None:
    raw = req.q("updated_since")
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AhaError(400, f"updated_since {raw!r} is not an ISO 8601 timestamp") from exc


def _after(stamp: str, since: datetime | None) -> bool:
    return since is None or datetime.fromisoformat(stamp.replace("Z", "+00:00")) >= since


def paged(core: Core, req: Request, key: str, items: list[Any], render: Any, *, full: Any = None) -> Response:
    """One page (``page``, ``per_page``) of ``items``; with ``fields``, ``full`` renders each item."""
    chunk, pagination = page_of(items, req.q_int("page", 1), req.q_int("per_page", 30))
    fields = req.q("fields")
    if fields is not None and full is not None:
        rendered = [select_fields(full(i), fields) for i in chunk]
    else:
        rendered = [render(i) for i in chunk]
    return ok({key: rendered, "pagination": pagination})


# features ----------------------------------------------------------------------------------------------
def feature_get(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["id"])
    return ok({"feature": select_fields(core.renderer().feature(feature), req.q("fields"))})


def feature_put(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["id"])
    plan = core.ops.update_record(feature, req.wrapped("feature"), actor(req))
    req.ignored = plan.ignored
    return ok({"feature": core.renderer().feature(feature)})


def feature_create(core: Core, req: Request) -> Response:
    release = core.store.release(req.params["release_id"])
    if release is None:
        raise not_found("Release", req.params["release_id"])
    feature, plan = core.ops.create_feature(release, req.wrapped("feature"), actor(req))
    req.ignored = plan.ignored
    return ok({"feature": core.renderer().feature(feature)})


def release_features(core: Core, req: Request) -> Response:
    release = core.store.release(req.params["release_id"])
    if release is None:
        raise not_found("Release", req.params["release_id"])
    renderer = core.renderer()
    features = core.store.features_in(release_id=release.id)
    return paged(core, req, "features", features, renderer.feature_link, full=renderer.feature)


def product_features(core: Core, req: Request) -> Response:
    product = core.store.product(req.params["product_id"])
    if product is None:
        raise not_found("Product", req.params["product_id"])
    since = updated_since(req)
    tag = req.q("tag")
    features = [
        f
        for f in core.store.features_in()
        if f.product_id == product.id and _after(f.updated_at, since) and (tag is None or tag in f.tags)
    ]
    renderer = core.renderer()
    return paged(core, req, "features", features, renderer.feature_link, full=renderer.feature)


# requirements ------------------------------------------------------------------------------------------
def requirements_list(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    since = updated_since(req)
    items = [r for r in core.store.requirements_of(feature) if _after(r.updated_at, since)]
    renderer = core.renderer()
    return paged(core, req, "requirements", items, renderer.requirement)


def requirement_create(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    requirement, plan = core.ops.create_requirement(feature, req.wrapped("requirement"), actor(req))
    req.ignored = plan.ignored
    return ok({"requirement": core.renderer().requirement(requirement)})


def requirement_get(core: Core, req: Request) -> Response:
    requirement = requirement_or_404(core, req.params["id"])
    return ok({"requirement": select_fields(core.renderer().requirement(requirement), req.q("fields"))})


def requirement_put(core: Core, req: Request) -> Response:
    requirement = requirement_or_404(core, req.params["id"])
    plan = core.ops.update_record(requirement, req.wrapped("requirement"), actor(req))
    req.ignored = plan.ignored
    return ok({"requirement": core.renderer().requirement(requirement)})


# releases ----------------------------------------------------------------------------------------------
def release_get(core: Core, req: Request) -> Response:
    release = core.store.release(req.params["id"])
    if release is None:
        raise not_found("Release", req.params["id"])
    return ok({"release": core.renderer().release(release)})


def product_releases(core: Core, req: Request) -> Response:
    product = core.store.product(req.params["product_id"])
    if product is None:
        raise not_found("Product", req.params["product_id"])
    releases = sorted(
        (r for r in core.store.releases.values() if r.product_id == product.id), key=lambda r: r.position
    )
    renderer = core.renderer()
    return paged(core, req, "releases", releases, renderer.release_summary, full=renderer.release)


# integration fields ------------------------------------------------------------------------------------
def fields_create(core: Core, req: Request) -> Response:
    """``{"integration_field": {"name", "value"}}`` (the description's form) or ``{"integration_fields":
    [...]}`` (several at once, as Aha!'s guides show); answers the ids, as the description's example does."""
    feature = feature_or_404(core, req.params["feature_id"])
    integration = core.store.integration(feature.product_id, req.params["integration_id"])
    if integration is None:
        raise not_found("Integration", req.params["integration_id"])
    body = req.json_object()
    items: Any = body.get("integration_fields")
    if items is None:
        items = [req.wrapped("integration_field")]
    if not isinstance(items, list) or not items:
        raise AhaError(400, "param is missing or the value is empty: integration_field")
    pairs: list[tuple[str, str]] = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise AhaError(422, "Each integration field needs a name")
        value = item.get("value")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise AhaError(422, f"Integration field {item['name']!r} needs a string value")
        pairs.append((item["name"].strip(), str(value)))
    saved = core.ops.set_integration_fields(feature, integration, pairs, actor(req))
    return ok([int(f.id) for f in saved])


def field_get(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    integration = core.store.integration(feature.product_id, req.params["integration_id"])
    if integration is None:
        raise not_found("Integration", req.params["integration_id"])
    name = req.params["field_name"]
    found = next(
        (f for f in feature.integration_fields if f.integration_id == integration.id and f.name == name), None
    )
    if found is None:
        raise not_found("Integration field", name)
    renderer = core.renderer()
    return ok(
        {
            "integration_field": {
                **renderer.integration_field(found),
                "integratable": {
                    "url": renderer.url("features", feature.reference_num),
                    "resource": renderer.resource("features", feature.reference_num),
                },
            }
        }
    )


# time tracking -----------------------------------------------------------------------------------------
def time_feature(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    event = core.ops.log_time(feature, req.wrapped("time_tracking_event"), actor(req))
    return ok({"time_tracking_event": core.renderer().time_tracking_event(event)})


def time_requirement(core: Core, req: Request) -> Response:
    requirement = requirement_or_404(core, req.params["requirement_id"])
    event = core.ops.log_time(requirement, req.wrapped("time_tracking_event"), actor(req))
    return ok({"time_tracking_event": core.renderer().time_tracking_event(event)})


def time_delete(core: Core, req: Request) -> Response:
    event = core.store.time_events.get(req.params["id"])
    if event is None or event.deleted:
        raise not_found("Time tracking event", req.params["id"])
    core.ops.delete_time(event, actor(req))
    return Response(204)


# comments ----------------------------------------------------------------------------------------------
def feature_comments(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    renderer = core.renderer()
    return paged(core, req, "comments", core.store.comments_on("Feature", feature.id), renderer.comment)


def requirement_comments(core: Core, req: Request) -> Response:
    requirement = requirement_or_404(core, req.params["requirement_id"])
    renderer = core.renderer()
    comments = core.store.comments_on("Requirement", requirement.id)
    return paged(core, req, "comments", comments, renderer.comment)


def feature_comment_create(core: Core, req: Request) -> Response:
    feature = feature_or_404(core, req.params["feature_id"])
    comment = core.ops.add_comment(feature, req.wrapped("comment").get("body"), actor(req))
    return ok({"comment": core.renderer().comment(comment)})


def requirement_comment_create(core: Core, req: Request) -> Response:
    requirement = requirement_or_404(core, req.params["requirement_id"])
    comment = core.ops.add_comment(requirement, req.wrapped("comment").get("body"), actor(req))
    return ok({"comment": core.renderer().comment(comment)})


def _comment_or_404(core: Core, comment_id: str) -> Any:
    comment = core.store.comment(comment_id)
    if comment is None:
        raise not_found("Comment", comment_id)
    return comment


def comment_get(core: Core, req: Request) -> Response:
    return ok({"comment": core.renderer().comment(_comment_or_404(core, req.params["id"]))})


def comment_put(core: Core, req: Request) -> Response:
    comment = _comment_or_404(core, req.params["id"])
    core.ops.edit_comment(comment, req.wrapped("comment").get("body"), actor(req))
    return ok({"comment": core.renderer().comment(comment)})


def comment_delete(core: Core, req: Request) -> Response:
    core.ops.delete_comment(_comment_or_404(core, req.params["id"]), actor(req))
    return Response(204)


def register(router: Router) -> None:
    router.add("GET", "/features/{id}", feature_get)
    router.add("PUT", "/features/{id}", feature_put)
    router.add("GET", "/features/{feature_id}/requirements", requirements_list)
    router.add("POST", "/features/{feature_id}/requirements", requirement_create)
    router.add("POST", "/features/{feature_id}/integrations/{integration_id}/fields", fields_create)
    router.add("GET", "/features/{feature_id}/integrations/{integration_id}/fields/{field_name}", field_get)
    router.add("POST", "/features/{feature_id}/time_tracking_events", time_feature)
    router.add("GET", "/features/{feature_id}/comments", feature_comments)
    router.add("POST", "/features/{feature_id}/comments", feature_comment_create)
    router.add("GET", "/requirements/{id}", requirement_get)
    router.add("PUT", "/requirements/{id}", requirement_put)
    router.add("POST", "/requirements/{requirement_id}/time_tracking_events", time_requirement)
    router.add("GET", "/requirements/{requirement_id}/comments", requirement_comments)
    router.add("POST", "/requirements/{requirement_id}/comments", requirement_comment_create)
    router.add("DELETE", "/time_tracking_events/{id}", time_delete)
    router.add("GET", "/comments/{id}", comment_get)
    router.add("PUT", "/comments/{id}", comment_put)
    router.add("DELETE", "/comments/{id}", comment_delete)
    router.add("GET", "/releases/{id}", release_get)
    router.add("GET", "/releases/{release_id}/features", release_features)
    router.add("POST", "/releases/{release_id}/features", feature_create)
    router.add("GET", "/products/{product_id}/features", product_features)
    router.add("GET", "/products/{product_id}/releases", product_releases)
