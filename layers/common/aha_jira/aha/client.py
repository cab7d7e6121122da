"""Aha!'s REST API v1 as typed methods: only the calls the roadmap connector and test connection make.

Every request is one of the operations of Aha!'s published OpenAPI description, with the body it documents
(`tests/integration/aha/test_client_requests.py` checks each against the description). Every answer is
validated; one that is not what the API promises is an `AhaUnexpectedAnswer` naming the call and what
is wrong, never an exception of the validation library. Paged reads follow every page up to a limit, so a
misbehaving server cannot keep a function busy until it times out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ValidationError

from aha_jira.aha.errors import AhaUnexpectedAnswer
from aha_jira.aha.payloads import (
    AhaComment,
    AhaDocument,
    AhaFeature,
    AhaFeatureRef,
    AhaId,
    AhaIntegration,
    AhaIntegrationField,
    AhaProduct,
    AhaRelease,
    AhaRequirement,
    AhaTimeTrackingEvent,
    AhaUser,
    Pagination,
    ProductWorkflows,
    RecordAttributes,
    RecordKind,
)
from aha_jira.aha.transport import AhaTransport

M = TypeVar("M", bound=BaseModel)

MAX_PAGES = 50
PAGE_SIZE = 100  # Aha! answers at most 200 a page
_COLLECTION: dict[RecordKind, str] = {"feature": "features", "requirement": "requirements", "epic": "epics"}
_ANSWER_HINT = (
    "Check that roadmap.base_url is the address of the Aha! account; if it is, Aha! answered in a way its "
    "API does not describe: the work is retried, and the integration log keeps the answer's problem."
)


def _segment(value: str) -> str:
    return quote(value, safe="")


def duration_text(minutes: int) -> str:
    """Minutes as Aha! reads a duration: `"1h 30min"`, `"0min"`. Hours and minutes only: a day's length is an
    account setting in Aha!, an hour is not."""
    if minutes < 0:
        raise ValueError("a duration is never negative")
    hours, rest = divmod(int(minutes), 60)
    parts = [f"{hours}h"] if hours else []
    if rest or not parts:
        parts.append(f"{rest}min")
    return " ".join(parts)


class AhaClient:
    def __init__(self, transport: AhaTransport) -> None:
        self.transport = transport

    # --- identity, product, workflows, integrations ---------------------------------------------------
    def me(self) -> AhaUser:
        """The API key's user (test connection's first call; a change it made is our own echo)."""
        return self._one(AhaUser, "GET", "/me", "user")

    def product(self, product: str) -> AhaProduct:
        """A product by id or reference prefix (`PROD`)."""
        return self._one(AhaProduct, "GET", f"/products/{_segment(product)}", "product")

    def workflows(self, product: str) -> ProductWorkflows:
        """The product's workflows (features', requirements', releases'...) with their statuses."""
        answer = self.transport.get(f"/products/{_segment(product)}/workflows")
        return self._validate(ProductWorkflows, answer, f"GET /products/{_segment(product)}/workflows")

    def product_integrations(self, product: str) -> list[AhaIntegration]:
        return self._pages(AhaIntegration, f"/products/{_segment(product)}/integrations", "integrations")

    def product_integration(self, product: str, integration: str) -> AhaIntegration:
        """One of the product's integrations, by id (or by service name, which Aha! also takes)."""
        path = f"/products/{_segment(product)}/integrations/{_segment(integration)}"
        return self._one(AhaIntegration, "GET", path, "integration")

    # --- features and requirements --------------------------------------------------------------------
    def feature(self, feature: str) -> AhaFeature:
        """The whole feature (requirements, release, integration fields...) by reference or id."""
        return self._one(AhaFeature, "GET", f"/features/{_segment(feature)}", "feature")

    def update_feature(self, feature: str, attributes: RecordAttributes) -> AhaFeature:
        body = {"feature": attributes.body()}
        return self._one(AhaFeature, "PUT", f"/features/{_segment(feature)}", "feature", body)

    def requirement(self, requirement: str) -> AhaRequirement:
        return self._one(AhaRequirement, "GET", f"/requirements/{_segment(requirement)}", "requirement")

    def update_requirement(self, requirement: str, attributes: RecordAttributes) -> AhaRequirement:
        body = {"requirement": attributes.body()}
        path = f"/requirements/{_segment(requirement)}"
        return self._one(AhaRequirement, "PUT", path, "requirement", body)

    def update_record(self, kind: RecordKind, reference: str, attributes: RecordAttributes) -> AhaDocument:
        if kind == "feature":
            return self.update_feature(reference, attributes)
        return self.update_requirement(reference, attributes)

    def feature_requirements(self, feature: str) -> list[AhaRequirement]:
        return self._pages(AhaRequirement, f"/features/{_segment(feature)}/requirements", "requirements")

    def create_feature(self, release: str, attributes: RecordAttributes) -> AhaFeature:
        """A new feature in `release` (reference or id); Aha! allocates its reference."""
        if not attributes.name:
            raise ValueError("Aha! creates no feature without a name")
        body = {"feature": attributes.body()}
        return self._one(AhaFeature, "POST", f"/releases/{_segment(release)}/features", "feature", body)

    def create_requirement(self, feature: str, attributes: RecordAttributes) -> AhaRequirement:
        if not attributes.name:
            raise ValueError("Aha! creates no requirement without a name")
        body = {"requirement": attributes.body()}
        path = f"/features/{_segment(feature)}/requirements"
        return self._one(AhaRequirement, "POST", path, "requirement", body)

    # --- releases ---------------------------------------------------------------------------------------
    def release(self, release: str) -> AhaRelease:
        return self._one(AhaRelease, "GET", f"/releases/{_segment(release)}", "release")

    def release_features(self, release: str) -> list[AhaFeatureRef]:
        return self._pages(AhaFeatureRef, f"/releases/{_segment(release)}/features", "features")

    # --- integration fields (a feature's Jira link) -----------------------------------------------------
    def set_integration_fields(self, feature: str, integration: str, fields: Mapping[str, str]) -> list[str]:
        """Create or replace `fields` (name → value, e.g. `key`, `id`, `url`) on the feature under the Aha!
        integration; one call per field, in the description's documented form. Repeating it is harmless: a
        field of the same name gets the new value. Answers the fields' ids."""
        path = f"/features/{_segment(feature)}/integrations/{_segment(integration)}/fields"
        ids: list[str] = []
        for name, value in fields.items():
            answer = self.transport.post(path, {"integration_field": {"name": name, "value": value}})
            ids.extend(self._validate(_FieldIds, {"ids": answer}, f"POST {path}").ids)
        return ids

    def integration_field(self, feature: str, integration: str, name: str) -> AhaIntegrationField:
        """One integration field (AhaNotFound when the feature has none of that name)."""
        path = f"/features/{_segment(feature)}/integrations/{_segment(integration)}/fields/{_segment(name)}"
        return self._one(AhaIntegrationField, "GET", path, "integration_field")

    # --- time tracking ----------------------------------------------------------------------------------
    def log_time(
        self,
        kind: RecordKind,
        reference: str,
        *,
        work_done_minutes: int,
        remaining_minutes: int | None = None,
    ) -> AhaTimeTrackingEvent:
        """Add a time tracking event. Additive: posting it twice counts the work twice, so the caller must
        know what it posted before (Aha! lowers the remaining estimate by the work done when none is given)."""
        event: dict[str, Any] = {"work_done_text": duration_text(work_done_minutes)}
        if remaining_minutes is not None:
            event["remaining_estimate_text"] = duration_text(remaining_minutes)
        path = f"/{_COLLECTION[kind]}/{_segment(reference)}/time_tracking_events"
        body = {"time_tracking_event": event}
        return self._one(AhaTimeTrackingEvent, "POST", path, "time_tracking_event", body)

    def delete_time_tracking_event(self, event_id: str) -> None:
        """Take a time tracking event's work back off its record."""
        self.transport.delete(f"/time_tracking_events/{_segment(event_id)}")

    # --- comments ---------------------------------------------------------------------------------------
    def add_comment(self, kind: RecordKind, reference: str, body_html: str) -> AhaComment:
        path = f"/{_COLLECTION[kind]}/{_segment(reference)}/comments"
        return self._one(AhaComment, "POST", path, "comment", {"comment": {"body": body_html}})

    def comment(self, comment_id: str) -> AhaComment:
        """One comment by id, wherever it is (AhaNotFound once deleted)."""
        return self._one(AhaComment, "GET", f"/comments/{_segment(comment_id)}", "comment")

    def update_comment(self, comment_id: str, body_html: str) -> AhaComment:
        path = f"/comments/{_segment(comment_id)}"
        return self._one(AhaComment, "PUT", path, "comment", {"comment": {"body": body_html}})

    def delete_comment(self, comment_id: str) -> None:
        self.transport.delete(f"/comments/{_segment(comment_id)}")

    def comments(self, kind: RecordKind, reference: str) -> list[AhaComment]:
        return self._pages(AhaComment, f"/{_COLLECTION[kind]}/{_segment(reference)}/comments", "comments")

    # --- answers ----------------------------------------------------------------------------------------
    def _one(self, model: type[M], method: str, path: str, key: str, body: Any = None) -> M:
        """The object under `key` in the answer to one request, validated as `model`."""
        answer = self.transport.request(method, path, json_body=body)
        call = f"{method} {path}"
        if not isinstance(answer, dict) or not isinstance(answer.get(key), dict):
            raise _unexpected(call, f"no '{key}' object", method)
        found = self._validate(model, answer[key], call)
        if isinstance(found, AhaDocument):
            found.with_document(answer[key])
        return found

    def _validate(self, model: type[M], value: Any, call: str) -> M:
        try:
            return model.model_validate(value)
        except ValidationError as error:
            raise _unexpected(call, _first_problem(error), call.split(" ", 1)[0]) from None

    def _pages(self, model: type[M], path: str, key: str) -> list[M]:
        found: list[M] = []
        call = f"GET {path}"
        for page in range(1, MAX_PAGES + 1):
            answer = self.transport.get(path, params={"page": str(page), "per_page": str(PAGE_SIZE)})
            if not isinstance(answer, dict) or not isinstance(answer.get(key), list):
                raise _unexpected(call, f"no '{key}' list", "GET")
            items = [self._validate(model, item, call) for item in answer[key]]
            for item, raw in zip(items, answer[key], strict=True):
                if isinstance(item, AhaDocument):
                    item.with_document(raw)
            found.extend(items)
            pagination = self._validate(_Paged, answer, call).pagination
            total_pages = pagination.total_pages if pagination else None
            if not items or total_pages is None or page >= total_pages:
                break
        return found


class _FieldIds(BaseModel):
    ids: list[AhaId]


class _Paged(BaseModel):
    pagination: Pagination | None = None


def _first_problem(error: ValidationError) -> str:
    # Location and kind only: the offending value is Aha!'s data and may be long.
    first = error.errors(include_input=False, include_url=False)[0]
    where = ".".join(str(part) for part in first.get("loc", ())) or "(answer)"
    return f"{where}: {first.get('msg', 'invalid')}"


def _unexpected(call: str, problem: str, method: str) -> AhaUnexpectedAnswer:
    return AhaUnexpectedAnswer(
        f"Aha!'s answer to {call} is not what its API describes ({problem}).",
        hint=_ANSWER_HINT,
        committed=method != "GET",
    )
