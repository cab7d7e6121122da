"""One Aha! webhook delivery: its body read strictly into one of the delivery models
(`models.aha_webhook`), and the identifier that tells a redelivery from a new event.

Malformed is 400 (`not_an_aha_event`): not strict JSON (`models.json_input.parse_json`: 64 levels, no NaN,
no repeated key), not an object, no `event` name, an audit without its record, a feature event whose
feature is not one (the send's own model). Any other event name is read as a bare envelope: answered 2xx,
ignored. Aha! signs nothing and sends no delivery id; an audit carries its own id (one per change, the
same on every redelivery), and an integration event is identified by its body, which holds the feature's
`updated_at`: two deliveries of the same body are the same state of the record.
"""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

from aha_jira.errors import InvalidRequest
from aha_jira.models.aha_webhook import (
    AUDIT_EVENT,
    FEATURE_EVENTS,
    AhaAuditEvent,
    AhaDelivery,
    AhaEventEnvelope,
    AhaFeatureEvent,
)
from aha_jira.models.json_input import JsonRefused, parse_json


def parse_delivery(body: bytes) -> AhaDelivery:
    try:
        document = parse_json(body)
    except JsonRefused as error:
        raise not_an_event(str(error)) from None
    if not isinstance(document, dict):
        raise not_an_event("the body is not a JSON object")
    try:
        envelope = AhaEventEnvelope.model_validate(document)
        if envelope.event == AUDIT_EVENT:
            return AhaAuditEvent.model_validate(document)
        if envelope.event in FEATURE_EVENTS:
            return AhaFeatureEvent.model_validate(document)
    except ValidationError as error:
        first = error.errors(include_input=False, include_url=False)[0]
        at = (first.get("ctx") or {}).get("at")
        where = ".".join(str(part) for part in (*first.get("loc", ()), *([at] if at else [])))
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        raise not_an_event(f"{where}: {message}" if where else message) from None
    return envelope


def not_an_event(detail: str) -> InvalidRequest:
    return InvalidRequest(
        f"The body is not an Aha! webhook event ({detail}).",
        hint='Aha! sends {"event": ..., "feature": {...}} (integration events) or {"event": "audit", '
        '"audit": {...}} (activity webhooks); point only Aha!\'s webhooks at this URL.',
        code="not_an_aha_event",
    )


def delivery_identifier(delivery: AhaDelivery, body: bytes) -> str:
    if isinstance(delivery, AhaAuditEvent) and delivery.audit.id:
        return f"audit:{delivery.audit.id}"
    return "body-sha256:" + hashlib.sha256(body).hexdigest()
