"""The control API under ``/_sim/`` (no authentication: a local test tool). Product-manager actions are in
``pm``; every other control endpoint is here.

| method & path | what it does |
|---|---|
| ``GET /_sim/info`` | base URL, API keys and their users, product, integration id, rate limit, OpenAPI load time |
| ``POST /_sim/reset`` | back to the seed: records, faults (and their random seed), rate windows, calls, webhooks |
| ``GET/POST/DELETE /_sim/webhooks`` | webhook targets; POST ``{"url", "format": "integration"|"activity", "events"?,
  "record_types"?, "api_changes"?, "retry_delays"?, "timeout"?}`` adds one; DELETE removes all |
| ``PUT /_sim/webhook`` | ``{"url", "formats"?: [...], ...}``: replace every target by one per format (default both) |
| ``GET/DELETE /_sim/webhook/deliveries`` | delivery records; ``?wait=N&timeout=S`` waits for N finished |
| ``GET/POST/DELETE /_sim/faults`` | fault rules (see ``faults``); ``PUT /_sim/faults/seed`` ``{"seed"}`` |
| ``GET/PUT /_sim/rate-limit`` | ``{"limit", "window", "retry_after"}`` (limit null: no limit) |
| ``GET/DELETE /_sim/calls`` | the call log (``?since=<seq>``) |
| ``POST /_sim/api-keys`` · ``DELETE /_sim/api-keys/{label}`` | ``{"label", "email", "key"?}`` adds a key · revoke |
| ``GET /_sim/features`` · ``/_sim/features/{ref}`` | features as the API shows them, plus ``comments`` and
  ``time_tracking_events`` |
| ``GET /_sim/requirements`` · ``/_sim/requirements/{ref}`` | the same for requirements |
| ``GET /_sim/releases`` · ``/_sim/comments`` · ``/_sim/time-tracking`` · ``/_sim/audits`` | the other records |
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from ..core import ok
from ..routing import AhaError, Request, Response, Router, not_found
from ..state import INTEGRATION_ID, ApiKey, Feature, RecordKind, Requirement
from ..webhooks import DEFAULT_RETRY_DELAYS, FORMATS, WebhookTarget

if TYPE_CHECKING:
    from ..core import Core


def _body(req: Request) -> dict[str, Any]:
    return req.json_object() if req.body else {}


def info(core: Core, req: Request) -> Response:
    store = core.store
    product = next(iter(store.products.values()))
    return ok(
        {
            "base_url": core.base_url,
            "api_url": f"{core.base_url}/api/v1",
            "api_keys": {
                k.label: {"key": k.key, "user_id": k.user_id, "email": store.users[k.user_id].email}
                for k in store.api_keys.values()
                if not k.revoked
            },
            "users": [{"id": u.id, "name": u.name, "email": u.email} for u in store.users.values()],
            "product": {"id": product.id, "reference_prefix": product.reference_prefix},
            "integration_id": INTEGRATION_ID,
            "rate_limit": core.limiter.settings(),
            "openapi_loaded": core.spec is not None,
            "openapi_load_seconds": round(core.spec.load_seconds, 3) if core.spec else None,
            "check_responses": core.check_responses,
        }
    )


def reset(core: Core, req: Request) -> Response:
    core.reset()
    return Response(204)


# webhooks ----------------------------------------------------------------------------------------------
def target_from(core: Core, body: dict[str, Any], fmt: str) -> WebhookTarget:
    url = body.get("url")
    if not isinstance(url, str):
        raise AhaError(400, "url is required")
    events, record_types = body.get("events"), body.get("record_types")
    return WebhookTarget(
        core.webhooks.new_id(),
        url,
        fmt,
        events=frozenset(events) if events is not None else None,
        record_types=frozenset(record_types) if record_types is not None else None,
        api_changes=bool(body.get("api_changes", True)),
        retry_delays=tuple(float(x) for x in body.get("retry_delays", DEFAULT_RETRY_DELAYS)),
        timeout=float(body.get("timeout", 5.0)),
    )


def webhooks_get(core: Core, req: Request) -> Response:
    return ok({"webhooks": [t.as_json() for t in core.webhooks.targets()]})


def webhooks_add(core: Core, req: Request) -> Response:
    body = _body(req)
    target = core.webhooks.add(target_from(core, body, str(body.get("format", "integration"))))
    return ok(target.as_json(), 201)


def webhooks_delete(core: Core, req: Request) -> Response:
    core.webhooks.remove_all()
    return Response(204)


def webhook_put(core: Core, req: Request) -> Response:
    body = _body(req)
    formats = body.get("formats") or list(FORMATS)
    targets = [target_from(core, body, str(fmt)) for fmt in formats]
    core.webhooks.remove_all()
    added = [core.webhooks.add(t).as_json() for t in targets]
    return ok({"webhooks": added})


def deliveries(core: Core, req: Request) -> Response:
    wait = req.q_int("wait", 0)
    timeout = float(req.q("timeout", "5") or 5)
    if wait and not core.webhooks.wait_done(wait, min(timeout, 60.0)):
        return ok(
            {
                "error": f"fewer than {wait} deliveries finished within {timeout}s",
                "deliveries": core.webhooks.deliveries(),
            },
            408,
        )
    return ok({"deliveries": core.webhooks.deliveries()})


def deliveries_clear(core: Core, req: Request) -> Response:
    core.webhooks.clear_deliveries()
    return Response(204)


# faults, rate limit, calls, keys -----------------------------------------------------------------------
def faults_get(core: Core, req: Request) -> Response:
    return ok({"rules": core.faults.rules()})


def faults_add(core: Core, req: Request) -> Response:
    return ok(core.faults.add(_body(req)).as_json(), 201)


def faults_clear(core: Core, req: Request) -> Response:
    core.faults.clear()
    return Response(204)


def faults_seed(core: Core, req: Request) -> Response:
    seed = _body(req).get("seed")
    if seed is not None and not isinstance(seed, int):
        raise AhaError(400, "seed must be an integer or null")
    core.faults.seed(seed)
    return Response(204)


def rate_limit_get(core: Core, req: Request) -> Response:
    return ok(core.limiter.settings())


def rate_limit_put(core: Core, req: Request) -> Response:
    body = _body(req)
    core.limiter.configure(
        limit=body.get("limit"),
        window=body.get("window"),
        retry_after=body.get("retry_after"),
    )
    return ok(core.limiter.settings())


def calls_get(core: Core, req: Request) -> Response:
    return ok({"calls": core.calls.snapshot(req.q_int("since", 0))})


def calls_clear(core: Core, req: Request) -> Response:
    core.calls.clear()
    return Response(204)


def api_key_add(core: Core, req: Request) -> Response:
    body = _body(req)
    label, email = body.get("label"), body.get("email")
    user = core.store.user_by_email(str(email)) if email else None
    if not isinstance(label, str) or not label or user is None:
        raise AhaError(400, "label and the e-mail of an existing user are required")
    key = str(body.get("key") or f"sim-aha-api-key-{label}-{secrets.token_hex(4)}")
    core.store.api_keys[key] = ApiKey(key, user.id, label)
    return ok({"label": label, "key": key, "user_id": user.id}, 201)


def api_key_revoke(core: Core, req: Request) -> Response:
    found = [k for k in core.store.api_keys.values() if k.label == req.params["label"] and not k.revoked]
    if not found:
        raise not_found("API key", req.params["label"])
    for key in found:
        key.revoked = True
    return Response(204)


# records -----------------------------------------------------------------------------------------------
def _with_history(core: Core, record: Feature | Requirement) -> dict[str, Any]:
    renderer = core.renderer()
    kind: RecordKind = "Feature" if isinstance(record, Feature) else "Requirement"
    shown = renderer.feature(record) if isinstance(record, Feature) else renderer.requirement(record)
    shown["comments"] = [renderer.comment(c) for c in core.store.comments_on(kind, record.id)]
    shown["time_tracking_events"] = [
        _time_event(core, e) for e in core.store.time_events.values() if e.record_id == record.id
    ]
    return shown


def _time_event(core: Core, event: Any) -> dict[str, Any]:
    store = core.store
    record = store.features.get(event.record_id) or store.requirements.get(event.record_id)
    return {
        **core.renderer().time_tracking_event(event),
        "record_type": event.record_type,
        "reference": record.reference_num if record else None,
        "remaining_estimate": event.remaining_estimate,
        "created_at": event.created_at,
        "via": event.via,
        "key": event.key,
        "deleted": event.deleted,
    }


def features_list(core: Core, req: Request) -> Response:
    return ok({"features": [_with_history(core, f) for f in core.store.features_in()]})


def feature_show(core: Core, req: Request) -> Response:
    feature = core.store.feature(req.params["ref"])
    if feature is None:
        raise not_found("Feature", req.params["ref"])
    return ok(_with_history(core, feature))


def requirements_list(core: Core, req: Request) -> Response:
    found = sorted(
        (r for r in core.store.requirements.values() if not r.deleted), key=lambda r: r.reference_num
    )
    return ok({"requirements": [_with_history(core, r) for r in found]})


def requirement_show(core: Core, req: Request) -> Response:
    requirement = core.store.requirement(req.params["ref"])
    if requirement is None:
        raise not_found("Requirement", req.params["ref"])
    return ok(_with_history(core, requirement))


def releases_list(core: Core, req: Request) -> Response:
    renderer = core.renderer()
    return ok({"releases": [renderer.release(r) for r in core.store.releases.values()]})


def comments_list(core: Core, req: Request) -> Response:
    renderer = core.renderer()
    return ok(
        {
            "comments": [
                {**renderer.comment(c), "deleted": c.deleted}
                for c in sorted(core.store.comments.values(), key=lambda c: int(c.id))
            ]
        }
    )


def time_tracking_list(core: Core, req: Request) -> Response:
    events = sorted(core.store.time_events.values(), key=lambda e: int(e.id))
    return ok({"time_tracking_events": [_time_event(core, e) for e in events]})


def audits_list(core: Core, req: Request) -> Response:
    payloads = core.payloads()
    return ok({"audits": [{**payloads.audit(a), "via": a.via} for a in core.store.audits]})


def register(router: Router) -> None:
    router.add("GET", "/_sim/info", info)
    router.add("POST", "/_sim/reset", reset)
    router.add("GET", "/_sim/webhooks", webhooks_get)
    router.add("POST", "/_sim/webhooks", webhooks_add)
    router.add("DELETE", "/_sim/webhooks", webhooks_delete)
    router.add("PUT", "/_sim/webhook", webhook_put)
    router.add("GET", "/_sim/webhook/deliveries", deliveries, locked=False)
    router.add("DELETE", "/_sim/webhook/deliveries", deliveries_clear)
    router.add("GET", "/_sim/faults", faults_get)
    router.add("POST", "/_sim/faults", faults_add)
    router.add("DELETE", "/_sim/faults", faults_clear)
    router.add("PUT", "/_sim/faults/seed", faults_seed)
    router.add("GET", "/_sim/rate-limit", rate_limit_get)
    router.add("PUT", "/_sim/rate-limit", rate_limit_put)
    router.add("GET", "/_sim/calls", calls_get)
    router.add("DELETE", "/_sim/calls", calls_clear)
    router.add("POST", "/_sim/api-keys", api_key_add)
    router.add("DELETE", "/_sim/api-keys/{label}", api_key_revoke)
    router.add("GET", "/_sim/features", features_list)
    router.add("GET", "/_sim/features/{ref}", feature_show)
    router.add("GET", "/_sim/requirements", requirements_list)
    router.add("GET", "/_sim/requirements/{ref}", requirement_show)
    router.add("GET", "/_sim/releases", releases_list)
    router.add("GET", "/_sim/comments", comments_list)
    router.add("GET", "/_sim/time-tracking", time_tracking_list)
    router.add("GET", "/_sim/audits", audits_list)
