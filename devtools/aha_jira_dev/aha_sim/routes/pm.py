"""Acting as a product manager in Aha!'s UI (``/_sim/pm/...``, ``AhaSimulator.pm``, ``AhaSimulatorClient.pm``).

Each action changes the account the way an edit in Aha! does and fires the webhooks (both formats) with the
product manager as the user. Bodies use the API's attribute names, with two conveniences: ``status``
(a status name) for ``workflow_status`` and ``assignee`` (an e-mail) for ``assigned_to_user``; ``"as"``
names another acting user by e-mail. Unknown keys are a 400 here (this is a test tool: a typo must fail).

| method & path | body | answer |
|---|---|---|
| ``POST /_sim/pm/features`` | ``{"release", "name", "description"?, "status"?, "tags"?, "requirements"?: [{...}]}`` | 201 feature |
| ``PUT /_sim/pm/features/{ref}`` | any of ``name, description, status, tags, release, assignee, epic, initiative, start_date, due_date, original_estimate(_text), remaining_estimate(_text), custom_fields, workflow_kind`` | 200 feature |
| ``DELETE /_sim/pm/features/{ref}`` | | 204 |
| ``POST /_sim/pm/features/{ref}/requirements`` | ``{"name", "description"?, "status"?, "tags"?}`` | 201 requirement |
| ``PUT /_sim/pm/requirements/{ref}`` | as for a feature (requirement attributes) | 200 requirement |
| ``DELETE /_sim/pm/requirements/{ref}`` | | 204 |
| ``POST /_sim/pm/features/{ref}/comments``, ``.../requirements/{ref}/comments`` | ``{"body"}`` | 201 comment |
| ``PUT /_sim/pm/comments/{id}`` · ``DELETE /_sim/pm/comments/{id}`` | ``{"body"}`` · none | 200 comment · 204 |
| ``POST /_sim/pm/features/{ref}/attachments``, ``.../requirements/{ref}/attachments`` | ``{"file_name", "content_type"?, "text"? or "content_base64"?, "in_description"?}`` | 201 attachment |
| ``POST /_sim/pm/features/{ref}/send`` | ``{"event"?: "create_feature"|"update_feature"}`` | 200 ``{"event"}`` |
| ``PUT /_sim/pm/releases/{ref}`` | ``{"name"?, "release_date"?, "start_date"?, "released"?}`` | 200 release |
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from ..attributes import FEATURE_ONLY, RECORD_ATTRIBUTES, REQUIREMENT_ONLY
from ..core import ok
from ..routing import AhaError, Handler, Request, Response, Router, not_found
from ..state import Feature, Requirement

if TYPE_CHECKING:
    from ..core import Core

ALIASES = {"status": "workflow_status", "assignee": "assigned_to_user"}


def _attributes(body: dict[str, Any], allowed: frozenset[str], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for key, given in body.items():
        if key in ("as", *skip):
            continue
        name = ALIASES.get(key, key)
        if name not in allowed:
            raise AhaError(400, f"unknown attribute {key!r} (allowed: {sorted(allowed | set(ALIASES))})")
        if name == "workflow_status" and isinstance(given, str):
            attrs[name] = {"name": given}
        elif name == "assigned_to_user" and isinstance(given, str):
            attrs[name] = {"email": given}
        else:
            attrs[name] = given
    return attrs


def _record(core: Core, kind: str, ref: str) -> Feature | Requirement:
    found = core.store.feature(ref) if kind == "features" else core.store.requirement(ref)
    if found is None:
        raise not_found("Feature" if kind == "features" else "Requirement", ref)
    record: Feature | Requirement = found
    return record


FEATURE_KEYS = RECORD_ATTRIBUTES | FEATURE_ONLY
REQUIREMENT_KEYS = RECORD_ATTRIBUTES | REQUIREMENT_ONLY


# actions (shared by the routes and the Python API) -----------------------------------------------------
def create_feature(core: Core, body: dict[str, Any]) -> dict[str, Any]:
    release_ref = body.get("release")
    release = core.store.release(str(release_ref)) if release_ref else None
    if release is None:
        raise AhaError(400, f"release {release_ref!r} not found")
    requirements = body.get("requirements") or []
    if not isinstance(requirements, list) or not all(isinstance(r, dict) for r in requirements):
        raise AhaError(400, "requirements must be a list of objects")
    attrs = _attributes(body, FEATURE_KEYS - {"release"}, skip=("release", "requirements"))
    planned = [_attributes(r, REQUIREMENT_KEYS) for r in requirements]
    feature, _ = core.ops.create_feature(release, attrs, core.pm_actor(body.get("as")), planned)
    return core.renderer().feature(feature)


def edit_record(core: Core, kind: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    record = _record(core, kind, ref)
    allowed = FEATURE_KEYS if isinstance(record, Feature) else REQUIREMENT_KEYS
    core.ops.update_record(record, _attributes(body, allowed), core.pm_actor(body.get("as")))
    renderer = core.renderer()
    return renderer.feature(record) if isinstance(record, Feature) else renderer.requirement(record)


def delete_record(core: Core, kind: str, ref: str, body: dict[str, Any]) -> None:
    core.ops.delete_record(_record(core, kind, ref), core.pm_actor(body.get("as")))


def add_requirement(core: Core, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    feature = _record(core, "features", ref)
    assert isinstance(feature, Feature)
    requirement, _ = core.ops.create_requirement(
        feature, _attributes(body, REQUIREMENT_KEYS), core.pm_actor(body.get("as"))
    )
    return core.renderer().requirement(requirement)


def add_comment(core: Core, kind: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    record = _record(core, kind, ref)
    comment = core.ops.add_comment(record, body.get("body"), core.pm_actor(body.get("as")))
    return core.renderer().comment(comment)


def edit_comment(core: Core, comment_id: str, body: dict[str, Any]) -> dict[str, Any]:
    comment = core.store.comment(comment_id)
    if comment is None:
        raise not_found("Comment", comment_id)
    core.ops.edit_comment(comment, body.get("body"), core.pm_actor(body.get("as")))
    return core.renderer().comment(comment)


def delete_comment(core: Core, comment_id: str, body: dict[str, Any]) -> None:
    comment = core.store.comment(comment_id)
    if comment is None:
        raise not_found("Comment", comment_id)
    core.ops.delete_comment(comment, core.pm_actor(body.get("as")))


def add_attachment(core: Core, kind: str, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    record = _record(core, kind, ref)
    file_name = body.get("file_name")
    if not isinstance(file_name, str) or not file_name.strip() or "/" in file_name:
        raise AhaError(400, "file_name is required (a plain file name)")
    if "content_base64" in body:
        try:
            content = base64.b64decode(str(body["content_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise AhaError(400, "content_base64 is not valid base64") from exc
    else:
        content = str(body.get("text", "")).encode()
    attachment = core.ops.add_attachment(
        record,
        file_name,
        content,
        str(body.get("content_type") or "application/octet-stream"),
        in_description=bool(body.get("in_description", False)),
        actor=core.pm_actor(body.get("as")),
    )
    return core.renderer().attachment(attachment)


def send_feature(core: Core, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    feature = _record(core, "features", ref)
    assert isinstance(feature, Feature)
    event = core.ops.send_feature(feature, core.pm_actor(body.get("as")), body.get("event"))
    return {"event": event, "reference": feature.reference_num}


def edit_release(core: Core, ref: str, body: dict[str, Any]) -> dict[str, Any]:
    release = core.store.release(ref)
    if release is None:
        raise not_found("Release", ref)
    unknown = set(body) - {"name", "release_date", "start_date", "released", "as"}
    if unknown:
        raise AhaError(400, f"unknown release attributes {sorted(unknown)}")
    core.ops.update_release(release, body, core.pm_actor(body.get("as")))
    return core.renderer().release(release)


# routes --------------------------------------------------------------------------------------------------
def _body(req: Request) -> dict[str, Any]:
    return req.json_object() if req.body else {}


def _for_kind(kind: str) -> dict[str, Handler]:
    """The routes that exist for features and requirements alike."""

    def edit(core: Core, req: Request) -> Response:
        return ok(edit_record(core, kind, req.params["ref"], _body(req)))

    def delete(core: Core, req: Request) -> Response:
        delete_record(core, kind, req.params["ref"], _body(req))
        return Response(204)

    def comment(core: Core, req: Request) -> Response:
        return ok(add_comment(core, kind, req.params["ref"], _body(req)), 201)

    def attach(core: Core, req: Request) -> Response:
        return ok(add_attachment(core, kind, req.params["ref"], _body(req)), 201)

    return {"PUT": edit, "DELETE": delete, "POST comments": comment, "POST attachments": attach}


def _create_feature(core: Core, req: Request) -> Response:
    return ok(create_feature(core, _body(req)), 201)


def _add_requirement(core: Core, req: Request) -> Response:
    return ok(add_requirement(core, req.params["ref"], _body(req)), 201)


def _send(core: Core, req: Request) -> Response:
    return ok(send_feature(core, req.params["ref"], _body(req)))


def _edit_comment(core: Core, req: Request) -> Response:
    return ok(edit_comment(core, req.params["id"], _body(req)))


def _delete_comment(core: Core, req: Request) -> Response:
    delete_comment(core, req.params["id"], _body(req))
    return Response(204)


def _edit_release(core: Core, req: Request) -> Response:
    return ok(edit_release(core, req.params["ref"], _body(req)))


def register(router: Router) -> None:
    router.add("POST", "/_sim/pm/features", _create_feature)
    for kind in ("features", "requirements"):
        for key, handler in _for_kind(kind).items():
            method, _, tail = key.partition(" ")
            router.add(method, f"/_sim/pm/{kind}/{{ref}}" + (f"/{tail}" if tail else ""), handler)
    router.add("POST", "/_sim/pm/features/{ref}/requirements", _add_requirement)
    router.add("POST", "/_sim/pm/features/{ref}/send", _send)
    router.add("PUT", "/_sim/pm/comments/{id}", _edit_comment)
    router.add("DELETE", "/_sim/pm/comments/{id}", _delete_comment)
    router.add("PUT", "/_sim/pm/releases/{ref}", _edit_release)
