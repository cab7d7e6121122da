"""`POST /integrations/{id}/releases/{release_ref}/send`: a release send checked, stored and fanned out.

Everything a send would refuse at once is refused here, before anything is written (an unknown or untested
integration, a body over the limits, a reference twice); then the features' items and the summary are
written, and one fan-out message is queued: the release worker turns it into one message per feature. The
answer is 202 with the send's id; its progress is `GET .../release-sends/{id}`."""

from __future__ import annotations

import uuid

from aha_jira.aha.errors import AhaError, AhaNotFound
from aha_jira.connection.roadmap_access import aha_client_for
from aha_jira.errors import InvalidRequest, NotFound, PayloadTooLarge
from aha_jira.integration_log import Outcome, record_action
from aha_jira.integrations.query import load_integration
from aha_jira.models.feature import AhaFeature
from aha_jira.models.integration import StoredIntegration
from aha_jira.models.release import (
    MAX_RELEASE_FEATURES,
    ReleaseFanOut,
    ReleaseSendBody,
    ReleaseSendRecord,
    ReleaseSendStarted,
    check_release,
    pack_feature,
    too_many_features,
)
from aha_jira.releases.services import (
    KEEP_SECONDS,
    ReleaseServices,
    RoadmapRefused,
    RoadmapUnavailable,
    ready_snapshot,
)

# A feature's payload is kept in one DynamoDB item (400 KB): compressed, with room for the item's other
# attributes. A bigger feature is sent on its own (the single send keeps it the same way).
MAX_PACKED_FEATURE_BYTES = 350 * 1024


def start_release_send(
    integration_id: str, release_ref: str, body: ReleaseSendBody | None, services: ReleaseServices
) -> ReleaseSendStarted:
    """`body` None: an empty body, which an `aha` integration fills from Aha! (the worker reads each
    feature there)."""
    integration = load_integration(integration_id, services.send.integrations)
    ready_snapshot(integration, services.send)
    if body is None:
        references = release_features_in_aha(integration, release_ref, services)
        payloads: list[tuple[str, bytes | None]] = [(reference, None) for reference in references]
        source = "aha"
    else:
        check_release(body, release_ref)
        payloads = [
            (feature.reference_num, _packed(feature, index)) for index, feature in enumerate(body.features)
        ]
        source = "body"
    send_id = uuid.uuid4().hex
    now = services.clock()
    started_at = services.now_iso()
    record = ReleaseSendRecord(
        integration_id=integration_id,
        release_send_id=send_id,
        release=release_ref,
        status="running" if payloads else "done",
        total=len(payloads),
        remaining=len(payloads),
        started_at=started_at,
        finished_at=None if payloads else started_at,
        source=source,
    )
    services.sends.create(record, payloads, expires_at=int(now + KEEP_SECONDS))
    if payloads:
        services.queue.fan_out(
            ReleaseFanOut(
                integration_id=integration_id,
                release_send_id=send_id,
                references=[reference for reference, _ in payloads],
            )
        )
    record_action(
        "release.send",
        Outcome.QUEUED if payloads else Outcome.SKIPPED,
        integration_id=integration_id,
        reference=release_ref,
        message=(
            f"Release {release_ref}: {len(payloads)} feature(s) queued (release send {send_id})"
            if payloads
            else f"Release {release_ref} has no features: nothing to send"
        ),
        hint="GET /integrations/{id}/release-sends/{release_send_id} shows its progress.",
        release_send_id=send_id,
        features=len(payloads),
        source=source,
    )
    return ReleaseSendStarted(release_send_id=send_id, status=record.status, features=len(payloads))


def _packed(feature: AhaFeature, index: int) -> bytes:
    packed = pack_feature(feature)
    if len(packed) > MAX_PACKED_FEATURE_BYTES:
        raise PayloadTooLarge(
            f"features.{index} ({feature.reference_num}) is too large to wait in a release send "
            f"({len(packed) // 1024} KiB compressed, at most {MAX_PACKED_FEATURE_BYTES // 1024} KiB).",
            hint="Send that feature on its own with POST /integrations/{id}/features/{reference}/send, and "
            "the release without it.",
            code="feature_too_large",
        )
    return packed


def release_features_in_aha(
    integration: StoredIntegration, release_ref: str, services: ReleaseServices
) -> list[str]:
    """The release's feature references, as Aha! lists them (an `aha` integration's empty body)."""
    if integration.roadmap.type != "aha":
        raise InvalidRequest(
            "The body is empty, and this integration's roadmap is not Aha!, so the release cannot be read "
            "from it.",
            hint='Send {"release": {...}, "features": [...]}, or set roadmap.type "aha" on the integration.',
            code="body_required",
        )
    client = aha_client_for(integration, services.send.secret_store, budgets=services.send.rate_budgets)
    try:
        features = client.release_features(release_ref)
    except AhaNotFound:
        raise NotFound(
            f"Aha! has no release {release_ref} (or the integration's API key may not see it).",
            hint="Use the release's reference as Aha! shows it (e.g. PROD-R-1).",
            code="release_not_found",
        ) from None
    except AhaError as error:
        if error.transient:
            raise RoadmapUnavailable(
                f"Aha! could not list the release's features: {error.message}",
                hint="Nothing was queued; send the release again in a moment.",
                code=error.code,
            ) from None
        raise RoadmapRefused(
            f"Aha! refused to list the release's features: {error.message}",
            hint=error.hint or "Check roadmap.api_key and its access to the product, then send again.",
            code=error.code,
        ) from None
    references = list(dict.fromkeys(feature.reference_num for feature in features))
    if len(references) > MAX_RELEASE_FEATURES:
        raise too_many_features(len(references))
    return references
